# frozen_string_literal: true

require_relative "test_helper"
require_relative "support/fake_server"

# A redirect is never followed: the token goes to the configured server and nowhere else.
class RedirectTest < Minitest::Test
  def setup
    @elsewhere = FakeServer.new { [201, Wire.decided("ignored", "approved")] }
    @server = FakeServer.new do |request|
      location = "#{@elsewhere.url}#{request.path}"
      [307, "", { "Location" => location }]
    end
    @client = Expacti::Client.new(url: @server.url, token: "agent-token")
  end

  def teardown
    @server.close
    @elsewhere.close
  end

  def test_a_redirected_submit_is_refused_and_not_followed
    error = assert_raises(Expacti::ProtocolError) { @client.run("make redirect") }
    assert_equal [nil, 307], [error.code, error.status]
    assert_equal ["/api/v1/commands"], @server.requests.map(&:path).uniq
    assert_empty @elsewhere.requests, "nothing, and no Authorization header, may go where the redirect points"
  end
end
