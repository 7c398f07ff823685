# frozen_string_literal: true

require_relative "fields"

module Expacti
  # The server's decision on a command, validated: the `decision` object of a Command,
  # which holds exactly the WebSocket `decision` frame's fields (docs/PROTOCOL.md).
  #
  # Fails closed: `approved` must agree with `decision`, an edit must name a non-blank
  # command, and every field must have its exact type; anything else is a ProtocolError.
  class DecisionFrame
    STATES = %w[approved denied timed_out cancelled].freeze

    attr_reader :request_id, :command_id, :approved, :decision, :latency_ms, :reviewer, :notes,
                :whitelisted, :rule_id, :risk_score, :anomalies, :command, :edited, :approvers

    # Raises ProtocolError unless +object+ is a valid decision.
    def self.parse(object)
      new(Fields.new(object, "decision"))
    end

    def initialize(fields)
      read_verdict(fields)
      read_command(fields)
      read_details(fields)
      freeze
    end

    private

    def read_verdict(fields)
      @approved = fields.flag("approved")
      @decision = fields.text("decision")
      raise fields.invalid("decision: unknown state #{@decision.inspect}") unless STATES.include?(@decision)
      # The gate fails closed: a contradictory decision is never an approval.
      return if @approved == (@decision == "approved")

      raise fields.invalid("approved is #{@approved} but decision is #{@decision.inspect}")
    end

    def read_command(fields)
      # Servers before these fields send neither; an edit must say what to run, or nothing may run.
      @command = fields.optional_text("command")&.freeze
      @edited = fields.flag("edited", default: false)
      return unless @edited && (@command.nil? || @command.match?(/\A[[:space:]]*\z/))

      raise fields.invalid("edited is true but command is missing or blank")
    end

    def read_details(fields)
      @request_id = fields.text("request_id").dup.freeze
      @command_id = fields.text("command_id").dup.freeze
      @latency_ms = fields.non_negative_number("latency_ms")
      @reviewer = fields.optional_text("reviewer", required: true)&.dup&.freeze
      @notes = fields.optional_text("notes", required: true)&.dup&.freeze
      @whitelisted = fields.flag("whitelisted")
      @rule_id = fields.optional_text("rule_id", required: true)&.dup&.freeze
      @risk_score = fields.integer("risk_score", 0..100)
      @anomalies = fields.text_list("anomalies")
      @approvers = fields.text_list("approvers", default: [].freeze)
    end
  end
end
