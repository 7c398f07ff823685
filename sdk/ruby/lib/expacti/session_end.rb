# frozen_string_literal: true

require_relative "submit"

module Expacti
  # The body of `POST /api/v1/sessions/end`: the `session_end` frame's fields without `type`.
  module SessionEnd
    STATUSES = %w[completed failed].freeze

    # ArgumentError unless the server would take it.
    def self.body(session_id, status)
      unless session_id.is_a?(String) && (1..Submit::MAX_SESSION_ID_CHARS).cover?(session_id.length)
        raise ArgumentError, "session_id must be a String of 1-#{Submit::MAX_SESSION_ID_CHARS} characters"
      end

      name = status.is_a?(Symbol) ? status.to_s : status
      raise ArgumentError, "status must be :completed or :failed, not #{status.inspect}" unless STATUSES.include?(name)

      { "session_id" => JsonValue.text(session_id, "session_id"), "status" => name }
    end
  end
end
