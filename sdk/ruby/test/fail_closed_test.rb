# frozen_string_literal: true

require_relative "test_helper"
require_relative "support/vectors"

# Nothing the server sends that is not exactly what the protocol promises is ever taken as
# an approval: it is a ProtocolError (code nil, as no error was reported).
class FailClosedTest < Minitest::Test
  APPROVED = Vectors.server_case("decision-approved-by-reviewer")["frame"].reject { |key, _| key == "type" }.freeze

  def refused_decision(text)
    error = assert_raises(Expacti::ProtocolError) do
      Expacti::DecisionFrame.parse(Expacti::StrictJson.parse(text, "the decision"))
    end
    assert_nil error.code
    error
  end

  def decision_with(changes)
    JSON.generate(APPROVED.merge(changes))
  end

  def command_with(changes, request_id: "r-1")
    command = {
      "id" => "cmd_1", "request_id" => "r-1", "status" => "approved", "created_at" => "2026-11-21T10:00:00Z",
      "expires_at" => "2026-11-21T10:01:00Z", "decision" => APPROVED
    }.merge(changes)
    assert_raises(Expacti::ProtocolError) { Expacti::CommandView.parse(command, request_id) }
  end

  {
    "not JSON" => "{",
    "not an object" => "[1]",
    "a duplicate key" => '{"approved":false,"approved":true}',
    "a duplicate key deeper down" => JSON.generate(APPROVED).sub("{", '{"x":{"a":1,"a":2},'),
    "NaN" => JSON.generate(APPROVED).sub("4211.5", "NaN"),
    "Infinity" => JSON.generate(APPROVED).sub("4211.5", "Infinity"),
    "approved false but decision approved" => { "approved" => false },
    "a boolean risk score" => { "risk_score" => true },
    "a fractional risk score" => { "risk_score" => 20.5 },
    "a risk score out of range" => { "risk_score" => 101 },
    "a negative latency" => { "latency_ms" => -1 },
    "anomalies that are not strings" => { "anomalies" => [1] },
    "a reviewer that is not a string" => { "reviewer" => 7 },
    "a null request_id" => { "request_id" => nil },
    "a null whitelisted" => { "whitelisted" => nil }
  }.each do |name, change|
    define_method("test_refuses_#{name.tr(" ", "_")}") do
      refused_decision(change.is_a?(String) ? change : decision_with(change))
    end
  end

  def test_refuses_a_latency_that_overflows_to_infinity
    text = JSON.generate(APPROVED).sub("4211.5", "1e400")
    verbose = $VERBOSE
    $VERBOSE = nil # Ruby's JSON parser warns "Float 1e400 out of range" on its way to Infinity
    refused_decision(text)
  ensure
    $VERBOSE = verbose
  end

  def test_refuses_a_missing_reviewer
    refused_decision(JSON.generate(APPROVED.reject { |key, _| key == "reviewer" }))
  end

  def test_refuses_json_nested_too_deeply
    error = refused_decision(%({"type": "decision", "x": #{"[" * 5000}1#{"]" * 5000}}))
    assert_match(/nesting/, error.message)
  end

  def test_refuses_text_that_is_not_utf8
    error = assert_raises(Expacti::ProtocolError) { Expacti::StrictJson.parse("{\"a\":\"\xff\"}".b, "the command") }
    assert_equal "the command is not UTF-8", error.message
  end

  def test_tells_apart_keys_with_escaped_quotes
    assert_equal({ "a\"b" => 1, "a" => 2 }, Expacti::StrictJson.parse('{"a\\"b":1,"a":2}', "x"))
  end

  def test_a_command_whose_status_and_decision_disagree
    command_with({ "status" => "denied" })
    command_with({ "status" => "pending" })
    command_with({ "status" => "approved", "decision" => nil })
    command_with({ "status" => "held" })
  end

  def test_a_decision_about_another_command_or_request
    command_with({ "id" => "cmd_2" })
    command_with({ "request_id" => "r-2" }, request_id: "r-2")
    command_with({}, request_id: "r-other")
  end

  def test_a_command_without_usable_timestamps
    command_with({ "expires_at" => "2026-11-21T10:01:00" })
    command_with({ "created_at" => "soon" })
    command_with({ "expires_at" => nil })
    command_with({ "escalated_at" => 5 })
  end

  def test_an_error_body_without_its_code
    assert_raises(Expacti::ProtocolError) { Expacti::ErrorBody.parse({ "error" => { "message" => "x" } }) }
    assert_raises(Expacti::ProtocolError) { Expacti::ErrorBody.parse({ "detail" => "Not Found" }) }
    assert_raises(Expacti::ProtocolError) { Expacti::ErrorBody.parse({ "error" => "x" }) }
  end
end
