# frozen_string_literal: true

module Expacti
  # Asks the server to cancel a command a run no longer waits for: best effort, bounded.
  #
  # It runs on a thread of its own, so a second interrupt of the caller cannot cut it
  # short, and the caller waits for it at most BOUND_SECONDS. A command whose id never
  # arrived (the run was interrupted during its submit) is first looked up by submitting
  # again with the same request_id, which the server resumes.
  class Cancellation
    BOUND_SECONDS = 5
    # Each of its requests, whole.
    REQUEST_LIMIT_SECONDS = 3

    # +binding+: an HttpBinding with a short connect timeout.
    def initialize(binding)
      @binding = binding
    end

    # Cancel the command (+command_id+, or the one +submit_body+ created) for +reason+.
    def call(command_id, submit_body, reason)
      worker = Thread.new do
        id = command_id || @binding.submit(submit_body, limit: REQUEST_LIMIT_SECONDS).id
        @binding.cancel(id, reason, limit: REQUEST_LIMIT_SECONDS)
      rescue StandardError
        nil # best effort: the server times the command out on its own, and the run's own error stands
      end
      worker.report_on_exception = false
      worker.join(BOUND_SECONDS)
      nil
    end
  end
end
