package dev.expacti;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The conformance vectors of protocol/vectors, read at test time, and how to build them. */
final class Vectors {
  static final Path DIR = Path.of("..", "..", "protocol", "vectors");
  static final ObjectMapper JSON = new ObjectMapper();

  /** Server errors that depend on the server's state, not on the frame: the frame is fine. */
  static final Set<String> STATEFUL = Set.of("not_found", "request_id_conflict");

  /** Server errors whose reason a client sees in the frame: the SDK refuses them itself. */
  static final Set<String> VISIBLE =
      Set.of("invalid_frame", "command_too_large", "payload_too_large");

  /** One case of a vector file. */
  record Case(String name, JsonNode frame, String raw, JsonNode expand, JsonNode expect) {
    @Override
    public String toString() {
      return name;
    }

    /** The server's error code the case expects, or null. */
    String error() {
      return expect.hasNonNull("error") ? expect.get("error").textValue() : null;
    }
  }

  private Vectors() {}

  static List<Case> server() {
    return load("server_frames.json");
  }

  static List<Case> client() {
    return load("client_frames.json");
  }

  private static List<Case> load(String file) {
    try {
      List<Case> cases = new ArrayList<>();
      for (JsonNode c : JSON.readTree(DIR.resolve(file).toFile()).get("cases")) {
        cases.add(
            new Case(
                c.get("name").textValue(),
                c.get("frame"),
                c.hasNonNull("raw") ? c.get("raw").textValue() : null,
                c.get("expand"),
                c.get("expect")));
      }
      return cases;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The case's frame with {@code expand} applied (long strings written out). */
  static ObjectNode expanded(Case vector) {
    ObjectNode frame = vector.frame().deepCopy();
    if (vector.expand() != null) {
      vector
          .expand()
          .properties()
          .forEach(
              entry -> {
                JsonNode spec = entry.getValue();
                String text = spec.get("repeat").textValue().repeat(spec.get("count").intValue());
                if ("object_value".equals(spec.path("as").textValue())) {
                  frame.putObject(entry.getKey()).put("value", text);
                } else {
                  frame.put(entry.getKey(), text);
                }
              });
    }
    return frame;
  }

  /**
   * Why the SDK cannot build the case at all, or null. Raw text and frame types it never sends (no
   * execute here) are out of its reach by design, and it does not encrypt.
   */
  static String outOfReach(Case vector) {
    if (vector.raw() != null) {
      return "raw text";
    }
    String type =
        vector.frame().path("type").isTextual() ? vector.frame().get("type").textValue() : "";
    if (!Set.of("submit", "cancel", "ping", "session_end").contains(type)) {
      return "a frame type the Java SDK never sends";
    }
    if (vector.frame().has("encrypted")) {
      return "end-to-end encrypted (the Java SDK does not encrypt)";
    }
    return null;
  }

  /**
   * The field of the case's frame that Java's types cannot even express (a number where the SDK
   * takes a String, a list where it takes a Map, an unknown status for an enum), or null. Such a
   * frame cannot be built: the compiler refuses it before the SDK's checks could.
   */
  static String untypeable(ObjectNode frame) {
    for (String key :
        List.of("request_id", "command", "target", "reason", "nonce", "session_id", "status")) {
      if (frame.has(key) && !frame.get(key).isTextual() && !frame.get(key).isNull()) {
        return key;
      }
    }
    if (frame.hasNonNull("timeout_seconds") && !frame.get("timeout_seconds").isIntegralNumber()) {
      return "timeout_seconds";
    }
    for (String key : List.of("session", "context")) {
      if (frame.hasNonNull(key) && !frame.get(key).isObject()) {
        return key;
      }
    }
    if (frame.path("type").asText().equals("session_end") && frame.hasNonNull("status")) {
      String status = frame.get("status").textValue();
      if (!status.equals("completed") && !status.equals("failed")) {
        return "status";
      }
    }
    return null;
  }

  /** Build the frame with the SDK's own builder for its type, through the public options. */
  static String build(ObjectNode frame) {
    switch (frame.get("type").textValue()) {
      case "submit":
        return ClientFrames.submit(
            text(frame, "request_id"), text(frame, "command"), options(frame), Limits.DEFAULT);
      case "cancel":
        return ClientFrames.cancel(text(frame, "request_id"), text(frame, "reason"));
      case "ping":
        return ClientFrames.ping(text(frame, "nonce"));
      case "session_end":
        String status = text(frame, "status");
        return ClientFrames.sessionEnd(
            text(frame, "session_id"),
            status == null
                ? null
                : SessionStatus.valueOf(status.toUpperCase(java.util.Locale.ROOT)));
      default:
        throw new IllegalStateException("not buildable: " + frame);
    }
  }

  private static RunOptions options(ObjectNode frame) {
    RunOptions.Builder options = RunOptions.builder();
    if (frame.hasNonNull("target")) {
      options.target(frame.get("target").textValue());
    }
    if (frame.hasNonNull("timeout_seconds")) {
      options.timeout(Duration.ofSeconds(frame.get("timeout_seconds").longValue()));
    }
    if (frame.hasNonNull("context")) {
      options.context(
          JSON.convertValue(frame.get("context"), new TypeReference<Map<String, Object>>() {}));
    }
    if (frame.hasNonNull("session")) {
      JsonNode session = frame.get("session");
      List<String> steps =
          session.hasNonNull("steps")
              ? JSON.convertValue(session.get("steps"), new TypeReference<List<String>>() {})
              : null;
      options.session(
          new SessionInfo(
              session.hasNonNull("id") ? session.get("id").textValue() : null,
              session.hasNonNull("goal") ? session.get("goal").textValue() : null,
              steps,
              session.hasNonNull("current_step") ? session.get("current_step").intValue() : null));
    }
    return options.build();
  }

  private static String text(ObjectNode frame, String key) {
    return frame.hasNonNull(key) ? frame.get(key).textValue() : null;
  }

  /** The frame as the SDK sends it: unknown fields and nulls left out. */
  static ObjectNode known(ObjectNode frame) {
    Set<String> fields =
        Set.of(
            "type",
            "request_id",
            "command",
            "target",
            "timeout_seconds",
            "session",
            "context",
            "reason",
            "nonce",
            "session_id",
            "status");
    ObjectNode sent = JSON.createObjectNode();
    frame
        .properties()
        .forEach(
            entry -> {
              if (fields.contains(entry.getKey()) && !entry.getValue().isNull()) {
                sent.set(entry.getKey(), entry.getValue());
              }
            });
    return sent;
  }
}
