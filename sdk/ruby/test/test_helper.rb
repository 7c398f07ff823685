# frozen_string_literal: true

# Loaded first by every test file: minitest, the SDK, and a guard that fails the run when
# Ruby printed any warning (the suite runs with -w).
require "etc"
require "minitest"

module WarningGuard
  SEEN = Queue.new

  def warn(message, *args, **kwargs)
    SEEN << message
    super
  end
end
Warning.singleton_class.prepend(WarningGuard)

Minitest.after_run do
  unless WarningGuard::SEEN.empty?
    $stderr.puts "FAILED: Ruby printed #{WarningGuard::SEEN.size} warning(s)"
    exit 1
  end
end

# The parallel tests wait on loopback servers and deadlines, not on the CPU: as many run at
# once on a two-core machine as on a large one.
Minitest.parallel_executor = Minitest::Parallel::Executor.new([Etc.nprocessors, 8].max)

require "minitest/autorun"
require "expacti"
