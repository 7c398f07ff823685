# frozen_string_literal: true

require_relative "errors"

module Expacti
  # Typed reads of one JSON object from the server; anything that is not exactly what the
  # protocol promises is a ProtocolError, so a malformed answer is never mistaken for an
  # approval.
  #
  # A field read with a default may be absent; present, it must have the right type (a
  # null where a value is promised is invalid).
  class Fields
    TIMESTAMP = /\A(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})\z/.freeze
    ABSENT = Object.new.freeze
    private_constant :ABSENT

    attr_reader :object

    # +what+ names the object in messages ("decision").
    def initialize(object, what)
      raise ProtocolError, "the server sent a #{what} that is not a JSON object" unless object.is_a?(Hash)

      @object = object
      @what = what
    end

    def invalid(problem)
      ProtocolError.new("the server sent an invalid #{@what}: #{problem}")
    end

    def key?(key)
      @object.key?(key)
    end

    def text(key)
      value = fetch(key)
      raise invalid("#{key}: expected a string") unless value.is_a?(String)

      value
    end

    # A string or null; +required+: the key must be there even when null.
    def optional_text(key, required: false)
      value = required ? fetch(key) : @object.fetch(key, nil)
      return nil if value.nil?
      raise invalid("#{key}: expected a string or null") unless value.is_a?(String)

      value
    end

    def flag(key, default: ABSENT)
      return default if !ABSENT.equal?(default) && !key?(key)

      value = fetch(key)
      raise invalid("#{key}: expected a boolean") unless [true, false].include?(value)

      value
    end

    def integer(key, range)
      value = fetch(key)
      return value if value.is_a?(Integer) && range.cover?(value)

      raise invalid("#{key}: expected an integer from #{range.min} to #{range.max}")
    end

    def non_negative_number(key)
      value = fetch(key)
      ok = (value.is_a?(Integer) || (value.is_a?(Float) && value.finite?)) && value >= 0
      raise invalid("#{key}: expected a non-negative number") unless ok

      value
    end

    def mapping(key)
      value = @object.fetch(key, nil)
      return {} if value.nil?
      raise invalid("#{key}: expected an object") unless value.is_a?(Hash)

      value
    end

    def text_list(key, default: ABSENT)
      return default if !ABSENT.equal?(default) && !key?(key)

      value = fetch(key)
      raise invalid("#{key}: expected an array of strings") unless value.is_a?(Array) && value.all?(String)

      value.map { |item| item.dup.freeze }.freeze
    end

    # An ISO 8601 timestamp with a time zone, as a Time; nil when absent or null and not
    # +required+.
    def timestamp(key, required: true)
      value = required ? text(key) : optional_text(key)
      return nil if value.nil?

      parts = TIMESTAMP.match(value) or raise invalid("#{key}: expected an ISO 8601 timestamp with a time zone")
      to_time(parts)
    rescue ArgumentError
      raise invalid("#{key}: #{value.inspect} is not a real moment")
    end

    private

    def fetch(key)
      raise invalid("#{key}: required field missing") unless key?(key)

      @object[key]
    end

    def to_time(parts)
      year, month, day, hour, minute = parts.captures.first(5).map(&:to_i)
      seconds = Rational(parts[6].to_i) + Rational(parts[7] ? "0#{parts[7]}" : "0")
      zone = parts[8] == "Z" ? "+00:00" : parts[8].sub(/\A([+-]\d{2}):?(\d{2})\z/, '\1:\2')
      Time.new(year, month, day, hour, minute, seconds, zone)
    end
  end
end
