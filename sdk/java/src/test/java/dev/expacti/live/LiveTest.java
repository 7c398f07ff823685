package dev.expacti.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.expacti.CommandDeniedException;
import dev.expacti.CommandTimeoutException;
import dev.expacti.Decision;
import dev.expacti.ExpactiAuthenticationException;
import dev.expacti.ExpactiClient;
import dev.expacti.examples.ApprovedRun;
import dev.expacti.examples.ApprovedShell;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The SDK against the real server (sdk/testing/live_server.py). The tests share one client, as the
 * threads of an agent would, and run side by side.
 */
@Tag("live")
@Execution(ExecutionMode.CONCURRENT)
class LiveTest {
  private static ExpactiClient client;

  @BeforeAll
  static void connect() {
    client = ExpactiClient.builder().url(Live.url()).token(Live.agentToken()).build();
  }

  @AfterAll
  static void close() {
    client.close();
  }

  @Test
  void anApprovalIsTheServersDecision() throws Exception {
    String command = Live.unique("approve");
    CompletableFuture<Decision> run = client.runAsync(command);
    JsonNode decided = Live.decide(command, "approve", null, null);
    Decision decision = run.get(30, TimeUnit.SECONDS);
    assertTrue(decision.approved());
    assertFalse(decision.whitelisted());
    assertEquals(decided.get("id").textValue(), decision.commandId());
    assertNotNull(decision.reviewer());
    assertEquals(command, decision.command());
    assertFalse(decision.edited());
  }

  @Test
  void theKotlinExampleRunsTheReviewersEditedCommand() throws Exception {
    String command = Live.unique("kotlin");
    String edit = Live.unique("edited");
    CompletableFuture<ApprovedRun> run =
        CompletableFuture.supplyAsync(() -> ApprovedShell.runApproved(client, command, "staging"));
    Live.decide(command, "approve", null, edit);
    ApprovedRun approved = run.get(30, TimeUnit.SECONDS);
    assertEquals(edit, approved.getDecision().command());
    assertTrue(approved.getDecision().edited());
    assertEquals(command, approved.getDecision().originalCommand());
    assertEquals(edit.substring("echo ".length()) + "\n", approved.getOutput());
    assertEquals(0, approved.getExitCode());
  }

  @Test
  void aDenialIsCommandDeniedWithTheNote() throws Exception {
    String command = Live.unique("deny");
    CompletableFuture<Decision> run = client.runAsync(command);
    Live.decide(command, "deny", "not on a Friday", null);
    ExecutionException failed =
        assertThrows(ExecutionException.class, () -> run.get(30, TimeUnit.SECONDS));
    CommandDeniedException denied =
        assertInstanceOf(CommandDeniedException.class, failed.getCause());
    assertEquals(command, denied.getCommand());
    assertEquals("not on a Friday", denied.getNotes());
    assertNotNull(denied.getReviewer());
    assertFalse(denied.getDecision().approved());
    assertEquals("denied", Live.command(command, null).get("command").get("status").textValue());
  }

  @Test
  void aFutureThatTimesOutCancelsTheCommandOnTheServer() throws Exception {
    String command = Live.unique("or-timeout");
    CompletableFuture<Decision> run = client.runAsync(command);
    Live.command(command, "pending");
    run.orTimeout(100, TimeUnit.MILLISECONDS);
    ExecutionException failed =
        assertThrows(ExecutionException.class, () -> run.get(30, TimeUnit.SECONDS));
    CommandTimeoutException timeout =
        assertInstanceOf(CommandTimeoutException.class, failed.getCause());
    assertNull(timeout.getDecision());
    assertEquals(command, timeout.getCommand());
    Live.command(command, "cancelled");
  }

  @Test
  void aCancelledFutureCancelsTheCommandOnTheServer() throws Exception {
    String command = Live.unique("cancel");
    CompletableFuture<Decision> run = client.runAsync(command);
    Live.command(command, "pending");
    assertTrue(run.cancel(true));
    assertThrows(CancellationException.class, run::join);
    Live.command(command, "cancelled");
  }

  @Test
  void anInterruptedRunCancelsTheCommandOnTheServer() throws Exception {
    String command = Live.unique("interrupt");
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread waiter =
        new Thread(
            () -> {
              try {
                client.run(command);
              } catch (RuntimeException e) {
                thrown.set(e);
              }
            });
    waiter.start();
    Live.command(command, "pending");
    waiter.interrupt();
    waiter.join(30_000);
    assertInstanceOf(CommandTimeoutException.class, thrown.get());
    Live.command(command, "cancelled");
  }

  @Test
  void aWhitelistedCommandIsApprovedAtOnce() throws Exception {
    String command = Live.unique("whitelisted");
    JsonNode rule = Live.whitelist(command);
    Decision decision = client.run(command);
    assertTrue(decision.approved());
    assertTrue(decision.whitelisted());
    assertNull(decision.reviewer());
    assertEquals(rule.get("id").asText(), decision.ruleId());
  }

  @Test
  void aWrongTokenIsAnAuthenticationErrorAtOnce() {
    try (ExpactiClient wrong =
        ExpactiClient.builder()
            .url(Live.url())
            .token("wrong-" + Live.unique("t").substring(5))
            .build()) {
      ExpactiAuthenticationException error =
          assertThrows(ExpactiAuthenticationException.class, wrong::connect);
      assertEquals(401, error.getStatusCode());
      assertThrows(ExpactiAuthenticationException.class, () -> wrong.run("echo never"));
    }
  }
}
