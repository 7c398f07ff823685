package dev.expacti;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.expacti.ServerFrame.Accepted;
import dev.expacti.ServerFrame.DecisionFrame;
import dev.expacti.ServerFrame.ErrorFrame;
import dev.expacti.ServerFrame.ExecAck;
import dev.expacti.ServerFrame.Hello;
import dev.expacti.ServerFrame.Pong;
import dev.expacti.ServerFrame.ProgressFrame;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Strict parsing of the server's frames, failing closed: a frame that is not exactly what the
 * protocol promises is an {@link ExpactiProtocolException}, so a malformed {@code decision} can
 * never be taken as an approval.
 */
final class ServerFrames {
  private static final long MAX_APPROVALS = 1000; // far above any policy; bounds what a frame says
  private static final long MAX_SEQ = (1L << 53) - 1; // beyond, JSON integers lose precision

  private ServerFrames() {}

  /** Parse one text frame from the server. */
  static ServerFrame parse(String text) {
    JsonNode node;
    try {
      node = Json.parse(text);
    } catch (JsonProcessingException e) {
      throw new ExpactiProtocolException(
          "the server sent invalid JSON: " + e.getOriginalMessage(), null, null);
    }
    if (node == null || !node.isObject()) {
      throw new ExpactiProtocolException(
          "the server sent a frame that is not a JSON object", null, null);
    }
    ObjectNode obj = (ObjectNode) node;
    JsonNode kind = obj.get("type");
    JsonNode requestId = obj.get("request_id");
    Fields fields =
        new Fields(
            obj,
            kind != null && kind.isTextual() ? kind.textValue() + " frame" : "frame",
            requestId != null && requestId.isTextual() ? requestId.textValue() : null);
    String type = kind != null && kind.isTextual() ? kind.textValue() : "";
    return switch (type) {
      case "hello" -> hello(fields);
      case "accepted" -> accepted(fields);
      case "decision" -> decision(fields);
      case "progress" -> progress(fields);
      case "pong" -> new Pong(fields.optText("nonce", false));
      case "error" -> error(fields);
      case "exec_ack" -> execAck(fields);
      default -> throw fields.invalid("unknown frame type " + kind);
    };
  }

  /**
   * The public Decision for a decision frame, for the {@code command} that was submitted. After an
   * edit it carries the edited text as {@code command}.
   */
  static Decision toDecision(DecisionFrame frame, String command) {
    String run = command;
    if (frame.edited()) {
      if (frame.command() == null || ClientFrames.isBlank(frame.command())) {
        throw new ExpactiProtocolException(
            "the server reported an edit without the edited command", null, frame.requestId());
      }
      run = frame.command();
    }
    return new Decision(
        frame.approved(),
        frame.decision(),
        frame.commandId(),
        run,
        frame.edited(),
        command,
        frame.reviewer(),
        frame.notes(),
        frame.whitelisted(),
        frame.ruleId(),
        frame.riskScore(),
        frame.anomalies(),
        frame.approvers(),
        frame.latencyMs(),
        frame.requestId());
  }

  /** The public Progress for a progress frame. */
  static Progress toProgress(ProgressFrame frame) {
    return new Progress(
        frame.commandId(),
        frame.approvals(),
        frame.required(),
        frame.approvers(),
        frame.escalated(),
        frame.expiresAt());
  }

  private static Hello hello(Fields f) {
    Map<String, Long> limits = new LinkedHashMap<>();
    // Only whole-number limits count; odd ones are ignored like unknown fields.
    for (Map.Entry<String, JsonNode> entry : f.mapping("limits").properties()) {
      JsonNode value = entry.getValue();
      if (value.isIntegralNumber() && value.canConvertToLong()) {
        limits.put(entry.getKey(), value.longValue());
      }
    }
    return new Hello(
        f.text("protocol"),
        f.optText("server", false),
        f.mapping("agent"),
        f.mapping("org"),
        Map.copyOf(limits));
  }

  private static Accepted accepted(Fields f) {
    return new Accepted(
        f.text("request_id"),
        f.text("command_id"),
        f.text("status"),
        f.timestamp("expires_at"),
        f.flag("resumed"));
  }

  private static DecisionFrame decision(Fields f) {
    boolean approved = f.flag("approved");
    String name = f.text("decision");
    DecisionState state = DecisionState.fromWire(name);
    if (state == null) {
      throw f.invalid("decision: unknown state \"" + name + "\"");
    }
    if (approved != (state == DecisionState.APPROVED)) {
      // The gate fails closed: a contradictory frame is never an approval.
      throw f.invalid("approved is " + approved + " but decision is \"" + name + "\"");
    }
    // Older servers send neither; an edit must name what to run, or nothing may run.
    String command = f.optText("command", false);
    boolean edited = f.flag("edited", false);
    if (edited && (command == null || ClientFrames.isBlank(command))) {
      throw f.invalid("edited is true but command is missing or blank");
    }
    return new DecisionFrame(
        f.text("request_id"),
        f.text("command_id"),
        approved,
        state,
        f.number("latency_ms"),
        f.optText("reviewer", true),
        f.optText("notes", true),
        f.flag("whitelisted"),
        f.optText("rule_id", true),
        (int) f.integer("risk_score", 0, 100),
        f.textList("anomalies"),
        command,
        edited,
        f.textList("approvers", List.of()));
  }

  private static ProgressFrame progress(Fields f) {
    return new ProgressFrame(
        f.text("request_id"),
        f.text("command_id"),
        (int) f.integer("approvals", 0, MAX_APPROVALS),
        (int) f.integer("required", 1, MAX_APPROVALS),
        f.textList("approvers"),
        f.flag("escalated"),
        f.timestamp("expires_at"));
  }

  private static ErrorFrame error(Fields f) {
    String message = f.optText("message", false);
    return new ErrorFrame(
        f.text("code"),
        message == null ? "" : message,
        f.optText("request_id", false),
        f.mapping("details"));
  }

  private static ExecAck execAck(Fields f) {
    return new ExecAck(
        f.text("command_id"),
        f.integer("seq", 0, MAX_SEQ),
        f.text("recording_id"),
        f.flag("capture_input"));
  }
}
