# frozen_string_literal: true

module Expacti
  # Base of every error the SDK raises. None of them ever means "approved": whenever the
  # SDK is in doubt it raises, and the command must not run.
  #
  #   Expacti::Error
  #   ├── CommandDeniedError        a reviewer denied the command, or it was cancelled
  #   ├── CommandTimeoutError       no decision in time: the server's timed_out decision,
  #   │                             or the client's own deadline (then cancelled)
  #   ├── ConnectionError           unreachable for longer than reconnect_timeout, or
  #   │   │                         lost until the run's deadline
  #   │   └── AuthenticationError   the server refused the token (HTTP 401 or 403)
  #   └── ProtocolError             an error body from the server (#code), or a response
  #                                 the SDK cannot trust (#code nil)
  #
  # A bad argument (a blank command, a timeout out of range) is not one of these: it is an
  # ArgumentError, raised before anything is sent.
  class Error < StandardError; end

  # A reviewer denied the command, or it was cancelled; it must not run.
  class CommandDeniedError < Error
    attr_reader :decision

    def initialize(decision)
      @decision = decision
      verb = decision.decision == "cancelled" ? "cancelled" : "denied"
      by = decision.reviewer ? " by #{decision.reviewer}" : ""
      why = decision.notes ? ": #{decision.notes}" : ""
      super("command #{verb}#{by}#{why} (#{decision.command_id})")
    end

    # The command the decision is about: the caller's own text.
    def command
      decision.original_command
    end

    def reviewer
      decision.reviewer
    end

    def notes
      decision.notes
    end

    def command_id
      decision.command_id
    end
  end

  # No decision in time. #decision is the server's timed_out Decision, or nil when the
  # client's own deadline passed first; the SDK then asked the server to cancel it.
  class CommandTimeoutError < Error
    attr_reader :command, :decision

    def initialize(command, decision = nil)
      @command = command
      @decision = decision
      super(
        if decision.nil?
          "no decision before the client's deadline; the command was cancelled"
        else
          "command timed out#{decision.notes ? ": #{decision.notes}" : ""} (#{decision.command_id})"
        end
      )
    end

    # The server's id of the command, when the server decided the timeout.
    def command_id
      decision&.command_id
    end
  end

  # The server could not be reached for longer than reconnect_timeout, or not again
  # before the run's deadline.
  class ConnectionError < Error; end

  # The server refused the token (HTTP 401 or 403); never retried.
  class AuthenticationError < ConnectionError
    attr_reader :status

    def initialize(message, status)
      @status = status
      super(message)
    end
  end

  # The server answered with an error body (#code: "invalid_request",
  # "request_id_conflict", "too_many_pending", ...) or with something the SDK cannot
  # trust (#code nil). #status is the HTTP status, when there was one.
  class ProtocolError < Error
    attr_reader :code, :status

    def initialize(message, code: nil, status: nil)
      @code = code
      @status = status
      super(message)
    end
  end
end
