# frozen_string_literal: true

require_relative "test_helper"
require_relative "support/vectors"

# The public Decision and the errors that carry one.
class DecisionTest < Minitest::Test
  def decision_from(name, command)
    frame = Vectors.server_case(name)["frame"].reject { |key, _| key == "type" }
    Expacti::Decision.from_frame(Expacti::DecisionFrame.parse(frame), command)
  end

  def test_carries_the_wire_fields_unchanged_in_snake_case
    wire = Vectors.server_case("decision-denied")["frame"]
    decision = decision_from("decision-denied", "rm -rf /tmp/x")
    assert_equal(
      {
        approved: false, decision: "denied", command_id: wire["command_id"], command: "rm -rf /tmp/x",
        edited: false, original_command: "rm -rf /tmp/x", reviewer: "bob", notes: "not on a Friday",
        whitelisted: false, rule_id: nil, risk_score: 70, anomalies: ["destructive"], approvers: [],
        latency_ms: 900, request_id: "r-3"
      },
      decision.to_h
    )
    refute_predicate decision, :approved?
  end

  def test_is_a_frozen_value
    decision = decision_from("decision-multi-party", "terraform apply")
    assert_predicate decision, :frozen?
    assert_predicate decision.anomalies, :frozen?
    assert_predicate decision.approvers.first, :frozen?
    assert_predicate decision.command, :frozen?
    refute_respond_to decision, :approved=
    assert_equal decision, decision_from("decision-multi-party", "terraform apply")
    assert_equal decision.hash, decision_from("decision-multi-party", "terraform apply").hash
  end

  def test_carries_a_reviewers_edit_as_the_command_keeping_the_original
    decision = decision_from("decision-edited", "terraform apply")
    assert_equal ["terraform apply -target=module.web", "terraform apply", true, ["alice"]],
                 [decision.command, decision.original_command, decision.edited?, decision.approvers]
    assert_predicate decision, :approved?
  end

  def test_keeps_the_callers_own_text_without_an_edit
    decision = decision_from("decision-whitelisted-with-new-fields", "psql -c 'select 1'")
    assert_equal ["psql -c 'select 1'", true, nil], [decision.command, decision.whitelisted?, decision.reviewer]
  end

  def test_defaults_what_older_servers_do_not_send
    decision = decision_from("decision-approved-by-reviewer", "ls")
    assert_equal [false, [], "ls"], [decision.edited, decision.approvers, decision.command]
  end

  def test_a_denial_error_carries_the_command_the_decision_the_reviewer_and_the_note
    decision = decision_from("decision-denied", "rm -rf /srv")
    error = Expacti::CommandDeniedError.new(decision)
    assert_equal ["rm -rf /srv", decision, "bob", "not on a Friday", "cmd_3"],
                 [error.command, error.decision, error.reviewer, error.notes, error.command_id]
    assert_equal "command denied by bob: not on a Friday (cmd_3)", error.message
    cancelled = Expacti::CommandDeniedError.new(decision_from("decision-cancelled", "ls"))
    assert_equal "command cancelled: agent disconnected (cmd_5)", cancelled.message
  end

  def test_a_timeout_error_carries_the_servers_decision_or_none
    decision = decision_from("decision-timed-out", "ls")
    error = Expacti::CommandTimeoutError.new("ls", decision)
    assert_equal ["ls", decision, "cmd_4"], [error.command, error.decision, error.command_id]
    assert_equal "command timed out: no decision within 60 s (cmd_4)", error.message
    own = Expacti::CommandTimeoutError.new("ls")
    assert_nil own.decision
    assert_equal "no decision before the client's deadline; the command was cancelled", own.message
  end
end
