# frozen_string_literal: true

require_relative "live_helper"
require_relative "../support/vectors"

# The client vectors this SDK builds, sent over HTTP to the real server in file order (an
# organisation without whitelist rules, so valid submits stay pending): what the SDK
# builds is accepted, and what it refuses before sending the server refuses too.
class LiveVectorsTest < Minitest::Test
  # The HTTP status and error code of each WebSocket outcome.
  HTTP_REFUSALS = {
    "invalid_frame" => [422, "invalid_request"],
    "command_too_large" => [413, "command_too_large"],
    "payload_too_large" => [413, "payload_too_large"],
    "request_id_conflict" => [409, "request_id_conflict"]
  }.freeze
  PATHS = { "submit" => "/api/v1/commands", "session_end" => "/api/v1/sessions/end" }.freeze

  def setup
    endpoint = Expacti::Endpoint.new(Live::URL)
    @transport = Expacti::Transport.new(endpoint, Live::VECTORS_TOKEN, connect_timeout: 10)
  end

  def send_body(type, body)
    @transport.call(PATHS.fetch(type), body: body, limit: 30)
  end

  def expected_answer(vector, first_use)
    refusal = vector["expect"]["error"]
    return HTTP_REFUSALS.fetch(refusal) if refusal
    return [204, nil] if vector["frame"]["type"] == "session_end"

    [first_use ? 201 : 200, nil]
  end

  def test_the_buildable_client_vectors_in_file_order
    used = []
    replayed = Vectors::CLIENT_CASES.reject { |vector| Vectors.client_out_of_reach(vector) }
    replayed.each do |vector|
      frame = Vectors.expanded(vector)
      refused = vector["expect"]["error"] && !Vectors::STATEFUL.include?(vector["expect"]["error"])
      # What the SDK builds, or (for what it refuses to build) the vector's own body.
      body = refused ? frame.reject { |key, _| key == "type" } : Vectors.build(frame)
      response = send_body(frame["type"], body)
      status, code = expected_answer(vector, !used.include?(frame["request_id"]))
      used << frame["request_id"]
      assert_equal status, response.status, "#{vector["name"]}: #{response.body}"
      assert_equal code, JSON.parse(response.body).dig("error", "code"), vector["name"] if code
      Expacti::CommandView.parse(JSON.parse(response.body), frame["request_id"]) if [200, 201].include?(status)
    end
    assert_operator replayed.size, :>=, 30
  end
end
