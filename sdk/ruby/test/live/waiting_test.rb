# frozen_string_literal: true

require_relative "live_helper"

# How a wait ends without a human: the timeout, and the caller giving up, against the
# real server.
class LiveWaitingTest < Minitest::Test
  parallelize_me!

  # The server's timeout comes first: the client's own deadline is the run's timeout
  # plus a grace, so the server's timed_out decision reaches it.
  def test_a_short_timeout_raises_the_timeout_with_the_servers_decision
    command = Live.unique("timeout")
    error = assert_raises(Expacti::CommandTimeoutError) { Live.client.run(command, timeout: 1) }
    assert_equal ["timed_out", command], [error.decision.decision, error.command]
    found = Live.command(command, status: "timed_out")
    assert_equal [error.command_id, 1], [found["command"]["id"], found["count"]]
  end

  def test_an_interrupted_run_is_cancelled_on_the_server
    command = Live.unique("interrupt")
    run = Live.in_background { Live.client.run(command) }
    pending = Live.command(command, status: "pending")["command"]
    run.raise(Interrupt)
    assert_raises(Interrupt) { run.value }
    cancelled = Live.command(command, status: "cancelled")["command"]
    assert_equal [pending["id"], "the agent stopped waiting"], [cancelled["id"], cancelled.dig("decision", "notes")]
  end
end
