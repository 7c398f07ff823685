# frozen_string_literal: true

require_relative "live_helper"

# Reconnect and resume: the connection is cut and refused while a run waits, the reviewer
# decides meanwhile, and the run still gets that decision for the same command. Not
# parallel: a cut drops every connection through the proxy.
class LiveReconnectTest < Minitest::Test
  def test_a_decision_made_while_the_client_is_away_reaches_it
    command = Live.unique("reconnect")
    run = Live.in_background { Live.client.run(command) }
    pending = Live.command(command, status: "pending")["command"]
    assert_operator Live.control("/cut", { "refuse_seconds" => 1.5 })["cut"], :>=, 1
    decided = Live.control("/decide", { "command" => command, "action" => "approve" })
    decision = run.value
    assert_equal [true, pending["id"], decided["id"]], [decision.approved?, decision.command_id, decision.command_id]
    assert_equal 1, Live.command(command)["count"], "resumed, not submitted again as a new command"
  end
end
