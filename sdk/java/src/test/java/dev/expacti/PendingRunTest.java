package dev.expacti;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.expacti.ServerFrame.ProgressFrame;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The client's deadline: what sets it and what moves it, without waiting for it. */
class PendingRunTest {
  private static final Instant EXPIRES = Instant.parse("2026-11-21T10:01:00Z");
  private static final long SECOND = Duration.ofSeconds(1).toNanos();

  private static PendingRun run(Duration timeout) {
    return new PendingRun(
        "r", "ls", "{}", timeout, Duration.ofSeconds(5), null, System.getLogger("test"));
  }

  private static ProgressFrame progress(boolean escalated, Instant expiresAt) {
    return new ProgressFrame("r", "c", 0, 1, List.of(), escalated, expiresAt);
  }

  @Test
  void theRunsOwnTimeoutPlusGraceCountsFromTheFirstSend() {
    PendingRun run = run(Duration.ofSeconds(30));
    run.sent();
    long first = run.deadline();
    run.sent(); // a re-send after a reconnect starts nothing anew
    assertEquals(first, run.deadline());
    run.setPolicy(60); // the organisation's timeout does not override the run's own
    assertEquals(first, run.deadline());
  }

  @Test
  void withoutItsOwnTimeoutTheOrganisationsApplies() {
    PendingRun run = run(null);
    run.sent();
    long unknown = run.deadline(); // 600 s before any hello
    run.setPolicy(60);
    assertEquals(unknown - 540 * SECOND, run.deadline());
  }

  @Test
  void anEscalationMovesTheDeadlineByAsMuchAsItMovedExpiresAt() {
    PendingRun run = run(null);
    run.setPolicy(60);
    run.sent();
    long before = run.deadline();
    run.expiresAt(EXPIRES);
    run.progressed(progress(false, EXPIRES.plusSeconds(30))); // not an escalation: no change
    assertEquals(before, run.deadline());
    run.progressed(progress(true, EXPIRES.plusSeconds(150)));
    assertEquals(before + 120 * SECOND, run.deadline());
  }

  @Test
  void anEscalationDoesNotMoveARunWithItsOwnTimeout() {
    PendingRun run = run(Duration.ofSeconds(30));
    run.sent();
    long before = run.deadline();
    run.expiresAt(EXPIRES);
    run.progressed(progress(true, EXPIRES.plusSeconds(300)));
    assertEquals(before, run.deadline());
  }

  @Test
  void escalationsExtendByAtMost600Seconds() {
    PendingRun run = run(null);
    run.setPolicy(60);
    run.sent();
    long before = run.deadline();
    run.expiresAt(EXPIRES);
    run.progressed(progress(true, EXPIRES.plusSeconds(500)));
    run.progressed(progress(true, EXPIRES.plusSeconds(1000)));
    assertEquals(before + 600 * SECOND, run.deadline());
  }
}
