# frozen_string_literal: true

require_relative "clock"

module Expacti
  # When a run stops waiting for its decision.
  #
  # The run's own timeout, else the organisation's timeout, else the protocol's maximum
  # (600 s), plus a grace for the network, counted on the monotonic clock from the first
  # submit. The HTTP binding has no `hello`, so the organisation's timeout is read from the
  # first Command: `expires_at - created_at`, two server timestamps, immune to the client's
  # clock. An escalation that moves `expires_at` later extends a run without its own
  # timeout by as much, or the client would cancel the command it was escalated for.
  class Deadline
    GRACE_SECONDS = 5
    MAX_SECONDS = 600

    # +timeout+: the run's own, in seconds, or nil.
    def initialize(timeout, clock: MONOTONIC_CLOCK)
      @timeout = timeout
      @clock = clock
      @started = nil
      @policy = nil
      @extension = 0.0
      @expires_at = nil
    end

    # The first submit goes out now; later ones do not restart the clock.
    def start
      @started ||= @clock.call
    end

    # Learn from a Command the server sent about this run.
    def observe(view)
      if @expires_at.nil?
        seconds = view.expires_at - view.created_at
        @policy = seconds if seconds.positive? && seconds <= MAX_SECONDS
      elsif @timeout.nil? && view.escalated_at && view.expires_at > @expires_at
        @extension = [@extension + (view.expires_at - @expires_at), MAX_SECONDS].min
      end
      @expires_at = view.expires_at if @expires_at.nil? || view.expires_at > @expires_at
    end

    # Seconds a human has to decide, as far as the client knows.
    def budget
      @timeout || @policy || MAX_SECONDS
    end

    # Seconds left; zero or less once the deadline passed.
    def remaining
      now = @clock.call
      (@started || now) + budget + @extension + GRACE_SECONDS - now
    end
  end
end
