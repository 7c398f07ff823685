package dev.expacti;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The frames the client sends, as compact JSON text. The builders check what the server would
 * refuse ({@code invalid_frame}, {@code command_too_large}, {@code payload_too_large}) and throw
 * {@link IllegalArgumentException} instead of sending it.
 */
final class ClientFrames {
  private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private ClientFrames() {}

  /** A {@code submit} frame; options that are not set are left out. */
  static String submit(String requestId, String command, RunOptions options, Limits limits) {
    Objects.requireNonNull(requestId, "request_id");
    if (!REQUEST_ID.matcher(requestId).matches()) {
      throw new IllegalArgumentException(
          "request_id must be 1-128 characters of A-Z a-z 0-9 . _ : -");
    }
    checkCommand(command, limits);
    ObjectNode frame = Json.MAPPER.createObjectNode();
    frame.put("type", "submit").put("request_id", requestId).put("command", command);
    if (options.target() != null) {
      frame.put("target", options.target());
    }
    if (options.timeoutSeconds() != null) {
      frame.put("timeout_seconds", options.timeoutSeconds());
    }
    if (options.session() != null) {
      frame.set("session", session(options.session()));
    }
    if (options.context() != null) {
      frame.set("context", Json.toObject(options.context(), "context"));
    }
    if (frame.has("session") || frame.has("context")) {
      ArrayNode metadata = Json.MAPPER.createArrayNode();
      metadata.add(frame.get("session")).add(frame.get("context"));
      int size = Json.serverBytes(metadata);
      if (size > limits.maxMetadataBytes()) {
        throw new IllegalArgumentException(
            "session and context are "
                + size
                + " bytes of JSON; the server takes at most "
                + limits.maxMetadataBytes());
      }
    }
    return Json.write(frame);
  }

  /** A {@code cancel} frame naming the command by its {@code request_id}. */
  static String cancel(String requestId, String reason) {
    Objects.requireNonNull(requestId, "request_id");
    if (requestId.isEmpty()) {
      throw new IllegalArgumentException("cancel needs a request_id");
    }
    ObjectNode frame = Json.MAPPER.createObjectNode();
    frame.put("type", "cancel").put("request_id", requestId);
    if (reason != null) {
      frame.put("reason", reason);
    }
    return Json.write(frame);
  }

  /** A {@code session_end} frame: the agent is done with the session it chose the id for. */
  static String sessionEnd(String sessionId, SessionStatus status) {
    Objects.requireNonNull(sessionId, "session_id");
    Objects.requireNonNull(status, "status");
    int length = sessionId.codePointCount(0, sessionId.length());
    if (length == 0 || length > SessionInfo.MAX_ID_CHARS) {
      throw new IllegalArgumentException(
          "session_id must be 1-" + SessionInfo.MAX_ID_CHARS + " characters, not " + length);
    }
    ObjectNode frame = Json.MAPPER.createObjectNode();
    frame.put("type", "session_end").put("session_id", sessionId).put("status", status.wireName());
    return Json.write(frame);
  }

  /** An application-level {@code ping}; {@code nonce} may be null. */
  static String ping(String nonce) {
    ObjectNode frame = Json.MAPPER.createObjectNode();
    frame.put("type", "ping");
    if (nonce != null) {
      frame.put("nonce", nonce);
    }
    return Json.write(frame);
  }

  /** Throw unless {@code command} is what a submit may carry: not blank, no NUL, small enough. */
  static void checkCommand(String command, Limits limits) {
    Objects.requireNonNull(command, "command");
    int size = command.getBytes(StandardCharsets.UTF_8).length;
    if (size > limits.maxCommandBytes()) {
      throw new IllegalArgumentException(
          "command is " + size + " bytes; the server takes at most " + limits.maxCommandBytes());
    }
    if (isBlank(command)) {
      throw new IllegalArgumentException("command must not be blank");
    }
    if (command.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("command must not contain NUL characters");
    }
  }

  /**
   * Whether {@code text} is only white space as the server (Python's {@code str.strip}) sees it:
   * Java's white space plus the other Unicode spaces and NEL.
   */
  static boolean isBlank(String text) {
    return text.codePoints()
        .allMatch(c -> Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85);
  }

  private static ObjectNode session(SessionInfo session) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("id", session.id());
    if (session.goal() != null) {
      node.put("goal", session.goal());
    }
    if (session.steps() != null) {
      ArrayNode steps = node.putArray("steps");
      session.steps().forEach(steps::add);
    }
    if (session.currentStep() != null) {
      node.put("current_step", session.currentStep());
    }
    return node;
  }
}
