package dev.expacti.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/** Frames the fake server sends, built from small defaults. */
public final class ServerSays {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ServerSays() {}

  /** A {@code hello} whose limits are the defaults with {@code limits} on top. */
  public static String hello(Map<String, Object> limits) {
    ObjectNode frame = JSON.createObjectNode();
    frame.put("type", "hello").put("protocol", "v1").put("server", "fake/1");
    frame.putObject("agent").put("id", "agt_1").put("name", "agent");
    frame.putObject("org").put("id", "org_1").put("name", "org");
    ObjectNode all = frame.putObject("limits");
    all.put("max_command_bytes", 65536).put("max_frame_bytes", 1048576);
    all.put("max_metadata_bytes", 16384).put("timeout_seconds", 60);
    all.setAll(JSON.<ObjectNode>valueToTree(limits));
    return frame.toString();
  }

  public static String accepted(String requestId, String commandId) {
    return accepted(requestId, commandId, "2026-11-21T10:01:00Z", false);
  }

  public static String accepted(
      String requestId, String commandId, String expiresAt, boolean resumed) {
    ObjectNode frame = JSON.createObjectNode();
    frame.put("type", "accepted").put("request_id", requestId).put("command_id", commandId);
    frame.put("status", "pending").put("expires_at", expiresAt).put("resumed", resumed);
    return frame.toString();
  }

  public static String progress(
      String requestId, String commandId, boolean escalated, String expiresAt) {
    ObjectNode frame = JSON.createObjectNode();
    frame.put("type", "progress").put("request_id", requestId).put("command_id", commandId);
    frame.put("approvals", 1).put("required", 2).put("escalated", escalated);
    frame.putArray("approvers").add("alice");
    frame.put("expires_at", expiresAt);
    return frame.toString();
  }

  /** A decision in state {@code state} by {@code reviewer}; {@code changes} set more fields. */
  public static ObjectNode decision(
      String requestId, String commandId, String state, String reviewer) {
    ObjectNode frame = JSON.createObjectNode();
    frame.put("type", "decision").put("request_id", requestId).put("command_id", commandId);
    frame.put("approved", state.equals("approved")).put("decision", state);
    frame.put("latency_ms", 12.5).put("reviewer", reviewer).putNull("notes");
    frame.put("whitelisted", false).putNull("rule_id").put("risk_score", 20);
    frame.putArray("anomalies");
    frame.putArray("approvers");
    return frame;
  }

  public static String pong() {
    return "{\"type\":\"pong\",\"nonce\":\"n\"}";
  }

  public static String error(String requestId, String code) {
    ObjectNode frame = JSON.createObjectNode();
    frame.put("type", "error").put("code", code).put("message", code + " happened");
    frame.put("request_id", requestId).putObject("details");
    return frame.toString();
  }
}
