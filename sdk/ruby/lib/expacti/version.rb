# frozen_string_literal: true

module Expacti
  VERSION = "0.1.0"
end
