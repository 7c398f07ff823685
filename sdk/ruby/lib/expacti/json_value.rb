# frozen_string_literal: true

module Expacti
  # Caller-supplied JSON (a run's context and session), checked and with Symbol keys made
  # strings, so what is measured is exactly what is sent.
  module JsonValue
    # A copy of +value+ with String keys, or ArgumentError naming +path+ ("context") for
    # anything JSON cannot carry (a Time, NaN, a key given both as :a and "a").
    def self.normalize(value, path)
      case value
      when Hash then object(value, path)
      when Array then value.each_with_index.map { |item, index| normalize(item, "#{path}[#{index}]") }
      when String then text(value, path)
      when Integer, true, false, nil then value
      when Float
        raise ArgumentError, "#{path} must be a finite number" unless value.finite?

        value
      else
        raise ArgumentError, "#{path} must hold only JSON values (Hash, Array, String, Integer, Float, " \
                             "true, false, nil), not #{value.class}"
      end
    end

    # +value+ as UTF-8, or ArgumentError: JSON text is UTF-8.
    def self.text(value, path)
      utf8 =
        case value.encoding
        when Encoding::UTF_8 then value
        when Encoding::BINARY then value.dup.force_encoding(Encoding::UTF_8)
        else value.encode(Encoding::UTF_8)
        end
      raise ArgumentError, "#{path} must be valid UTF-8" unless utf8.valid_encoding?

      utf8
    rescue EncodingError
      raise ArgumentError, "#{path} must be valid UTF-8"
    end

    def self.object(hash, path)
      hash.each_with_object({}) do |(key, item), copy|
        unless key.is_a?(String) || key.is_a?(Symbol)
          raise ArgumentError, "#{path} keys must be strings or symbols, not #{key.class}"
        end

        name = text(key.to_s, path)
        raise ArgumentError, "#{path} has the key #{name.inspect} twice" if copy.key?(name)

        copy[name] = normalize(item, "#{path}.#{name}")
      end
    end
    private_class_method :object
  end
end
