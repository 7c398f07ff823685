# frozen_string_literal: true

require_relative "test_helper"
require_relative "support/fake_server"

# Bad arguments are ArgumentErrors, raised before anything is sent.
class ArgumentsTest < Minitest::Test
  def setup
    @server = FakeServer.new { [500, Wire.error("internal_error")] }
    @client = Expacti::Client.new(url: @server.url, token: "agent-token")
  end

  def teardown
    @server.close
  end

  def refused(pattern = nil, &run)
    error = assert_raises(ArgumentError, &run)
    assert_match(pattern, error.message) if pattern
    assert_empty @server.requests, "nothing may be sent"
  end

  def test_the_command
    refused(/blank/) { @client.run("   \n ") }
    refused(/blank/) { @client.run("\u3000") }
    # Blank as the server's Python str.strip() sees it, which also strips \x1c-\x1f.
    ["\x1c", "\x1f \x1e", "\x1d\u0085\u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\t\v\f\r"].each do |blank|
      refused(/blank/) { @client.run(blank) }
    end
    refused(/NUL/) { @client.run("ls\0rm") }
    refused(/String, not Integer/) { @client.run(42) }
    refused(/UTF-8/) { @client.run("ls \xff".b) }
    refused("command is 65537 bytes; the server takes at most 65536") { @client.run("a" * 65_537) }
    refused("command is 65538 bytes; the server takes at most 65536") { @client.run("é" * 32_769) }
  end

  def test_the_timeout
    [0, 601, 1.5, "60", true].each do |timeout|
      refused(/timeout must be an Integer number of seconds from 1 to 600/) { @client.run("ls", timeout: timeout) }
    end
  end

  def test_the_target
    refused(/at most 255/) { @client.run("ls", target: "h" * 256) }
    refused(/target must be a String/) { @client.run("ls", target: :prod) }
  end

  def test_the_context
    refused(/context must be a Hash/) { @client.run("ls", context: [1]) }
    refused(/only JSON values.*Time/) { @client.run("ls", context: { at: Time.now }) }
    refused(/finite/) { @client.run("ls", context: { x: Float::NAN }) }
    refused(/the key "a" twice/) { @client.run("ls", context: { :a => 1, "a" => 2 }) }
    refused(/keys must be strings or symbols/) { @client.run("ls", context: { 1 => 2 }) }
    refused("session and context are 20019 bytes of JSON; the server takes at most 16384") do
      @client.run("ls", context: { value: "x" * 20_000 })
    end
  end

  def test_the_session
    refused(/session must be a Hash/) { @client.run("ls", session: "s-1") }
    refused(/session id must be a String of 1-128/) { @client.run("ls", session: { goal: "x" }) }
    refused(/session id/) { @client.run("ls", session: { id: "s" * 129 }) }
    refused(/steps must be an Array of Strings/) { @client.run("ls", session: { id: "s", steps: [1] }) }
    refused(/current_step must be an Integer/) { @client.run("ls", session: { id: "s", current_step: "1" }) }
    refused(/goal must be a String/) { @client.run("ls", session: { id: "s", goal: 3 }) }
  end

  def test_ending_a_session
    refused(/session_id must be a String/) { @client.end_session("") }
    refused(/status must be :completed or :failed/) { @client.end_session("s-1", status: :done) }
  end

  def test_the_client_itself
    ["http://", "ftp://host", "ws://host/other", "localhost:3001", "http://u:p@host", "http://host/?token=t", nil].each do |url|
      assert_raises(ArgumentError, url.inspect) { Expacti::Client.new(url: url, token: "t") }
    end
    ["", "has space", "tab\there", "naïve", nil].each do |token|
      assert_raises(ArgumentError, token.inspect) { Expacti::Client.new(url: @server.url, token: token) }
    end
    [0, -1, Float::INFINITY, "60"].each do |seconds|
      assert_raises(ArgumentError) { Expacti::Client.new(url: @server.url, token: "t", reconnect_timeout: seconds) }
    end
  end

  def test_never_shows_the_token
    refute_includes @client.inspect, "agent-token"
    refute_includes @client.instance_variables.map { |name| @client.instance_variable_get(name).inspect }.join, "agent-token"
  end
end

# The server's address, from what a user has at hand.
class EndpointTest < Minitest::Test
  {
    "http://127.0.0.1:3001" => "http://127.0.0.1:3001",
    "https://expacti.example.com/" => "https://expacti.example.com",
    "ws://localhost:3001/shell/ws" => "http://localhost:3001",
    "wss://expacti.example.com/shell/ws" => "https://expacti.example.com",
    "wss://example.com/expacti/shell/ws" => "https://example.com/expacti",
    "http://[::1]:3001/prefix/" => "http://[::1]:3001/prefix"
  }.each_with_index do |(given, base), index|
    define_method("test_maps_url_#{index}") do
      assert_equal base, Expacti::Client.new(url: given, token: "t").url
    end
  end

  def test_puts_paths_under_the_base
    endpoint = Expacti::Endpoint.new("wss://example.com/expacti/shell/ws")
    assert_equal "https://example.com/expacti/api/v1/commands?wait=1.5",
                 endpoint.uri("/api/v1/commands", { "wait" => "1.5" }).to_s
  end
end
