# frozen_string_literal: true

require "timeout"

require_relative "test_helper"
require_relative "support/fake_server"

# A server or proxy that trickles its answer one byte at a time never lets a per-read
# timeout fire; the run's deadline must still end the wait, cancel the command and raise.
class RequestLimitTest < Minitest::Test
  parallelize_me!

  # Far above the deadline (1 s + 5 s of grace) and the bounded cancel after it: only a
  # run that ignores its deadline gets here.
  HANG_GUARD_SECONDS = 40
  ENDLESS = " " * 100_000

  def serve(&handler)
    @server = FakeServer.new(&handler)
    @client = Expacti::Client.new(url: @server.url, token: "agent-token")
  end

  def teardown
    @server&.close
  end

  def run_with_guard(command)
    Timeout.timeout(HANG_GUARD_SECONDS) { @client.run(command, timeout: 1) }
  end

  def test_a_trickled_submit_answer_ends_at_the_deadline
    serve do |request|
      if request.path.end_with?("/cancel")
        [200, Wire.decided(@server.request_id, "cancelled")]
      elsif @server.requests_to("POST", "/api/v1/commands").size == 1
        head = "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: #{ENDLESS.bytesize}\r\n\r\n"
        FakeServer::Trickle.new(head, ENDLESS)
      else
        [200, Wire.command(request.json["request_id"], timeout: 1)] # resumed, so that it can be cancelled
      end
    end
    assert_raises(Expacti::CommandTimeoutError) { run_with_guard("make trickle") }
    assert_equal [{ "reason" => "agent deadline passed" }], @server.requests_to("POST", "/cancel").map(&:json)
  end

  def test_a_trickled_long_poll_header_ends_at_the_deadline
    serve do |request|
      if request.method == "POST" && request.path == "/api/v1/commands"
        [201, Wire.command(request.json["request_id"], timeout: 1)]
      elsif request.path.end_with?("/cancel")
        [200, Wire.decided(@server.request_id, "cancelled")]
      else
        FakeServer::Trickle.new("", "HTTP/1.1 200 OK\r\nX-Padding: #{ENDLESS}")
      end
    end
    error = assert_raises(Expacti::CommandTimeoutError) { run_with_guard("make trickle") }
    assert_nil error.decision
    assert_equal [{ "reason" => "agent deadline passed" }], @server.requests_to("POST", "/cancel").map(&:json)
  end
end
