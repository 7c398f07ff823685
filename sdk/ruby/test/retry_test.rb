# frozen_string_literal: true

require "socket"

require_relative "test_helper"
require_relative "support/fake_server"

# Outages and refusals the real server cannot be made to show: a 503 before a 200, a
# reset submit, a server that is gone. Network failures and `unavailable` are retried with
# the same request_id; a refused token or request is not.
class RetryTest < Minitest::Test
  parallelize_me!

  def serve(reconnect_timeout: 60, &handler)
    @server = FakeServer.new(&handler)
    @client = Expacti::Client.new(url: @server.url, token: "agent-token", reconnect_timeout: reconnect_timeout)
  end

  def teardown
    @server&.close
  end

  def submits
    @server.requests_to("POST", "/api/v1/commands")
  end

  def test_unavailable_is_retried_with_the_same_request
    serve do |request|
      if submits.size < 3
        [503, Wire.error("unavailable", "the database is busy, retry")]
      else
        [201, Wire.decided(request.json["request_id"], "approved")]
      end
    end
    decision = @client.run("make retry")
    assert_predicate decision, :approved?
    assert_equal 3, submits.size
    assert_equal [decision.request_id], submits.map { |submit| submit.json["request_id"] }.uniq
  end

  def test_a_reset_submit_is_sent_again_and_resumed
    serve do |request|
      next :reset if submits.size == 1

      [200, Wire.decided(request.json["request_id"], "approved")] # resumed: decided meanwhile
    end
    assert_predicate @client.run("make resume"), :approved?
    assert_equal 2, submits.size
    assert_equal 1, submits.map(&:body).uniq.size
  end

  def test_a_long_poll_cut_short_is_asked_again
    serve do |request|
      polls = @server.requests_to("GET", "/cmd_1").size
      if request.method == "POST" then [201, Wire.command(request.json["request_id"])]
      elsif polls == 1 then :close
      elsif polls == 2 then [502, "<html>bad gateway</html>"]
      else [200, Wire.decided(@server.request_id, "approved")]
      end
    end
    assert_predicate @client.run("make poll"), :approved?
    assert_equal 1, submits.size
    assert_equal 3, @server.requests_to("GET", "/cmd_1").size
  end

  def test_a_long_poll_asked_again_waits_only_for_the_time_left
    serve do |request|
      polls = @server.requests_to("GET", "/cmd_1")
      if request.method == "POST" && request.path == "/api/v1/commands"
        [201, Wire.command(request.json["request_id"], timeout: 1)]
      elsif request.path.end_with?("/cancel") then [200, Wire.decided(@server.request_id, "cancelled")]
      elsif polls.size == 1
        sleep 0.2 # the outage takes time off the deadline
        :reset
      else
        sleep request.query.fetch("wait").to_f # a long-poll holds for its wait
        [200, Wire.command(@server.request_id, timeout: 1)]
      end
    end
    assert_raises(Expacti::CommandTimeoutError) { @client.run("make overshoot", timeout: 1) }
    waits = @server.requests_to("GET", "/cmd_1").map { |poll| poll.query.fetch("wait").to_f }
    assert_operator waits.size, :>=, 2
    assert_operator waits[1], :<, waits[0], "the retry must not wait past the deadline the first poll ended at"
    assert_equal [{ "reason" => "agent deadline passed" }], @server.requests_to("POST", "/cancel").map(&:json)
  end

  def test_a_server_that_is_gone_is_a_connection_error_after_the_reconnect_window
    closed = TCPServer.new("127.0.0.1", 0)
    port = closed.addr[1]
    closed.close
    client = Expacti::Client.new(url: "http://127.0.0.1:#{port}", token: "t", reconnect_timeout: 0.3)
    error = assert_raises(Expacti::ConnectionError) { client.run("ls") }
    refute_kind_of Expacti::AuthenticationError, error
    assert_match(/the submit did not get through: Errno::ECONNREFUSED.*could not be reached again within 0.3 s/, error.message)
  end

  def test_unavailable_for_longer_than_the_window_is_a_protocol_error
    serve(reconnect_timeout: 0.3) { [503, Wire.error("unavailable")] }
    error = assert_raises(Expacti::ProtocolError) { @client.run("ls") }
    assert_equal "unavailable", error.code
    assert_operator submits.size, :>=, 2
  end

  def test_a_refused_token_is_never_retried
    [[401, "unauthenticated"], [403, "forbidden"]].each do |status, code|
      serve { [status, Wire.error(code, "a valid bearer token is required")] }
      error = assert_raises(Expacti::AuthenticationError) { @client.run("ls") }
      assert_equal status, error.status
      assert_match(/the server refused the token with HTTP #{status} \(#{code}: /, error.message)
      assert_equal 1, @server.requests.size
      @server.close
    end
  end

  def test_a_refused_submit_is_a_protocol_error_with_the_code_and_nothing_to_cancel
    refusals = [[422, "invalid_request"], [409, "request_id_conflict"], [429, "too_many_pending"],
                [413, "command_too_large"]]
    refusals.each do |status, code|
      serve { [status, Wire.error(code)] }
      error = assert_raises(Expacti::ProtocolError) { @client.run("ls") }
      assert_equal [code, status], [error.code, error.status]
      assert_equal 1, @server.requests.size, "#{code}: not retried, nothing cancelled"
      @server.close
    end
  end

  def test_a_refused_long_poll_is_a_protocol_error_and_the_command_cancelled
    serve do |request|
      if request.method == "GET" then [404, Wire.error("not_found", "no such command")]
      elsif request.path.end_with?("/cancel") then [404, Wire.error("not_found")]
      else [201, Wire.command(request.json["request_id"])]
      end
    end
    error = assert_raises(Expacti::ProtocolError) { @client.run("ls") }
    assert_equal "not_found", error.code
    assert_equal [{ "reason" => "the agent stopped waiting" }], @server.requests_to("POST", "/cancel").map(&:json)
  end

  def test_a_server_with_a_shorter_long_poll_limit_gets_shorter_waits
    serve do |request|
      if request.method == "POST" then [201, Wire.command(request.json["request_id"])]
      elsif request.query.fetch("wait").to_f > 20 then [422, Wire.error("invalid_request", "wait is limited to 20 seconds")]
      else [200, Wire.decided(@server.request_id, "approved")]
      end
    end
    assert_predicate @client.run("make patient"), :approved?
    assert_equal %w[60.000 30.000 15.000], @server.requests_to("GET", "/cmd_1").map { |poll| poll.query["wait"] }
  end

  def test_an_answer_that_is_not_an_error_body
    serve { [500, "Internal Server Error"] }
    error = assert_raises(Expacti::ProtocolError) { @client.run("ls") }
    assert_equal [nil, 500], [error.code, error.status]
  end

  def test_ending_a_session_is_retried_through_an_outage
    serve { @server.requests.size == 1 ? :reset : [204, ""] }
    assert_nil @client.end_session("s-1")
    assert_equal 2, @server.requests.size
  end
end
