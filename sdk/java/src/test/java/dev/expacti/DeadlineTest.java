package dev.expacti;

import static dev.expacti.support.Clients.failure;
import static dev.expacti.support.Clients.inBackground;
import static dev.expacti.support.Clients.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.expacti.support.FakeServer;
import dev.expacti.support.Peer;
import dev.expacti.support.ServerSays;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client's own end of a wait: its deadline, an interrupted thread, a cancelled or timed-out
 * future. Each cancels the command on the server. The grace is 0 here, so a deadline is the timeout
 * itself.
 */
class DeadlineTest {
  private FakeServer server;
  private ExpactiClient client;

  @BeforeEach
  void start() throws Exception {
    server = new FakeServer();
    client =
        ExpactiClient.builder().url(server.url()).token("agent-token").grace(Duration.ZERO).build();
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.close();
  }

  private static void assertCancelled(Peer peer, String requestId, String reason)
      throws InterruptedException {
    JsonNode cancel = peer.receive("cancel");
    assertEquals(requestId, cancel.get("request_id").textValue());
    assertEquals(reason, cancel.get("reason").textValue());
  }

  @Test
  void pastItsOwnTimeoutTheRunCancelsAndTimesOut() throws Exception {
    RunOptions options = RunOptions.builder().timeout(Duration.ofMillis(300)).build();
    // Connected first: the deadline counts from the send, not from a slow first handshake.
    client.connect();
    Peer peer = server.accept();
    CompletableFuture<Decision> run = inBackground(() -> client.run("sleep 9", options));
    String requestId = peer.receive("submit").get("request_id").textValue();
    peer.send(ServerSays.accepted(requestId, "cmd_1"));
    CommandTimeoutException timeout = assertInstanceOf(CommandTimeoutException.class, failure(run));
    assertNull(timeout.getDecision());
    assertEquals("sleep 9", timeout.getCommand());
    assertCancelled(peer, requestId, "agent deadline passed");
  }

  @Test
  void withoutItsOwnTimeoutTheOrganisationsFromHelloBoundsTheWait() throws Exception {
    server.hello(ServerSays.hello(Map.of("timeout_seconds", 1)));
    CompletableFuture<Decision> run = client.runAsync("sleep 9");
    Peer peer = server.accept();
    String requestId = peer.receive("submit").get("request_id").textValue();
    assertInstanceOf(CommandTimeoutException.class, failure(run));
    assertCancelled(peer, requestId, "agent deadline passed");
  }

  @Test
  void interruptingABlockingRunCancelsItAndKeepsTheInterrupt() throws Exception {
    AtomicReference<Thread> waiter = new AtomicReference<>();
    CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
    CompletableFuture<Decision> run =
        inBackground(
            () -> {
              waiter.set(Thread.currentThread());
              try {
                return client.run("sleep 9");
              } finally {
                interrupted.complete(Thread.currentThread().isInterrupted());
              }
            });
    Peer peer = server.accept();
    String requestId = peer.receive("submit").get("request_id").textValue();
    peer.send(ServerSays.accepted(requestId, "cmd_1"));
    waiter.get().interrupt();
    CommandTimeoutException timeout = assertInstanceOf(CommandTimeoutException.class, failure(run));
    assertInstanceOf(InterruptedException.class, timeout.getCause());
    assertTrue(value(interrupted));
    assertCancelled(peer, requestId, "the agent stopped waiting");
  }

  @Test
  void anInterruptWinsOverAnApprovalThatArrivesAfterIt() throws Exception {
    // A second run on the same connection is the barrier: frames are handed over in order, so
    // once its decision is in, the first run's approval is queued too.
    CompletableFuture<Decision> other = client.runAsync("true");
    Peer peer = server.accept();
    String otherId = peer.receive("submit").get("request_id").textValue();
    CountDownLatch inCallback = new CountDownLatch(1);
    CountDownLatch queued = new CountDownLatch(1);
    RunOptions options =
        RunOptions.builder()
            .onProgress(
                progress -> {
                  Thread.currentThread().interrupt(); // the caller gives up here
                  inCallback.countDown();
                  while (queued.getCount() > 0) {
                    Thread.onSpinWait(); // not await(): the interrupt must stay pending
                  }
                })
            .build();
    CompletableFuture<Boolean> stillInterrupted = new CompletableFuture<>();
    CompletableFuture<Decision> run =
        inBackground(
            () -> {
              try {
                return client.run("sleep 9", options);
              } finally {
                stillInterrupted.complete(Thread.currentThread().isInterrupted());
              }
            });
    String requestId = peer.receive("submit").get("request_id").textValue();
    peer.send(ServerSays.progress(requestId, "cmd_1", false, "2026-11-21T10:01:00Z"));
    assertTrue(inCallback.await(10, TimeUnit.SECONDS));
    peer.send(ServerSays.decision(requestId, "cmd_1", "approved", "alice").toString());
    peer.send(ServerSays.decision(otherId, "cmd_2", "approved", "alice").toString());
    value(other);
    queued.countDown();

    CommandTimeoutException timeout = assertInstanceOf(CommandTimeoutException.class, failure(run));
    assertNull(timeout.getDecision());
    assertTrue(value(stillInterrupted));
    assertCancelled(peer, requestId, "the agent stopped waiting");
  }

  @Test
  void aThreadInterruptedBeforeTheRunSendsNothing() throws Exception {
    CompletableFuture<Boolean> stillInterrupted = new CompletableFuture<>();
    CompletableFuture<Decision> run =
        inBackground(
            () -> {
              Thread.currentThread().interrupt();
              try {
                return client.run("sleep 9");
              } finally {
                stillInterrupted.complete(Thread.currentThread().isInterrupted());
              }
            });
    assertInstanceOf(CommandTimeoutException.class, failure(run));
    assertTrue(value(stillInterrupted));
    assertEquals(0, server.attempts());
  }

  @Test
  void cancellingTheFutureCancelsTheCommand() throws Exception {
    CompletableFuture<Decision> run = client.runAsync("sleep 9");
    Peer peer = server.accept();
    String requestId = peer.receive("submit").get("request_id").textValue();
    peer.send(ServerSays.accepted(requestId, "cmd_1"));
    assertTrue(run.cancel(true));
    assertThrows(CancellationException.class, run::join);
    assertCancelled(peer, requestId, "the agent stopped waiting");
  }

  @Test
  void aFutureThatTimesOutIsCommandTimeoutAndCancelsTheCommand() throws Exception {
    CompletableFuture<Decision> run = client.runAsync("sleep 9");
    Peer peer = server.accept();
    String requestId = peer.receive("submit").get("request_id").textValue();
    run.orTimeout(10, TimeUnit.MILLISECONDS);
    ExecutionException failed = assertThrows(ExecutionException.class, run::get);
    CommandTimeoutException timeout =
        assertInstanceOf(CommandTimeoutException.class, failed.getCause());
    assertInstanceOf(java.util.concurrent.TimeoutException.class, timeout.getCause());
    assertCancelled(peer, requestId, "the agent stopped waiting");
  }
}
