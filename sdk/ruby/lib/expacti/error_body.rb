# frozen_string_literal: true

require_relative "fields"

module Expacti
  # The body of every error response: `{"error": {"code", "message", "details"}}`, the
  # HTTP twin of the WebSocket `error` frame.
  class ErrorBody
    attr_reader :code, :message, :details

    # Raises ProtocolError unless +object+ is an error body.
    def self.parse(object)
      outer = Fields.new(object, "error body")
      raise outer.invalid("error: required field missing") unless outer.key?("error")

      new(Fields.new(object["error"], "error body"))
    end

    def initialize(fields)
      @code = fields.text("code").dup.freeze
      @message = (fields.optional_text("message") || "").dup.freeze
      @details = fields.mapping("details").freeze
      freeze
    end
  end
end
