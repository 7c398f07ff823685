# frozen_string_literal: true

require_relative "decision_frame"
require_relative "fields"

module Expacti
  # The parts of a `Command` (docs/openapi.yml) that a waiting run relies on: what the
  # server answers a submit and a long-poll with.
  #
  # Fails closed: a decided status without its decision, a decision on a pending command,
  # or a decision about another command or request is a ProtocolError.
  class CommandView
    STATUSES = (["pending"] + DecisionFrame::STATES).freeze

    attr_reader :id, :status, :decision, :created_at, :expires_at, :escalated_at

    # Raises ProtocolError unless +object+ is a Command for +request_id+.
    def self.parse(object, request_id)
      new(Fields.new(object, "command"), request_id)
    end

    def initialize(fields, request_id)
      @id = fields.text("id").dup.freeze
      theirs = fields.text("request_id")
      raise fields.invalid("request_id is #{theirs.inspect}, not #{request_id.inspect}") unless theirs == request_id

      @status = fields.text("status")
      raise fields.invalid("status: unknown #{@status.inspect}") unless STATUSES.include?(@status)

      @created_at = fields.timestamp("created_at")
      @expires_at = fields.timestamp("expires_at")
      @escalated_at = fields.timestamp("escalated_at", required: false)
      @decision = read_decision(fields, request_id)
      freeze
    end

    def pending?
      decision.nil?
    end

    private

    def read_decision(fields, request_id)
      object = fields.object.fetch("decision", nil)
      if object.nil?
        raise fields.invalid("status is #{@status} but there is no decision") unless @status == "pending"

        return nil
      end
      frame = DecisionFrame.parse(object)
      check(fields, frame.decision == @status, "status is #{@status} but the decision says #{frame.decision}")
      check(fields, frame.command_id == @id, "the decision is about #{frame.command_id}, not #{@id}")
      check(fields, frame.request_id == request_id, "the decision answers request #{frame.request_id}")
      frame
    end

    def check(fields, condition, problem)
      raise fields.invalid(problem) unless condition
    end
  end
end
