# frozen_string_literal: true

# Loads the test files named on the command line, then lets minitest run them:
#   ruby -w -Ilib -Itest test/run.rb test/*_test.rb [minitest options]
# The helper comes first, so that its warning guard also sees the warnings Ruby prints
# while it parses the test files.
require_relative "test_helper"

# Minitest reads what is left in ARGV as its own options (-v, -n NAME).
files = ARGV.take_while { |arg| !arg.start_with?("-") }
ARGV.shift(files.size)
files.each { |file| require File.expand_path(file) }
