package dev.expacti;

import static dev.expacti.support.Clients.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.expacti.support.FakeServer;
import dev.expacti.support.Peer;
import dev.expacti.support.ServerSays;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Whatever the server sends that cannot be trusted ends the run without an approval. */
class FailClosedTest {
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
  void aContradictoryDecisionIsAProtocolErrorAndTheCommandIsCancelled() throws Exception {
    CompletableFuture<Decision> run = client.runAsync("rm -rf /");
    Peer peer = server.accept();
    String requestId = peer.receive("submit").get("request_id").textValue();
    peer.send(
        ServerSays.decision(requestId, "cmd_1", "denied", "mallory")
            .put("approved", true)
            .toString());
    ExpactiProtocolException error = assertInstanceOf(ExpactiProtocolException.class, failure(run));
    assertNull(error.getCode());
    JsonNode cancel = peer.receive("cancel");
    assertEquals(requestId, cancel.get("request_id").textValue());
  }

  @Test
  void anInvalidDecisionFollowedByAnApprovalIsAProtocolError() throws Exception {
    CompletableFuture<Decision> run = client.runAsync("rm -rf /");
    Peer peer = server.accept();
    String requestId = peer.receive("submit").get("request_id").textValue();
    peer.send("{\"type\":\"decision\",\"request_id\":\"" + requestId + "\",\"approved\":\"yes\"}");
    peer.send(ServerSays.decision(requestId, "cmd_1", "approved", "alice").toString());
    ExpactiProtocolException error = assertInstanceOf(ExpactiProtocolException.class, failure(run));
    assertNull(error.getCode());
    assertEquals(requestId, peer.receive("cancel").get("request_id").textValue());
  }

  @Test
  void aDuplicateApprovedKeyIsNeverAnApproval() throws Exception {
    CompletableFuture<Decision> run = client.runAsync("rm -rf /");
    Peer peer = server.accept();
    String requestId = peer.receive("submit").get("request_id").textValue();
    String frame = ServerSays.decision(requestId, "cmd_1", "denied", "bob").toString();
    peer.send(frame.replace("\"approved\":false", "\"approved\":false,\"approved\":true"));
    assertInstanceOf(ExpactiProtocolException.class, failure(run));
  }

  @Test
  void anEditWithoutTheEditedCommandIsAProtocolError() throws Exception {
    CompletableFuture<Decision> run = client.runAsync("terraform apply");
    Peer peer = server.accept();
    String requestId = peer.receive("submit").get("request_id").textValue();
    ObjectNode decision = ServerSays.decision(requestId, "cmd_1", "approved", "alice");
    peer.send(decision.put("edited", true).toString());
    assertInstanceOf(ExpactiProtocolException.class, failure(run));
  }

  @Test
  void aSwitchedCommandIdIsAProtocolError() throws Exception {
    CompletableFuture<Decision> run = client.runAsync("ls");
    Peer peer = server.accept();
    String requestId = peer.receive("submit").get("request_id").textValue();
    peer.send(ServerSays.accepted(requestId, "cmd_1"));
    peer.send(ServerSays.decision(requestId, "cmd_2", "approved", "alice").toString());
    ExpactiProtocolException error = assertInstanceOf(ExpactiProtocolException.class, failure(run));
    assertTrue(error.getMessage().contains("switched command_id"), error.getMessage());
  }

  @Test
  void aFrameNobodyCanAttributeFailsEveryRunAndClosesTheConnection() throws Exception {
    CompletableFuture<Decision> first = client.runAsync("ls");
    CompletableFuture<Decision> second = client.runAsync("pwd");
    Peer peer = server.accept();
    peer.receive("submit");
    peer.receive("submit");
    peer.send("{\"type\": \"decision\", \"approved\": true");
    assertInstanceOf(ExpactiProtocolException.class, failure(first));
    assertInstanceOf(ExpactiProtocolException.class, failure(second));
    assertEquals(1008, peer.awaitEnd());
  }

  @Test
  void aBinaryFrameFailsEveryRun() throws Exception {
    CompletableFuture<Decision> run = client.runAsync("ls");
    Peer peer = server.accept();
    peer.receive("submit");
    peer.sendBinary(new byte[] {1, 2, 3});
    ExpactiProtocolException error = assertInstanceOf(ExpactiProtocolException.class, failure(run));
    assertTrue(error.getMessage().contains("binary"), error.getMessage());
  }

  @Test
  void aFrameForAnotherRequestIsNotTakenAsThisOnesDecision() throws Exception {
    CompletableFuture<Decision> run = client.runAsync("ls");
    Peer peer = server.accept();
    String requestId = peer.receive("submit").get("request_id").textValue();
    peer.send(ServerSays.decision("someone-else", "cmd_9", "approved", "alice").toString());
    peer.send(ServerSays.decision(requestId, "cmd_1", "denied", "bob").toString());
    assertInstanceOf(CommandDeniedException.class, failure(run));
  }

  @Test
  void closeCode1009IsAProtocolErrorNotRetried() throws Exception {
    CompletableFuture<Decision> run = client.runAsync("ls");
    Peer peer = server.accept();
    peer.receive("submit");
    peer.close(1009, "message too big");
    ExpactiProtocolException error = assertInstanceOf(ExpactiProtocolException.class, failure(run));
    assertTrue(error.getMessage().contains("1009"), error.getMessage());
    assertEquals(1, server.attempts());
  }

  @Test
  void aFrameLargerThanTheLimitIsAProtocolError() throws Exception {
    CompletableFuture<Decision> run = client.runAsync("ls");
    Peer peer = server.accept();
    String requestId = peer.receive("submit").get("request_id").textValue();
    ObjectNode huge = ServerSays.decision(requestId, "cmd_1", "approved", "alice");
    huge.put("padding", "x".repeat(Connection.MAX_INCOMING_CHARS));
    peer.send(huge.toString());
    ExpactiProtocolException error = assertInstanceOf(ExpactiProtocolException.class, failure(run));
    assertTrue(error.getMessage().contains("from the server was too large"), error.getMessage());
  }
}
