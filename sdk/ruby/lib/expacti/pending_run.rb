# frozen_string_literal: true

require_relative "deadline"
require_relative "decision"
require_relative "errors"

module Expacti
  # One run waiting for its decision over the HTTP binding: submit, then long-poll until
  # the command is decided or the deadline passes.
  #
  # Whatever ends the wait without a decision (the deadline, an answer that cannot be
  # trusted, the caller's interrupt, Timeout or Thread#raise) asks the server to cancel
  # the command, unless nothing was created: a refused submit or a refused token.
  class PendingRun
    # The binding's longest long-poll. A server configured for less (long_poll_max_seconds)
    # refuses it with invalid_request; the wait is then halved until it takes it.
    MAX_WAIT_SECONDS = 60

    # +body+: the submit body; +retries+: a RetryWindow; +cancellation+: a Cancellation.
    def initialize(binding:, body:, deadline:, retries:, cancellation:)
      @binding = binding
      @body = body
      @deadline = deadline
      @retries = retries
      @cancellation = cancellation
      @command_id = nil
      @sent = false
      @settled = false
      @max_wait = MAX_WAIT_SECONDS
    end

    # The Decision, whatever it says; raises for everything else.
    def call
      view = submit
      view = poll(view) while view.pending?
      @settled = true
      Decision.from_frame(view.decision, @body.fetch("command"))
    ensure
      cancel(untrusted?($!) ? "invalid answer from the server" : "the agent stopped waiting") unless @settled
    end

    private

    def submit
      @deadline.start
      view = before_deadline do
        @retries.attempt(time_left: -> { @deadline.remaining }) do
          @sent = true
          @binding.submit(@body, limit: @deadline.remaining)
        end
      end
      @command_id = view.id
      view
    rescue AuthenticationError
      @settled = true # nothing can be cancelled with a refused token
      raise
    rescue ProtocolError => e
      @settled = true if e.status && e.status >= 400 # refused: nothing was created
      raise
    end

    def poll(view)
      @deadline.observe(view)
      deadline_passed unless @deadline.remaining.positive?
      before_deadline { long_poll(view.id) }
    rescue AuthenticationError
      @settled = true
      raise
    end

    # The wait is worked out again for every attempt: a retry after an outage has less
    # time left than the attempt it repeats.
    def long_poll(command_id)
      wait = nil
      @retries.attempt(time_left: -> { @deadline.remaining }) do
        left = @deadline.remaining
        deadline_passed unless left.positive?
        wait = [left, @max_wait].min
        @binding.poll(command_id, @body.fetch("request_id"), wait, limit: left)
      end
    rescue ProtocolError => e
      raise unless e.code == "invalid_request" && wait && wait > 1

      @max_wait = [wait / 2, 1].max
      retry
    end

    # A request cut short by the deadline, and not retried for lack of time, is the
    # deadline passing, not the server being unreachable.
    def before_deadline
      yield
    rescue ConnectionError => e
      raise if e.is_a?(AuthenticationError) || @deadline.remaining.positive?

      deadline_passed
    end

    def deadline_passed
      cancel("agent deadline passed")
      raise CommandTimeoutError.new(@body.fetch("command"))
    end

    # An answer the SDK could not trust, rather than a refusal with an error code.
    def untrusted?(error)
      error.is_a?(ProtocolError) && error.code.nil?
    end

    def cancel(reason)
      @settled = true
      @cancellation.call(@command_id, @body, reason) if @sent
    end
  end
end
