# frozen_string_literal: true

require "securerandom"

require_relative "cancellation"
require_relative "deadline"
require_relative "endpoint"
require_relative "errors"
require_relative "http_binding"
require_relative "pending_run"
require_relative "retry_window"
require_relative "session_end"
require_relative "submit"
require_relative "transport"
require_relative "unserializable"

module Expacti
  # Asks an expacti server for approval before a command runs, over the HTTP binding
  # (submit, then long-poll).
  #
  #   client = Expacti::Client.new(url: "http://localhost:3001", token: ENV.fetch("EXPACTI_TOKEN"))
  #   decision = client.run("terraform apply", target: "prod")   # raises unless approved
  #   system(decision.command)                                     # the reviewer may have edited it
  #
  # Thread-safe: concurrent runs share nothing but the settings, each on its own HTTP
  # connections. No connection stays open between calls, so there is nothing to close.
  class Client
    include Unserializable

    TOKEN = /\A[\x21-\x7e]+\z/.freeze
    CONNECT_TIMEOUT = 10
    CANCEL_CONNECT_TIMEOUT = 2

    attr_reader :url, :reconnect_timeout

    # +url+: the server, `http(s)://host[:port]`, or the agent WebSocket URL
    # `ws(s)://host[:port]/shell/ws` (mapped to http(s)). +token+: the agent token, sent
    # only as `Authorization: Bearer`. +reconnect_timeout+: seconds to keep retrying
    # through an outage (refused, reset, 502/503/504, `unavailable`) before giving up.
    def initialize(url:, token:, reconnect_timeout: 60)
      endpoint = Endpoint.new(url)
      unless token.is_a?(String) && TOKEN.match?(token)
        raise ArgumentError, "the token must be a non-empty String of printable ASCII without spaces"
      end
      unless reconnect_timeout.is_a?(Numeric) && reconnect_timeout.to_f.finite? && reconnect_timeout.positive?
        raise ArgumentError, "reconnect_timeout must be a number of seconds > 0, not #{reconnect_timeout.inspect}"
      end

      @url = endpoint.to_s.freeze
      @reconnect_timeout = reconnect_timeout
      @binding = HttpBinding.new(Transport.new(endpoint, token.dup.freeze, connect_timeout: CONNECT_TIMEOUT))
      @cancellation = Cancellation.new(
        HttpBinding.new(Transport.new(endpoint, token.dup.freeze, connect_timeout: CANCEL_CONNECT_TIMEOUT))
      )
      freeze
    end

    # Submit +command+ for approval and wait for the decision; the Decision only when
    # approved.
    #
    # +target+: the host, cluster or environment (whitelist scopes use it), at most 255
    # characters. +timeout+: Integer seconds a human has to decide, 1-600 (the server
    # takes the smaller of it and the organisation's). +context+: a Hash of JSON shown to
    # reviewers. +session+: `{id:, goal:, steps:, current_step:}`, what the agent works on.
    #
    # Raises CommandDeniedError (denied or cancelled), CommandTimeoutError,
    # ConnectionError, AuthenticationError or ProtocolError; ArgumentError before
    # sending anything for a bad argument. An interrupted run (Interrupt,
    # Timeout.timeout, Thread#raise) asks the server to cancel the command.
    def run(command, target: nil, timeout: nil, context: nil, session: nil)
      body = Submit.body(request_id: SecureRandom.hex(16), command: command, target: target,
                         timeout_seconds: timeout, session: session, context: context)
      decision = PendingRun.new(binding: @binding, body: body, deadline: Deadline.new(timeout),
                                retries: retry_window, cancellation: @cancellation).call
      outcome(decision)
    end

    # Tell the server the agent is done with the session it chose +session_id+ for:
    # +status+ :completed (it reached its goal) or :failed (it gave up).
    def end_session(session_id, status: :completed)
      body = SessionEnd.body(session_id, status)
      retry_window.attempt { @binding.end_session(body) }
      nil
    end

    # Never shows the token.
    def inspect
      "#<#{self.class} #{@url}>"
    end

    private

    def retry_window
      RetryWindow.new(@url, @reconnect_timeout)
    end

    def outcome(decision)
      case decision.decision
      when "approved" then decision
      when "timed_out" then raise CommandTimeoutError.new(decision.original_command, decision)
      else raise CommandDeniedError.new(decision)
      end
    end
  end
end
