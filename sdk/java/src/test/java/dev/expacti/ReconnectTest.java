package dev.expacti;

import static dev.expacti.support.Clients.failure;
import static dev.expacti.support.Clients.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.expacti.support.FakeServer;
import dev.expacti.support.Peer;
import dev.expacti.support.ServerSays;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A lost connection is resumed with the same request_id; a server that stays away is not. */
class ReconnectTest {
  private FakeServer server;
  private ExpactiClient client;

  @BeforeEach
  void start() throws Exception {
    server = new FakeServer();
    client =
        ExpactiClient.builder()
            .url(server.url())
            .token("agent-token")
            .reconnectTimeout(Duration.ofSeconds(1))
            .heartbeat(Duration.ofSeconds(1)) // should the JDK miss a drop (see Peer.drop)
            .build();
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.close();
  }

  @Test
  void aDroppedConnectionIsResumedWithTheSameRequestId() throws Exception {
    CompletableFuture<Decision> run = client.runAsync("deploy");
    Peer first = server.accept();
    String requestId = first.receive("submit").get("request_id").textValue();
    first.drop();

    Peer second = server.accept();
    assertEquals(requestId, second.receive("submit").get("request_id").textValue());
    second.send(ServerSays.accepted(requestId, "cmd_1", "2026-11-21T10:01:00Z", true));
    second.send(ServerSays.decision(requestId, "cmd_1", "approved", "alice").toString());
    assertEquals("cmd_1", value(run).commandId());
  }

  @Test
  void aDecisionMadeWhileAwayArrivesOnTheNewConnection() throws Exception {
    CompletableFuture<Decision> run = client.runAsync("deploy");
    Peer first = server.accept();
    String requestId = first.receive("submit").get("request_id").textValue();
    first.send(ServerSays.accepted(requestId, "cmd_1"));
    first.close(1001, "going away");

    Peer second = server.accept();
    second.receive("submit");
    second.send(ServerSays.decision(requestId, "cmd_1", "denied", "bob").toString());
    assertEquals("bob", assertInstanceOf(CommandDeniedException.class, failure(run)).getReviewer());
  }

  @Test
  void anUnavailableServerIsAskedAgainWithTheSameRequestId() throws Exception {
    CompletableFuture<Decision> run = client.runAsync("deploy");
    Peer peer = server.accept();
    String requestId = peer.receive("submit").get("request_id").textValue();
    peer.send(ServerSays.error(requestId, "unavailable"));
    assertEquals(requestId, peer.receive("submit").get("request_id").textValue());
    peer.send(ServerSays.decision(requestId, "cmd_1", "approved", "alice").toString());
    assertTrue(value(run).approved());
  }

  @Test
  void aSmallerFrameLimitAfterReconnectIsAProtocolErrorAndCancels() throws Exception {
    CompletableFuture<Decision> run = client.runAsync("echo " + "x".repeat(300));
    Peer first = server.accept();
    String requestId = first.receive("submit").get("request_id").textValue();
    server.hello(ServerSays.hello(Map.of("max_frame_bytes", 200)));
    first.drop();

    Peer second = server.accept();
    ExpactiProtocolException error = assertInstanceOf(ExpactiProtocolException.class, failure(run));
    assertEquals(requestId, error.getRequestId());
    assertTrue(error.getMessage().contains("at most 200"), error.getMessage());
    // The server still holds the command from the first connection.
    assertEquals(requestId, second.receive("cancel").get("request_id").textValue());
  }

  @Test
  void connectFailsWhenTheConnectionIsLostBeforeTheHello() throws Exception {
    server.hello(null);
    CompletableFuture<Void> connecting = CompletableFuture.runAsync(client::connect);
    server.accept().drop();
    assertInstanceOf(ExpactiConnectionException.class, failure(connecting));
  }

  @Test
  void aServerThatStaysAwayLongerThanTheReconnectWindowIsAConnectionError() throws Exception {
    CompletableFuture<Decision> run = client.runAsync("deploy");
    Peer peer = server.accept();
    peer.receive("submit");
    server.close();
    peer.drop();
    ExpactiConnectionException error =
        assertInstanceOf(ExpactiConnectionException.class, failure(run));
    assertTrue(error.getMessage().startsWith("could not connect to "), error.getMessage());
  }

  @Test
  void aSilentConnectionIsDroppedByTheHeartbeatAndResumed() throws Exception {
    ExpactiClient beating =
        ExpactiClient.builder()
            .url(server.url())
            .token("agent-token")
            .heartbeat(Duration.ofMillis(100))
            .build();
    try {
      server.answerPings(false);
      CompletableFuture<Decision> run = beating.runAsync("deploy");
      Peer silent = server.accept();
      server.answerPings(true);
      String requestId = silent.receive("submit").get("request_id").textValue();
      // This peer answers no ping: the client gives up on it and resumes elsewhere. Every
      // later connection answers, so that a slow machine's late pong cannot fail the test.
      Thread serving = new Thread(() -> serveDecisions(requestId), "serving");
      serving.setDaemon(true);
      serving.start();
      assertEquals(requestId, value(run).requestId());
    } finally {
      beating.close();
    }
  }

  /** Answer the submit of {@code requestId} with an approval on every connection that comes. */
  private void serveDecisions(String requestId) {
    try {
      for (; ; ) {
        Peer peer = server.accept();
        assertEquals(requestId, peer.receive("submit").get("request_id").textValue());
        peer.send(ServerSays.decision(requestId, "cmd_1", "approved", "alice").toString());
      }
    } catch (AssertionError | InterruptedException e) {
      // no more connections: the run has its decision (or the test fails on its own)
    }
  }

  @Test
  void anUnreachableServerIsAConnectionError() throws Exception {
    server.close();
    ExpactiConnectionException error =
        assertInstanceOf(ExpactiConnectionException.class, failure(client.runAsync("ls")));
    assertTrue(error.getMessage().startsWith("could not connect to "), error.getMessage());
  }
}
