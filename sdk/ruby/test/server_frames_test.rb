# frozen_string_literal: true

require_relative "test_helper"
require_relative "support/vectors"

# Every case of protocol/vectors/server_frames.json: decisions (a Command's `decision`
# object) and errors (error bodies) are parsed as the HTTP binding carries them; the frame
# types it never carries are accounted for with a reason.
class ServerFramesTest < Minitest::Test
  def parse_decision(frame)
    text = JSON.generate(Vectors.server_body(frame))
    Expacti::DecisionFrame.parse(Expacti::StrictJson.parse(text, "the decision"))
  end

  def parse_error(frame)
    text = JSON.generate(Vectors.server_body(frame))
    Expacti::ErrorBody.parse(Expacti::StrictJson.parse(text, "the error"))
  end

  # The decision inside the Command that a long-poll answers with.
  def parse_in_command(frame)
    decision = Vectors.server_body(frame)
    command = {
      "id" => frame.fetch("command_id", "cmd_x"), "request_id" => frame.fetch("request_id", "r-x"),
      "status" => frame["decision"], "created_at" => "2026-11-21T10:00:00.000000Z",
      "expires_at" => "2026-11-21T10:01:00.000000Z", "decision" => decision
    }
    text = JSON.generate(command)
    Expacti::CommandView.parse(Expacti::StrictJson.parse(text, "the command"), command["request_id"])
  end

  def test_the_vectors_are_there_valid_and_invalid
    assert_operator Vectors::SERVER_CASES.size, :>=, 19
    assert(Vectors::SERVER_CASES.any? { |vector| !vector["expect"]["valid"] })
  end

  # Counted from the file itself and from the tests defined below, so a case the loop
  # drops, or one both replayed and excused, fails here.
  def test_every_case_is_replayed_or_has_a_reason
    file = JSON.parse(File.read(File.join(Vectors::DIR, "server_frames.json")))
    names = file.fetch("cases").map { |vector| vector["name"] }
    assert_equal names.uniq, names, "case names are unique"
    replayed = self.class.public_instance_methods(false).grep(/\Atest_vector_/)
                   .map { |name| name.to_s.delete_prefix("test_vector_") }
    reasons = Vectors::SERVER_CASES.to_h { |vector| [vector["name"], Vectors.server_out_of_reach(vector)] }.compact
    names.each do |name|
      assert replayed.include?(name.tr("-", "_")) ^ reasons.key?(name),
             "#{name}: replayed, or out of reach with a reason"
    end
    assert_equal names.size, replayed.size + reasons.size
    assert(reasons.values.all? { |reason| reason.is_a?(String) && !reason.empty? })
    replayed_cases = Vectors::SERVER_CASES.reject { |vector| reasons.key?(vector["name"]) }
    assert_equal %w[decision error], replayed_cases.map { |vector| vector["frame"]["type"] }.uniq.sort
    # Every type the binding carries is replayed, valid and invalid.
    assert_operator replayed_cases.count { |vector| vector["expect"]["valid"] }, :>=, 10
    assert_operator replayed_cases.count { |vector| !vector["expect"]["valid"] }, :>=, 10
  end

  Vectors::SERVER_CASES.each do |vector|
    next if Vectors.server_out_of_reach(vector)

    define_method("test_vector_#{vector["name"].tr("-", "_")}") do
      frame = vector["frame"]
      decision = frame["type"] == "decision"
      unless vector["expect"]["valid"]
        error = assert_raises(Expacti::ProtocolError) { decision ? parse_decision(frame) : parse_error(frame) }
        assert_nil error.code, "an invalid body, not an error the server reported"
        assert_raises(Expacti::ProtocolError) { parse_in_command(frame) } if decision
        return
      end

      if decision
        parsed = parse_decision(frame)
        assert_equal vector["expect"]["approved"], parsed.approved
        assert_equal frame["decision"], parsed.decision
        assert_equal vector["expect"]["approved"], parse_in_command(frame).decision.approved
      else
        assert_equal frame["code"], parse_error(frame).code
      end
    end
  end
end
