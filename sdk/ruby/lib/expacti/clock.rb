# frozen_string_literal: true

module Expacti
  # Seconds on the monotonic clock: waits are durations, never wall-clock times, so a
  # client clock that jumps cannot shorten or stretch them.
  MONOTONIC_CLOCK = -> { Process.clock_gettime(Process::CLOCK_MONOTONIC) }
end
