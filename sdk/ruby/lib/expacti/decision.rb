# frozen_string_literal: true

require_relative "errors"

module Expacti
  # The final word on a command, as Client#run returns it (only for an approval) and the
  # errors carry it. A frozen value object.
  #
  # Run #command, not what you submitted: after a reviewer's edit (#edited?) it is the
  # edited text; #original_command is always what you submitted.
  class Decision
    FIELDS = %i[approved decision command_id command edited original_command reviewer notes
                whitelisted rule_id risk_score anomalies approvers latency_ms request_id].freeze

    attr_reader(*FIELDS)

    # The Decision for a validated DecisionFrame about +original_command+.
    def self.from_frame(frame, original_command)
      new(
        approved: frame.approved, decision: frame.decision, command_id: frame.command_id,
        command: frame.edited ? frame.command : original_command, edited: frame.edited,
        original_command: original_command, reviewer: frame.reviewer, notes: frame.notes,
        whitelisted: frame.whitelisted, rule_id: frame.rule_id, risk_score: frame.risk_score,
        anomalies: frame.anomalies, approvers: frame.approvers, latency_ms: frame.latency_ms,
        request_id: frame.request_id
      )
    end

    def initialize(**fields)
      missing = FIELDS - fields.keys
      unknown = fields.keys - FIELDS
      raise ArgumentError, "missing #{missing.join(", ")}" unless missing.empty?
      raise ArgumentError, "unknown #{unknown.join(", ")}" unless unknown.empty?

      fields.each { |name, value| instance_variable_set(:"@#{name}", deep_freeze(value)) }
      freeze
    end

    def approved?
      approved
    end

    def edited?
      edited
    end

    def whitelisted?
      whitelisted
    end

    def to_h
      FIELDS.to_h { |name| [name, public_send(name)] }
    end

    def ==(other)
      other.is_a?(Decision) && to_h == other.to_h
    end
    alias eql? ==

    def hash
      to_h.hash
    end

    def inspect
      "#<Expacti::Decision #{decision} #{command_id} command=#{command.inspect}>"
    end

    private

    def deep_freeze(value)
      case value
      when String then value.frozen? ? value : value.dup.freeze
      when Array then value.map { |item| deep_freeze(item) }.freeze
      else value
      end
    end
  end
end
