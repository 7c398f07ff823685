# frozen_string_literal: true

require "pp"
require "yaml"

require_relative "test_helper"

# The agent token leaves the process only in the Authorization header: a client dumped,
# logged or inspected does not carry it.
class TokenSecrecyTest < Minitest::Test
  TOKEN = "secret-agent-token"

  def setup
    @client = Expacti::Client.new(url: "http://127.0.0.1:9", token: TOKEN)
  end

  def test_marshal_refuses_the_client
    error = assert_raises(TypeError) { Marshal.dump(@client) }
    refute_includes error.message, TOKEN
  end

  def test_yaml_refuses_the_client
    assert_raises(TypeError) { @client.to_yaml }
    assert_raises(TypeError) { YAML.dump([@client]) }
  end

  def test_inspect_and_pp_do_not_show_it
    assert_equal "#<Expacti::Client http://127.0.0.1:9>", @client.inspect
    refute_includes PP.pp(@client, +""), TOKEN
    refute_includes PP.pp([@client], +""), TOKEN
    refute_includes @client.to_s, TOKEN
  end
end
