# frozen_string_literal: true

module Expacti
  # Pauses between attempts: exponential backoff with full jitter.
  module Backoff
    INITIAL_SECONDS = 0.1
    MAX_SECONDS = 5.0

    # Seconds to wait after +failures+ consecutive failures: a uniform pick below
    # min(MAX_SECONDS, 0.1 * 2**(failures - 1)), so agents that lost the same server do
    # not all come back at the same instant. No failure yet: no wait.
    def self.delay(failures, random: Random)
      return 0.0 if failures <= 0

      ceiling = [MAX_SECONDS, INITIAL_SECONDS * (2**[failures - 1, 62].min)].min
      random.rand * ceiling
    end
  end
end
