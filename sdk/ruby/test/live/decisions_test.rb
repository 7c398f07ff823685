# frozen_string_literal: true

require_relative "live_helper"

# A reviewer's approval, edit and denial reach Client#run, against the real server.
class LiveDecisionsTest < Minitest::Test
  parallelize_me!

  def test_an_approval_returns_the_decision
    command = Live.unique("approve")
    run = Live.in_background { Live.client.run(command, target: "rb-live") }
    decided = Live.control("/decide", { "command" => command, "action" => "approve", "note" => "looks fine" })
    decision = run.value
    assert_equal [true, "approved", false, decided["id"], command, false, "looks fine"],
                 [decision.approved?, decision.decision, decision.whitelisted?, decision.command_id, decision.command,
                  decision.edited?, decision.notes]
    refute_nil decision.reviewer
    assert_equal [decision.reviewer], decision.approvers
  end

  def test_an_edited_approval_carries_the_edit_as_the_command
    command = Live.unique("edit")
    edit = "#{command} --dry-run"
    run = Live.in_background { Live.client.run(command) }
    Live.control("/decide", { "command" => command, "action" => "approve", "edit" => edit })
    decision = run.value
    assert_equal [edit, true, command], [decision.command, decision.edited?, decision.original_command]
  end

  def test_a_denial_raises_with_the_command_and_the_note
    command = Live.unique("deny")
    run = Live.in_background { Live.client.run(command) }
    decided = Live.control("/decide", { "command" => command, "action" => "deny", "note" => "not on a Friday" })
    error = assert_raises(Expacti::CommandDeniedError) { run.value }
    assert_equal [command, "not on a Friday", "denied", false, decided["id"]],
                 [error.command, error.notes, error.decision.decision, error.decision.approved?, error.command_id]
    refute_nil error.reviewer
  end

  def test_a_whitelisted_command_passes_at_once
    command = Live.unique("whitelisted")
    Live.control("/whitelist", { "pattern" => command })
    decision = Live.client.run(command)
    assert_equal [true, true, nil, [], "approved"],
                 [decision.approved?, decision.whitelisted?, decision.reviewer, decision.approvers,
                  Live.command(command, status: "approved")["command"]["status"]]
    refute_nil decision.rule_id
  end

  def test_a_wrong_token_is_refused_at_once
    client = Expacti::Client.new(url: Live::URL, token: "not-a-real-token")
    error = assert_raises(Expacti::AuthenticationError) { client.run(Live.unique("auth")) }
    assert_equal 401, error.status
  end

  def test_a_session_is_carried_and_ended
    command = Live.unique("session")
    session_id = "rb-session-#{SecureRandom.hex(4)}"
    session = { id: session_id, goal: "show a session", steps: %w[look act], current_step: 1 }
    run = Live.in_background { Live.client.run(command, session: session, context: { ticket: "OPS-7" }) }
    Live.control("/decide", { "command" => command, "action" => "approve" })
    run.value
    stored = Live.command(command)["command"]
    assert_equal [session_id, { "ticket" => "OPS-7" }], [stored.dig("session", "id"), stored["context"]]
    assert_nil Live.client.end_session(session_id, status: :completed)
    assert_equal "completed", Live.server_get("/api/v1/sessions/#{stored.fetch("session_id")}")["status"]
  end
end
