# frozen_string_literal: true

require_relative "backoff"
require_relative "clock"
require_relative "errors"
require_relative "http_binding"

module Expacti
  # Retries a request through an outage: with backoff, for at most reconnect_timeout
  # seconds from the first failure in a row.
  class RetryWindow
    def initialize(url, reconnect_timeout, clock: MONOTONIC_CLOCK, random: Random)
      @url = url
      @seconds = reconnect_timeout
      @clock = clock
      @random = random
    end

    # The block's value, once it did not raise HttpBinding::Retryable. Gives up when the
    # next attempt would come more than reconnect_timeout after the first failure, or not
    # before +time_left+ (a callable, seconds) runs out: ProtocolError with the code of an
    # `unavailable` answer, else ConnectionError.
    def attempt(time_left: nil)
      failures = 0
      since = nil
      begin
        yield
      rescue HttpBinding::Retryable => e
        now = @clock.call
        since ||= now
        failures += 1
        pause = Backoff.delay(failures, random: @random)
        raise give_up(e, "within #{@seconds} s") if now + pause - since > @seconds
        raise give_up(e, "before the deadline") if time_left && pause >= time_left.call

        sleep(pause)
        retry
      end
    end

    private

    def give_up(failure, bound)
      message = "#{failure.message}; #{@url} could not be reached again #{bound}"
      return ProtocolError.new(message, code: failure.code) if failure.code

      ConnectionError.new(message)
    end
  end
end
