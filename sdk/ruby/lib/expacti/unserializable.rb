# frozen_string_literal: true

module Expacti
  # For objects that hold the agent token. Marshal and YAML write out an object's whole
  # state, the token with it, into files, caches and logs; they are refused instead.
  module Unserializable
    def marshal_dump
      raise TypeError, "#{self.class} holds the agent token and cannot be marshalled"
    end

    def encode_with(_coder)
      raise TypeError, "#{self.class} holds the agent token and cannot be dumped to YAML"
    end
  end
end
