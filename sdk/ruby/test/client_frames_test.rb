# frozen_string_literal: true

require_relative "test_helper"
require_relative "support/vectors"

# Every case of protocol/vectors/client_frames.json: the SDK's builders make exactly the
# vector's body (the frame without `type`) for every case the server accepts, and refuse
# with ArgumentError, before sending, every case the server refuses for a reason visible
# in the body. The cases out of reach are accounted for with a reason.
class ClientFramesTest < Minitest::Test
  def test_every_case_is_replayed_or_has_a_reason
    reasons = Vectors::CLIENT_CASES.to_h { |vector| [vector["name"], Vectors.client_out_of_reach(vector)] }
    replayed = reasons.select { |_, reason| reason.nil? }.keys
    assert_operator replayed.size, :>=, 30
    encrypted = Vectors::CLIENT_CASES.select { |vector| vector.dig("frame", "encrypted") }.map { |vector| vector["name"] }
    assert_equal encrypted, reasons.select { |_, reason| reason&.start_with?("end-to-end") }.keys
    types = Vectors::CLIENT_CASES.select { |vector| replayed.include?(vector["name"]) }.map { |vector| vector["frame"]["type"] }
    assert_equal %w[session_end submit], types.uniq.sort
  end

  def test_out_of_reach_cases_and_their_reasons
    expected = {
      "raw text: the SDK only sends JSON it generated" => %w[malformed-json json-not-an-object json-string],
      "HTTP has no ping" => %w[ping ping-without-nonce],
      "a frame type the SDK never sends" => %w[missing-type unknown-type type-not-a-string]
    }
    expected.each do |reason, names|
      assert_equal names, Vectors::CLIENT_CASES.select { |vector| Vectors.client_out_of_reach(vector) == reason }
                                               .map { |vector| vector["name"] }
    end
    cancels = Vectors::CLIENT_CASES.select { |vector| vector.dig("frame", "type") == "cancel" }
    assert(cancels.all? { |vector| Vectors.client_out_of_reach(vector).include?("command id in the path") })
    executions = Vectors::CLIENT_CASES.select { |vector| vector.dig("frame", "type").to_s.start_with?("exec_") }
    assert(executions.all? { |vector| Vectors.client_out_of_reach(vector) == "this SDK does not execute commands" })
  end

  Vectors::CLIENT_CASES.each do |vector|
    next if Vectors.client_out_of_reach(vector)

    define_method("test_vector_#{vector["name"].tr("-", "_")}") do
      frame = Vectors.expanded(vector)
      refusal = vector["expect"]["error"]
      if refusal.nil? || Vectors::STATEFUL.include?(refusal)
        assert_equal Vectors.known(frame), JSON.parse(JSON.generate(Vectors.build(frame)))
        return
      end

      # invalid_frame, command_too_large, payload_too_large: refused before sending.
      error = assert_raises(ArgumentError, "#{vector["name"]} must not be built") { Vectors.build(frame) }
      expected = {
        "command_too_large" => /command is \d+ bytes; the server takes at most 65536/,
        "payload_too_large" => /session and context are \d+ bytes of JSON; the server takes at most 16384/
      }[refusal]
      assert_match(expected, error.message) if expected
    end
  end

  def test_builds_compact_json_without_the_optionals_it_was_not_given
    body = Expacti::Submit.body(request_id: "r-1", command: "ls -la")
    assert_equal '{"request_id":"r-1","command":"ls -la"}', JSON.generate(body)
  end

  def test_measures_metadata_as_the_server_does_non_ascii_escaped
    # 16,384 bytes as the server counts: "é" is \u00e9 (six bytes), not two.
    filler = "é" * ((16_384 - '[null,{"a":""}]'.bytesize) / 6)
    within = { "a" => filler + ("x" * ((16_384 - '[null,{"a":""}]'.bytesize) % 6)) }
    assert Expacti::Submit.body(request_id: "r", command: "ls", context: within)
    error = assert_raises(ArgumentError) do
      Expacti::Submit.body(request_id: "r", command: "ls", context: { "a" => "#{within["a"]}x" })
    end
    assert_equal "session and context are 16385 bytes of JSON; the server takes at most 16384", error.message
  end
end
