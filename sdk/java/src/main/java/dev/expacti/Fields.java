package dev.expacti;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed access to one JSON object of the server's; every failure is an {@link
 * ExpactiProtocolException} with no code.
 *
 * <p>A field read with a fallback may be absent; present, it must have the right type (a null where
 * a value is promised is invalid).
 */
final class Fields {
  private static final Pattern TIMESTAMP =
      Pattern.compile(
          "(\\d{4}-\\d{2}-\\d{2})[T ](\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,9})?)?)"
              + "(Z|[+-]\\d{2}:?\\d{2})");

  private final ObjectNode obj;
  private final String what;
  private final String requestId;

  /** {@code what} names the object in messages ("decision frame"). */
  Fields(ObjectNode obj, String what, String requestId) {
    this.obj = obj;
    this.what = what;
    this.requestId = requestId;
  }

  ExpactiProtocolException invalid(String problem) {
    return new ExpactiProtocolException(
        "the server sent an invalid " + what + ": " + problem, null, requestId);
  }

  boolean has(String key) {
    return obj.has(key);
  }

  private JsonNode required(String key) {
    JsonNode value = obj.get(key);
    if (value == null) {
      throw invalid(key + ": required field missing");
    }
    return value;
  }

  String text(String key) {
    JsonNode value = required(key);
    if (!value.isTextual()) {
      throw invalid(key + ": expected a string");
    }
    return value.textValue();
  }

  /** A string or null; {@code required}: the field must be there, if only as null. */
  String optText(String key, boolean required) {
    JsonNode value = required ? required(key) : obj.get(key);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw invalid(key + ": expected a string or null");
    }
    return value.textValue();
  }

  boolean flag(String key) {
    JsonNode value = required(key);
    if (!value.isBoolean()) {
      throw invalid(key + ": expected a boolean");
    }
    return value.booleanValue();
  }

  boolean flag(String key, boolean fallback) {
    return has(key) ? flag(key) : fallback;
  }

  long integer(String key, long low, long high) {
    JsonNode value = required(key);
    if (!value.isIntegralNumber()
        || !value.canConvertToLong()
        || value.longValue() < low
        || value.longValue() > high) {
      throw invalid(key + ": expected an integer from " + low + " to " + high);
    }
    return value.longValue();
  }

  /** A finite number, at least 0. */
  double number(String key) {
    JsonNode value = required(key);
    if (!value.isNumber() || !Double.isFinite(value.doubleValue()) || value.doubleValue() < 0) {
      throw invalid(key + ": expected a non-negative number");
    }
    return value.doubleValue();
  }

  /** An object; absent or null: an empty one. */
  ObjectNode mapping(String key) {
    JsonNode value = obj.get(key);
    if (value == null || value.isNull()) {
      return Json.MAPPER.createObjectNode();
    }
    if (!value.isObject()) {
      throw invalid(key + ": expected an object");
    }
    return (ObjectNode) value;
  }

  List<String> textList(String key) {
    JsonNode value = required(key);
    if (!value.isArray()) {
      throw invalid(key + ": expected an array of strings");
    }
    List<String> items = new ArrayList<>(value.size());
    for (JsonNode item : value) {
      if (!item.isTextual()) {
        throw invalid(key + ": expected an array of strings");
      }
      items.add(item.textValue());
    }
    return List.copyOf(items);
  }

  List<String> textList(String key, List<String> fallback) {
    return has(key) ? textList(key) : fallback;
  }

  /** An ISO 8601 timestamp with a time zone. */
  Instant timestamp(String key) {
    String text = text(key);
    Matcher match = TIMESTAMP.matcher(text);
    if (match.matches()) {
      String zone = match.group(3);
      if (zone.length() == 5) {
        zone = zone.substring(0, 3) + ":" + zone.substring(3); // +0100 -> +01:00
      }
      try {
        return OffsetDateTime.parse(match.group(1) + "T" + match.group(2) + zone).toInstant();
      } catch (DateTimeParseException e) {
        // a date that does not exist (month 13): invalid like any other text
      }
    }
    throw invalid(key + ": expected an ISO 8601 timestamp with a time zone");
  }
}
