package dev.expacti;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** One validated frame from the server (docs/PROTOCOL.md); {@link ServerFrames} parses them. */
sealed interface ServerFrame {

  /** Sent once after the handshake: who the token belongs to and the server's limits. */
  record Hello(
      String protocol, String server, ObjectNode agent, ObjectNode org, Map<String, Long> limits)
      implements ServerFrame {}

  /** The command is pending a human; {@code resumed} when an earlier submit is resumed. */
  record Accepted(
      String requestId, String commandId, String status, Instant expiresAt, boolean resumed)
      implements ServerFrame, RunEvent {}

  /**
   * The final decision on a command, validated ({@code approved} agrees with {@code decision}).
   * {@code command} is the server's copy (null from servers that predate it); it counts only when
   * {@code edited} is true, and then it is never blank.
   */
  record DecisionFrame(
      String requestId,
      String commandId,
      boolean approved,
      DecisionState decision,
      double latencyMs,
      String reviewer,
      String notes,
      boolean whitelisted,
      String ruleId,
      int riskScore,
      List<String> anomalies,
      String command,
      boolean edited,
      List<String> approvers)
      implements ServerFrame, RunEvent {}

  /** A pending command got a partial approval or was escalated; not a decision. */
  record ProgressFrame(
      String requestId,
      String commandId,
      int approvals,
      int required,
      List<String> approvers,
      boolean escalated,
      Instant expiresAt)
      implements ServerFrame, RunEvent {}

  /** The answer to a {@code ping}. */
  record Pong(String nonce) implements ServerFrame {}

  /** The server refused a frame; nothing was created, decided or cancelled. */
  record ErrorFrame(String code, String message, String requestId, ObjectNode details)
      implements ServerFrame {}

  /** The server stored a command's execution frames up to {@code seq}; unused by this SDK. */
  record ExecAck(String commandId, long seq, String recordingId, boolean captureInput)
      implements ServerFrame {}

  /** The frames routed to one waiting run by their {@code request_id}, with a command id. */
  sealed interface RunEvent permits Accepted, DecisionFrame, ProgressFrame {
    String requestId();

    String commandId();
  }
}
