# frozen_string_literal: true

require_relative "lib/expacti/version"

Gem::Specification.new do |spec|
  spec.name = "expacti"
  spec.version = Expacti::VERSION
  spec.summary = "Ask a human before an agent runs a command: the expacti approval gate."
  spec.description = "The expacti SDK for Ruby, over the protocol's HTTP binding (submit, then long-poll). " \
                     "Client#run returns the Decision only when a reviewer (or a whitelist rule) approved."
  spec.authors = ["expacti"]
  spec.required_ruby_version = ">= 3.1"
  spec.files = Dir[File.join(__dir__, "lib", "**", "*.rb")].map { |path| path.delete_prefix("#{__dir__}/") }
  spec.require_paths = ["lib"]
  spec.metadata["rubygems_mfa_required"] = "true"
end
