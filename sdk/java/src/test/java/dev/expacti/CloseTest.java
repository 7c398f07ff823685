package dev.expacti;

import static dev.expacti.support.Clients.failure;
import static dev.expacti.support.Clients.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.expacti.support.FakeServer;
import dev.expacti.support.Peer;
import dev.expacti.support.ServerSays;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** close() cancels what waits, fails it with "client closed", and closes the connection. */
class CloseTest {
  @Test
  void closeCancelsWaitingRunsAndFailsThem() throws Exception {
    try (FakeServer server = new FakeServer()) {
      ExpactiClient client = ExpactiClient.builder().url(server.url()).token("t").build();
      CompletableFuture<Decision> run = client.runAsync("sleep 9");
      Peer peer = server.accept();
      String requestId = peer.receive("submit").get("request_id").textValue();
      peer.send(ServerSays.accepted(requestId, "cmd_1"));
      peer.send(ServerSays.progress(requestId, "cmd_1", false, "2026-11-21T10:01:00Z"));
      peer.send(ServerSays.pong());

      client.close();
      ExpactiConnectionException error =
          assertInstanceOf(ExpactiConnectionException.class, failure(run));
      assertEquals("client closed", error.getMessage());
      JsonNode cancel = peer.receive("cancel");
      assertEquals(requestId, cancel.get("request_id").textValue());
      assertEquals("the agent closed its client", cancel.get("reason").textValue());
      assertEquals(1000, peer.awaitEnd());

      assertTrue(client.isClosed());
      client.close(); // idempotent
      assertThrows(ExpactiConnectionException.class, () -> client.run("ls"));
      assertThrows(ExpactiConnectionException.class, () -> client.runAsync("ls"));
      assertThrows(ExpactiConnectionException.class, client::connect);
    }
  }

  @Test
  void anApprovalQueuedBeforeCloseIsNotReturnedAfterIt() throws Exception {
    try (FakeServer server = new FakeServer()) {
      ExpactiClient client = ExpactiClient.builder().url(server.url()).token("t").build();
      // A second run on the same connection is the barrier: frames are handed over in order, so
      // once its decision is in, the first run's approval is queued too.
      CompletableFuture<Decision> other = client.runAsync("true");
      Peer peer = server.accept();
      String otherId = peer.receive("submit").get("request_id").textValue();
      CountDownLatch inCallback = new CountDownLatch(1);
      CountDownLatch closed = new CountDownLatch(1);
      RunOptions options =
          RunOptions.builder()
              .onProgress(
                  progress -> {
                    inCallback.countDown();
                    try {
                      closed.await();
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  })
              .build();
      CompletableFuture<Decision> run = client.runAsync("deploy", options);
      String requestId = peer.receive("submit").get("request_id").textValue();
      peer.send(ServerSays.progress(requestId, "cmd_1", false, "2026-11-21T10:01:00Z"));
      assertTrue(inCallback.await(10, TimeUnit.SECONDS));
      peer.send(ServerSays.decision(requestId, "cmd_1", "approved", "alice").toString());
      peer.send(ServerSays.decision(otherId, "cmd_2", "approved", "alice").toString());
      value(other);

      client.close();
      closed.countDown();
      ExpactiConnectionException error =
          assertInstanceOf(ExpactiConnectionException.class, failure(run));
      assertEquals("client closed", error.getMessage());
    }
  }

  @Test
  void closeWaitsOnceForAllCancelsOnAServerThatStoppedReading() throws Exception {
    try (FakeServer server = new FakeServer()) {
      // Room for one submit larger than every socket buffer between client and server.
      int big = 32 << 20;
      server.hello(ServerSays.hello(Map.of("max_command_bytes", big, "max_frame_bytes", 2 * big)));
      ExpactiClient client =
          ExpactiClient.builder()
              .url(server.url())
              .token("t")
              .heartbeat(Duration.ofHours(1)) // no ping to stall on instead
              .build();
      client.connect();
      Peer peer = server.accept();
      List<CompletableFuture<Decision>> runs = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        runs.add(client.runAsync("sleep " + i));
        peer.receive("submit");
      }
      peer.stopReading();
      runs.add(client.runAsync("echo " + "x".repeat(big - 16)));
      peer.awaitStalled(); // every run was sent; whatever comes next cannot be written

      // Before, close() waited 2 s per cancel: 80 s here. The guard only catches that hang.
      CompletableFuture<Void> closing = CompletableFuture.runAsync(client::close);
      closing.get(30, TimeUnit.SECONDS);
      for (CompletableFuture<Decision> run : runs) {
        assertEquals("client closed", failure(run).getMessage());
      }
      peer.drop();
    }
  }
}
