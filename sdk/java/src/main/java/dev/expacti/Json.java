package dev.expacti;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Map;

/** The one JSON reader and writer of the SDK: strict in, compact out. */
final class Json {
  /** Deeper than any frame of the protocol; refused before it costs anything. */
  static final int MAX_DEPTH = 64;

  /**
   * Refuses duplicate keys ({@code {"approved": false, "approved": true}} means different things to
   * different parsers), NaN and Infinity, trailing data and deep nesting.
   */
  static final ObjectMapper MAPPER =
      JsonMapper.builder(
              JsonFactory.builder()
                  .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                  .streamReadConstraints(
                      StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
                  .build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private Json() {}

  /** Parse one JSON document; JsonProcessingException for anything that is not exactly one. */
  static JsonNode parse(String text) throws JsonProcessingException {
    return MAPPER.readTree(text);
  }

  /** Compact JSON text of {@code node}. */
  static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      // A tree of JSON nodes always has a text form.
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@code map} as a JSON object. Only JSON's own values are taken: maps with string keys, lists
   * (and other iterables, arrays), strings, numbers, booleans, null and Jackson nodes. Anything
   * else (a bean, a date) is refused rather than guessed at, so what reviewers see is exactly what
   * the caller wrote. {@code what} names the map in messages.
   *
   * @throws IllegalArgumentException naming the first value that is not JSON
   */
  static ObjectNode toObject(Map<?, ?> map, String what) {
    return (ObjectNode) toNode(map, what);
  }

  private static JsonNode toNode(Object value, String path) {
    JsonNodeFactory nodes = MAPPER.getNodeFactory();
    if (value == null) {
      return nodes.nullNode();
    } else if (value instanceof JsonNode) {
      return ((JsonNode) value).deepCopy();
    } else if (value instanceof CharSequence) {
      return nodes.textNode(value.toString());
    } else if (value instanceof Boolean) {
      return nodes.booleanNode((Boolean) value);
    } else if (value instanceof Integer
        || value instanceof Long
        || value instanceof Short
        || value instanceof Byte) {
      return nodes.numberNode(((Number) value).longValue());
    } else if (value instanceof BigInteger) {
      return nodes.numberNode((BigInteger) value);
    } else if (value instanceof BigDecimal) {
      return nodes.numberNode((BigDecimal) value);
    } else if (value instanceof Double || value instanceof Float) {
      double number = ((Number) value).doubleValue();
      if (!Double.isFinite(number)) {
        throw new IllegalArgumentException(path + " is " + number + ", which JSON cannot hold");
      }
      return nodes.numberNode(number);
    } else if (value instanceof Map) {
      ObjectNode object = nodes.objectNode();
      for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
        if (!(entry.getKey() instanceof String)) {
          throw new IllegalArgumentException(
              path + " has a key that is not a string: " + entry.getKey());
        }
        String key = (String) entry.getKey();
        object.set(key, toNode(entry.getValue(), path + "." + key));
      }
      return object;
    } else if (value instanceof Iterable || value instanceof Object[]) {
      Iterable<?> items =
          value instanceof Object[] ? Arrays.asList((Object[]) value) : (Iterable<?>) value;
      ArrayNode array = nodes.arrayNode();
      int index = 0;
      for (Object item : items) {
        array.add(toNode(item, path + "[" + index++ + "]"));
      }
      return array;
    }
    throw new IllegalArgumentException(
        path
            + " is a "
            + value.getClass().getName()
            + "; JSON takes maps, lists, strings, numbers, booleans and null");
  }

  /**
   * The size of {@code node} as the server measures it: compact JSON with every character outside
   * printable ASCII escaped as {@code \\uXXXX} (six bytes).
   */
  static int serverBytes(JsonNode node) {
    String text = write(node);
    int size = 0;
    for (int i = 0; i < text.length(); i++) {
      size += text.charAt(i) >= 0x7f ? 6 : 1;
    }
    return size;
  }
}
