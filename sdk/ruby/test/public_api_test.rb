# frozen_string_literal: true

require_relative "test_helper"

# What `require "expacti"` gives a caller, pinned.
class PublicApiTest < Minitest::Test
  def test_the_error_tree
    assert_equal StandardError, Expacti::Error.superclass
    {
      Expacti::CommandDeniedError => Expacti::Error,
      Expacti::CommandTimeoutError => Expacti::Error,
      Expacti::ConnectionError => Expacti::Error,
      Expacti::AuthenticationError => Expacti::ConnectionError,
      Expacti::ProtocolError => Expacti::Error
    }.each { |error, parent| assert_equal parent, error.superclass, error.name }
  end

  def test_the_client_and_decision
    assert_equal %i[end_session run], (Expacti::Client.public_instance_methods(false) - %i[inspect url reconnect_timeout]).sort
    assert_equal %i[approved decision command_id command edited original_command reviewer notes whitelisted
                    rule_id risk_score anomalies approvers latency_ms request_id], Expacti::Decision::FIELDS
    extras = %i[approved? edited? whitelisted? to_h == eql? hash inspect]
    assert_equal (Expacti::Decision::FIELDS + extras).sort, Expacti::Decision.public_instance_methods(false).sort
  end

  def test_the_version
    assert_match(/\A\d+\.\d+\.\d+\z/, Expacti::VERSION)
    spec = Gem::Specification.load(File.expand_path("../expacti.gemspec", __dir__))
    assert_equal Expacti::VERSION, spec.version.to_s
    assert_empty spec.runtime_dependencies
  end
end
