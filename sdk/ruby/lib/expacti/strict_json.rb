# frozen_string_literal: true

require "json"

require_relative "errors"

module Expacti
  # Parses what the server sends, refusing what different parsers read differently.
  #
  # `{"approved": false, "approved": true}` is `true` to a parser that keeps the last key
  # and `false` to one that keeps the first, so a duplicate key is refused outright; so are
  # NaN and Infinity literals, nesting deeper than any response of the protocol, and text
  # that is not UTF-8.
  module StrictJson
    MAX_NESTING = 64

    # A JSON object that refuses a key it already holds.
    class UniqueKeyObject < Hash
      def []=(key, value)
        raise JSON::ParserError, "duplicate key #{key.inspect}" if key?(key)

        super
      end
    end
    private_constant :UniqueKeyObject

    # The JSON value of +text+, or ProtocolError naming +what+ ("the command").
    def self.parse(text, what)
      utf8 = text.dup.force_encoding(Encoding::UTF_8)
      raise ProtocolError, "#{what} is not UTF-8" unless utf8.valid_encoding?

      JSON.parse(utf8, object_class: UniqueKeyObject, max_nesting: MAX_NESTING,
                       allow_nan: false, create_additions: false)
    rescue JSON::ParserError, JSON::NestingError => e
      raise ProtocolError, "#{what} is not valid JSON: #{e.message}"
    end
  end
end
