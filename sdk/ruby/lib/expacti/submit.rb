# frozen_string_literal: true

require "json"

require_relative "json_value"

module Expacti
  # The body of `POST /api/v1/commands`: the `submit` frame's fields without `type`.
  #
  # Everything the server would refuse for a reason visible in the body (`invalid_request`,
  # `command_too_large`, `payload_too_large`) is an ArgumentError here instead, before
  # anything is sent.
  module Submit
    # The protocol's limits. The HTTP binding has no `hello` to announce others; a server
    # configured lower refuses with `command_too_large` or `payload_too_large`.
    Limits = Struct.new(:max_command_bytes, :max_metadata_bytes, keyword_init: true)
    DEFAULT_LIMITS = Limits.new(max_command_bytes: 65_536, max_metadata_bytes: 16_384).freeze

    REQUEST_ID = /\A[A-Za-z0-9._:-]{1,128}\z/.freeze
    MAX_TIMEOUT_SECONDS = 600
    MAX_TARGET_CHARS = 255
    MAX_SESSION_ID_CHARS = 128
    # Blank as the server sees it: Python's str.isspace(), which [[:space:]] misses the
    # separators \x1c-\x1f of.
    BLANK = /\A[\t\n\v\f\r\x1c-\x1f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*\z/.freeze

    # The body as a Hash with String keys; nil optionals are left out.
    def self.body(request_id:, command:, target: nil, timeout_seconds: nil, session: nil, context: nil,
                  limits: DEFAULT_LIMITS)
      unless request_id.is_a?(String) && REQUEST_ID.match?(request_id)
        raise ArgumentError, "request_id must be 1-128 characters of A-Z a-z 0-9 . _ : -"
      end

      body = { "request_id" => request_id, "command" => check_command(command, limits) }
      body["target"] = check_target(target) unless target.nil?
      body["timeout_seconds"] = check_timeout(timeout_seconds) unless timeout_seconds.nil?
      body["session"] = check_session(session) unless session.nil?
      body["context"] = check_context(context) unless context.nil?
      check_metadata_size(body, limits)
      body
    end

    # +command+ as UTF-8, or ArgumentError unless a submit may carry it.
    def self.check_command(command, limits = DEFAULT_LIMITS)
      raise ArgumentError, "command must be a String, not #{command.class}" unless command.is_a?(String)

      text = JsonValue.text(command, "command")
      if text.bytesize > limits.max_command_bytes
        raise ArgumentError, "command is #{text.bytesize} bytes; the server takes at most #{limits.max_command_bytes}"
      end
      raise ArgumentError, "command must not be blank" if BLANK.match?(text)
      raise ArgumentError, "command must not contain NUL characters" if text.include?("\0")

      text
    end

    def self.check_timeout(timeout)
      return timeout if timeout.is_a?(Integer) && (1..MAX_TIMEOUT_SECONDS).cover?(timeout)

      raise ArgumentError, "timeout must be an Integer number of seconds from 1 to #{MAX_TIMEOUT_SECONDS}, " \
                           "not #{timeout.inspect}"
    end

    def self.check_target(target)
      raise ArgumentError, "target must be a String, not #{target.class}" unless target.is_a?(String)

      text = JsonValue.text(target, "target")
      raise ArgumentError, "target must be at most #{MAX_TARGET_CHARS} characters" if text.length > MAX_TARGET_CHARS

      text
    end

    def self.check_session(session)
      raise ArgumentError, "session must be a Hash ({id:, goal:, steps:, current_step:})" unless session.is_a?(Hash)

      copy = JsonValue.normalize(session, "session")
      id, goal, steps, current = copy.values_at("id", "goal", "steps", "current_step")
      unless id.is_a?(String) && (1..MAX_SESSION_ID_CHARS).cover?(id.length)
        raise ArgumentError, "session id must be a String of 1-#{MAX_SESSION_ID_CHARS} characters"
      end
      raise ArgumentError, "session goal must be a String" unless goal.nil? || goal.is_a?(String)
      unless steps.nil? || (steps.is_a?(Array) && steps.all?(String))
        raise ArgumentError, "session steps must be an Array of Strings"
      end
      raise ArgumentError, "session current_step must be an Integer" unless current.nil? || current.is_a?(Integer)

      copy
    end

    def self.check_context(context)
      raise ArgumentError, "context must be a Hash (a JSON object), not #{context.class}" unless context.is_a?(Hash)

      JsonValue.normalize(context, "context")
    end

    def self.check_metadata_size(body, limits)
      return unless body.key?("session") || body.key?("context")

      size = ascii_json_bytes([body["session"], body["context"]])
      return if size <= limits.max_metadata_bytes

      raise ArgumentError, "session and context are #{size} bytes of JSON; " \
                           "the server takes at most #{limits.max_metadata_bytes}"
    end

    # The size of +value+ as the server measures it: compact JSON with every non-ASCII
    # character escaped (six bytes per UTF-16 unit).
    def self.ascii_json_bytes(value)
      JSON.generate(value).each_char.sum do |char|
        code = char.ord
        if code <= 0x7F then 1
        elsif code <= 0xFFFF then 6
        else 12
        end
      end
    end

    private_class_method :check_target, :check_session, :check_context, :check_metadata_size, :ascii_json_bytes
  end
end
