package dev.expacti;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.expacti.ServerFrame.DecisionFrame;
import dev.expacti.ServerFrame.ErrorFrame;
import dev.expacti.ServerFrame.ExecAck;
import dev.expacti.ServerFrame.Hello;
import dev.expacti.ServerFrame.Pong;
import dev.expacti.ServerFrame.ProgressFrame;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every server frame vector: the valid ones parse to the right type ({@code approved} intact), the
 * invalid ones are refused with ExpactiProtocolException; and more ways to fail closed.
 */
class ServerFramesTest {
  static List<Vectors.Case> serverCases() {
    return Vectors.server();
  }

  private static JsonNode frameOf(String name) {
    return serverCases().stream()
        .filter(c -> c.name().equals(name))
        .findFirst()
        .orElseThrow()
        .frame();
  }

  private static DecisionFrame decisionOf(String name) {
    return (DecisionFrame) ServerFrames.parse(frameOf(name).toString());
  }

  private static ExpactiProtocolException invalid(String text) {
    return assertThrows(ExpactiProtocolException.class, () -> ServerFrames.parse(text));
  }

  @Test
  void vectorsAreThereValidAndInvalid() {
    assertTrue(serverCases().size() >= 46);
    assertTrue(serverCases().stream().anyMatch(c -> !c.expect().get("valid").booleanValue()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("serverCases")
  void vector(Vectors.Case vector) {
    String text = vector.frame().toString();
    if (!vector.expect().get("valid").booleanValue()) {
      assertNull(invalid(text).getCode(), "an invalid frame, not an error frame");
      return;
    }
    ServerFrame frame = ServerFrames.parse(text);
    String type = vector.frame().get("type").textValue();
    Class<?> expected =
        switch (type) {
          case "hello" -> Hello.class;
          case "accepted" -> ServerFrame.Accepted.class;
          case "decision" -> DecisionFrame.class;
          case "progress" -> ProgressFrame.class;
          case "pong" -> Pong.class;
          case "error" -> ErrorFrame.class;
          case "exec_ack" -> ExecAck.class;
          default -> throw new AssertionError("a valid vector of unknown type " + type);
        };
    assertInstanceOf(expected, frame);
    if (vector.expect().has("approved")) {
      DecisionFrame decision = (DecisionFrame) frame;
      assertEquals(vector.expect().get("approved").booleanValue(), decision.approved());
      assertEquals(vector.frame().get("decision").textValue(), decision.decision().wireName());
    }
  }

  @Test
  void aDecisionReachesThePublicDecisionUnchanged() {
    JsonNode wire = frameOf("decision-denied");
    Decision decision = ServerFrames.toDecision(decisionOf("decision-denied"), "rm -rf /tmp/x");
    assertEquals(
        new Decision(
            false,
            DecisionState.DENIED,
            wire.get("command_id").textValue(),
            "rm -rf /tmp/x",
            false,
            "rm -rf /tmp/x",
            wire.get("reviewer").textValue(),
            wire.get("notes").textValue(),
            false,
            null,
            wire.get("risk_score").intValue(),
            List.of("destructive"),
            List.of(),
            wire.get("latency_ms").doubleValue(),
            wire.get("request_id").textValue()),
        decision);
    assertThrows(UnsupportedOperationException.class, () -> decision.anomalies().add("x"));
  }

  @Test
  void anEditIsTheCommandToRunAndTheOriginalIsKept() {
    Decision decision = ServerFrames.toDecision(decisionOf("decision-edited"), "terraform apply");
    assertEquals("terraform apply -target=module.web", decision.command());
    assertEquals("terraform apply", decision.originalCommand());
    assertTrue(decision.edited());
    assertEquals(List.of("alice"), decision.approvers());
  }

  @Test
  void withoutAnEditTheCallersOwnTextIsKept() {
    Decision decision =
        ServerFrames.toDecision(decisionOf("decision-multi-party"), "psql -c 'select 1'");
    assertEquals("psql -c 'select 1'", decision.command());
    assertEquals(List.of("alice", "bob"), decision.approvers());
  }

  @Test
  void anEditWithoutItsTextNeverBecomesADecision() {
    DecisionFrame edited = decisionOf("decision-edited");
    DecisionFrame blank =
        new DecisionFrame(
            edited.requestId(),
            edited.commandId(),
            true,
            DecisionState.APPROVED,
            edited.latencyMs(),
            edited.reviewer(),
            edited.notes(),
            false,
            null,
            40,
            List.of(),
            " ",
            true,
            List.of("alice"));
    assertThrows(
        ExpactiProtocolException.class, () -> ServerFrames.toDecision(blank, "terraform apply"));
  }

  @Test
  void progressHasItsFields() {
    ProgressFrame frame = (ProgressFrame) ServerFrames.parse(frameOf("progress").toString());
    assertEquals("r-25", frame.requestId());
    assertEquals(
        new Progress(
            "cmd_25", 1, 2, List.of("alice"), false, Instant.parse("2026-11-21T10:06:00Z")),
        ServerFrames.toProgress(frame));
  }

  @Test
  void anInvalidFrameKeepsItsRequestIdToFailTheRightRun() {
    assertEquals(
        "r-8", invalid(frameOf("decision-approved-but-decision-denied").toString()).getRequestId());
  }

  @Test
  void helloKeepsOnlyIntegerLimits() {
    Hello hello =
        (Hello)
            ServerFrames.parse(
                "{\"type\":\"hello\",\"protocol\":\"v1\",\"limits\":"
                    + "{\"timeout_seconds\":30,\"odd\":\"x\",\"half\":1.5}}");
    assertEquals(java.util.Map.of("timeout_seconds", 30L), hello.limits());
    assertEquals(30, Limits.policySeconds(hello.limits()));
    assertEquals(Limits.DEFAULT, Limits.from(hello.limits()));
  }

  static Stream<Arguments> failClosed() {
    ObjectNode approved = (ObjectNode) frameOf("decision-approved-by-reviewer");
    ObjectNode withoutReviewer = approved.deepCopy();
    withoutReviewer.remove("reviewer");
    String accepted =
        "{\"type\":\"accepted\",\"request_id\":\"r\",\"command_id\":\"c\",\"status\":\"pending\","
            + "\"resumed\":false,\"expires_at\":";
    return Stream.of(
        Arguments.of("not JSON", "{"),
        Arguments.of("empty", ""),
        Arguments.of("not an object", "[1]"),
        Arguments.of("trailing data", "{\"type\":\"pong\"} {}"),
        Arguments.of(
            "a duplicate key", "{\"type\":\"decision\",\"approved\":false,\"approved\":true}"),
        Arguments.of("a duplicate key deeper down", "{\"type\":\"pong\",\"x\":{\"a\":1,\"a\":2}}"),
        Arguments.of("NaN", approved.toString().replace("4211.5", "NaN")),
        Arguments.of("approved false but decision approved", with(approved, "approved", false)),
        Arguments.of("a boolean risk score", with(approved, "risk_score", true)),
        Arguments.of("a fractional risk score", with(approved, "risk_score", 20.5)),
        Arguments.of("a risk score out of range", with(approved, "risk_score", 101)),
        Arguments.of("a negative latency", with(approved, "latency_ms", -1)),
        Arguments.of(
            "anomalies that are not strings",
            approved.deepCopy().set("anomalies", Vectors.JSON.valueToTree(List.of(1))).toString()),
        Arguments.of("a reviewer that is not a string", with(approved, "reviewer", 7)),
        Arguments.of("a null request_id", approved.deepCopy().putNull("request_id").toString()),
        Arguments.of("a missing reviewer", withoutReviewer.toString()),
        Arguments.of("expires_at without a zone", accepted + "\"2026-11-21T10:01:00\"}"),
        Arguments.of("expires_at that is no timestamp", accepted + "\"soon\"}"),
        Arguments.of(
            "expires_at on a day that does not exist", accepted + "\"2026-13-40T10:01:00Z\"}"),
        Arguments.of("a hello without protocol", "{\"type\":\"hello\"}"),
        Arguments.of("a type that is not a string", "{\"type\":7}"),
        Arguments.of(
            "an exec_ack with a negative seq",
            "{\"type\":\"exec_ack\",\"command_id\":\"c\",\"seq\":-1,\"recording_id\":\"r\",\"capture_input\":false}"));
  }

  private static String with(ObjectNode frame, String key, Object value) {
    ObjectNode copy = frame.deepCopy();
    copy.set(key, Vectors.JSON.valueToTree(value));
    return copy.toString();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failClosed")
  void failsClosedOn(String name, String text) {
    invalid(text);
  }

  @Test
  void jsonNestedTooDeeplyIsRefusedWithoutTrustingItsRequestId() {
    String nested = "[".repeat(5000) + "1" + "]".repeat(5000);
    ExpactiProtocolException error =
        invalid("{\"type\":\"decision\",\"request_id\":\"r-1\",\"x\":" + nested + "}");
    assertTrue(error.getMessage().contains("nesting depth"), error.getMessage());
    assertNull(error.getRequestId());
  }

  @Test
  void keysWithEscapedQuotesAreToldApart() {
    assertEquals(
        new Pong("n"),
        ServerFrames.parse("{\"type\":\"pong\",\"a\\\"b\":1,\"a\":2,\"nonce\":\"n\"}"));
  }

  @Test
  void timestampsWithOffsetsAndWithoutSecondsParse() {
    String accepted =
        "{\"type\":\"accepted\",\"request_id\":\"r\",\"command_id\":\"c\",\"status\":\"pending\","
            + "\"resumed\":true,\"expires_at\":\"2026-11-21 12:01+0200\"}";
    ServerFrame.Accepted frame = (ServerFrame.Accepted) ServerFrames.parse(accepted);
    assertEquals(Instant.parse("2026-11-21T10:01:00Z"), frame.expiresAt());
    assertTrue(frame.resumed());
  }

  @Test
  void anErrorFrameNeedsOnlyItsCode() {
    ErrorFrame error = (ErrorFrame) ServerFrames.parse("{\"type\":\"error\",\"code\":\"x\"}");
    assertEquals("x", error.code());
    assertEquals("", error.message());
    assertNull(error.requestId());
    assertTrue(error.details().isEmpty());
  }
}
