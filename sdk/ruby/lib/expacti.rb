# frozen_string_literal: true

# The expacti SDK for Ruby: ask a human before an agent runs a command.
#
#   client = Expacti::Client.new(url: "http://localhost:3001", token: "demo-shell-token")
#   decision = client.run("terraform apply")   # raises Expacti::CommandDeniedError unless approved
#
# See docs/sdk-ruby.md. Only the standard library: net/http and json.
module Expacti
end

require_relative "expacti/version"
require_relative "expacti/errors"
require_relative "expacti/decision"
require_relative "expacti/client"
