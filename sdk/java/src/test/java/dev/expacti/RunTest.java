package dev.expacti;

import static dev.expacti.support.Clients.failure;
import static dev.expacti.support.Clients.inBackground;
import static dev.expacti.support.Clients.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.expacti.support.FakeServer;
import dev.expacti.support.Peer;
import dev.expacti.support.ServerSays;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** run() and runAsync() against a scripted server: what is sent, and every outcome. */
class RunTest {
  private FakeServer server;
  private ExpactiClient client;

  @BeforeEach
  void start() throws Exception {
    server = new FakeServer();
    client = ExpactiClient.builder().url(server.url()).token("agent-token").build();
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.close();
  }

  @Test
  void anApprovalIsTheDecisionAndTheSubmitCarriesTheOptions() throws Exception {
    List<Progress> progress = new CopyOnWriteArrayList<>();
    RunOptions options =
        RunOptions.builder()
            .target("prod-eu")
            .timeout(Duration.ofSeconds(120))
            .context(Map.of("ticket", "OPS-7"))
            .session(SessionInfo.of("s-1", "roll out", List.of("plan", "apply"), 1))
            .onProgress(progress::add)
            .build();
    CompletableFuture<Decision> run = client.runAsync("terraform apply", options);
    Peer peer = server.accept();
    assertEquals("Bearer agent-token", peer.header("authorization"));
    assertTrue(peer.header("user-agent").startsWith("expacti-java/"));
    JsonNode submit = peer.receive("submit");
    String requestId = submit.get("request_id").textValue();
    assertTrue(requestId.matches("[0-9a-f]{32}"), requestId);
    assertEquals(
        Vectors.JSON.readTree(
            "{\"type\":\"submit\",\"request_id\":\""
                + requestId
                + "\",\"command\":\"terraform apply\","
                + "\"target\":\"prod-eu\",\"timeout_seconds\":120,"
                + "\"session\":{\"id\":\"s-1\",\"goal\":\"roll out\",\"steps\":[\"plan\",\"apply\"],\"current_step\":1},"
                + "\"context\":{\"ticket\":\"OPS-7\"}}"),
        submit);
    peer.send(ServerSays.accepted(requestId, "cmd_1"));
    peer.send(ServerSays.progress(requestId, "cmd_1", false, "2026-11-21T10:01:00Z"));
    ObjectNode decision = ServerSays.decision(requestId, "cmd_1", "approved", "alice");
    decision.putArray("approvers").add("alice").add("bob");
    peer.send(decision.toString());

    Decision approved = value(run);
    assertTrue(approved.approved());
    assertEquals(DecisionState.APPROVED, approved.decision());
    assertEquals("cmd_1", approved.commandId());
    assertEquals("terraform apply", approved.command());
    assertEquals("terraform apply", approved.originalCommand());
    assertFalse(approved.edited());
    assertEquals("alice", approved.reviewer());
    assertEquals(List.of("alice", "bob"), approved.approvers());
    assertEquals(requestId, approved.requestId());
    assertEquals(1, progress.size());
    assertEquals(List.of("alice"), progress.get(0).approvers());
  }

  @Test
  void aBlockingRunReturnsTheEditedCommand() throws Exception {
    CompletableFuture<Decision> run = inBackground(() -> client.run("terraform apply"));
    Peer peer = server.accept();
    String requestId = peer.receive("submit").get("request_id").textValue();
    ObjectNode decision = ServerSays.decision(requestId, "cmd_2", "approved", "alice");
    decision.put("edited", true).put("command", "terraform apply -target=module.web");
    peer.send(decision.toString());
    Decision approved = value(run);
    assertEquals("terraform apply -target=module.web", approved.command());
    assertEquals("terraform apply", approved.originalCommand());
    assertTrue(approved.edited());
  }

  @Test
  void aDenialIsCommandDeniedWithTheReviewerAndNote() throws Exception {
    CompletableFuture<Decision> run = client.runAsync("rm -rf /tmp/x");
    Peer peer = server.accept();
    String requestId = peer.receive("submit").get("request_id").textValue();
    peer.send(ServerSays.accepted(requestId, "cmd_3"));
    peer.send(
        ServerSays.decision(requestId, "cmd_3", "denied", "bob")
            .put("notes", "not today")
            .toString());
    CommandDeniedException denied = assertInstanceOf(CommandDeniedException.class, failure(run));
    assertEquals("rm -rf /tmp/x", denied.getCommand());
    assertEquals("bob", denied.getReviewer());
    assertEquals("not today", denied.getNotes());
    assertEquals("cmd_3", denied.getCommandId());
    assertEquals(DecisionState.DENIED, denied.getDecision().decision());
    assertEquals("command denied by bob: not today (cmd_3)", denied.getMessage());
  }

  @Test
  void aCancellationIsCommandDenied() throws Exception {
    CompletableFuture<Decision> run = client.runAsync("sleep 1");
    Peer peer = server.accept();
    String requestId = peer.receive("submit").get("request_id").textValue();
    peer.send(
        ServerSays.decision(requestId, "cmd_4", "cancelled", null)
            .put("notes", "by an admin")
            .toString());
    CommandDeniedException denied = assertInstanceOf(CommandDeniedException.class, failure(run));
    assertEquals(DecisionState.CANCELLED, denied.getDecision().decision());
    assertNull(denied.getReviewer());
  }

  @Test
  void theServersTimeoutIsCommandTimeoutWithTheDecision() throws Exception {
    CompletableFuture<Decision> run = client.runAsync("sleep 2");
    Peer peer = server.accept();
    String requestId = peer.receive("submit").get("request_id").textValue();
    peer.send(ServerSays.decision(requestId, "cmd_5", "timed_out", null).toString());
    CommandTimeoutException timeout = assertInstanceOf(CommandTimeoutException.class, failure(run));
    assertEquals("cmd_5", timeout.getCommandId());
    assertEquals("sleep 2", timeout.getCommand());
    assertEquals(DecisionState.TIMED_OUT, timeout.getDecision().decision());
  }

  @Test
  void aWhitelistedCommandIsApprovedWithoutAccepted() throws Exception {
    CompletableFuture<Decision> run = client.runAsync("ls");
    Peer peer = server.accept();
    String requestId = peer.receive("submit").get("request_id").textValue();
    ObjectNode decision = ServerSays.decision(requestId, "cmd_6", "approved", null);
    decision.put("whitelisted", true).put("rule_id", "wl_1");
    peer.send(decision.toString());
    Decision approved = value(run);
    assertTrue(approved.whitelisted());
    assertEquals("wl_1", approved.ruleId());
    assertNull(approved.reviewer());
  }

  @Test
  void anErrorFrameIsAProtocolErrorWithItsCode() throws Exception {
    CompletableFuture<Decision> run = client.runAsync("ls");
    Peer peer = server.accept();
    String requestId = peer.receive("submit").get("request_id").textValue();
    peer.send(ServerSays.error(requestId, "too_many_pending"));
    ExpactiProtocolException error = assertInstanceOf(ExpactiProtocolException.class, failure(run));
    assertEquals("too_many_pending", error.getCode());
    assertEquals(requestId, error.getRequestId());
  }

  @Test
  void concurrentRunsShareOneConnectionAndGetTheirOwnDecisions() throws Exception {
    List<CompletableFuture<Decision>> runs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      runs.add(client.runAsync("echo " + i));
    }
    Peer peer = server.accept();
    List<JsonNode> submits = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      submits.add(peer.receive("submit"));
    }
    for (int i = 4; i >= 0; i--) {
      JsonNode submit = submits.get(i);
      String command = submit.get("command").textValue();
      peer.send(
          ServerSays.decision(
                  submit.get("request_id").textValue(),
                  "cmd_" + command.substring(5),
                  "approved",
                  "a")
              .toString());
    }
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      Decision decision = value(runs.get(i));
      assertEquals("echo " + i, decision.command());
      assertEquals("cmd_" + i, decision.commandId());
      ids.add(decision.requestId());
    }
    assertEquals(5, ids.size());
    assertEquals(1, server.attempts());
  }

  @Test
  void theHellosLimitsApplyToTheNextRun() throws Exception {
    server.hello(ServerSays.hello(Map.of("max_command_bytes", 8)));
    client.connect();
    server.accept();
    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> client.run("echo 123456789"));
    assertEquals("command is 14 bytes; the server takes at most 8", error.getMessage());
  }

  @Test
  void argumentsAreCheckedBeforeAnythingIsSent() {
    assertThrows(IllegalArgumentException.class, () -> client.run("  "));
    assertThrows(NullPointerException.class, () -> client.run(null));
    assertEquals(0, server.attempts());
  }

  @Test
  void endSessionSendsSessionEnd() throws Exception {
    client.endSession("s-9", SessionStatus.COMPLETED);
    Peer peer = server.accept();
    JsonNode frame = peer.receive("session_end");
    assertEquals("s-9", frame.get("session_id").textValue());
    assertEquals("completed", frame.get("status").textValue());
  }
}
