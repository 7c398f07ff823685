package dev.expacti;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the builders refuse at once, before anything is sent. */
class ArgumentsTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://localhost:3001/shell/ws",
        "ws://localhost:3001/",
        "ws:///shell/ws",
        "localhost:3001/shell/ws",
        "ws://user:secret@localhost/shell/ws",
        "ws://localhost/shell/ws?token=abc",
        "not a url",
      })
  void urlsThatAreNotTheAgentWebSocketAreRefused(String url) {
    assertThrows(IllegalArgumentException.class, () -> ExpactiClient.builder().url(url));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://host.example/x?token=SECRET",
        "wss://alice:SECRET@host.example/foo",
        "wss://host.example/shell/ws?token=SECRET",
        "wss://host.example/shell/ws#SECRET",
        "wss://host.example/SECRET",
        "wss://host.example/shell/ws?token=SECRET with a space",
        "SECRET:opaque",
        "wss://[SECRET/shell/ws",
      })
  void aRefusedUrlIsNamedOnlyByItsSchemeAndHost(String url) {
    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> ExpactiClient.builder().url(url));
    for (Throwable shown = error; shown != null; shown = shown.getCause()) {
      assertFalse(String.valueOf(shown.getMessage()).contains("SECRET"), shown.getMessage());
      assertFalse(String.valueOf(shown.getMessage()).contains("alice"), shown.getMessage());
    }
  }

  @Test
  void wsAndWssUrlsAreTaken() {
    ExpactiClient.builder().url("ws://localhost:3001/shell/ws");
    ExpactiClient.builder().url("wss://expacti.example.com/gate/shell/ws");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "has space", "tab\there", "naïve"})
  void tokensThatCannotTravelInAHeaderAreRefused(String token) {
    assertThrows(IllegalArgumentException.class, () -> ExpactiClient.builder().token(token));
  }

  @Test
  void aClientNeedsAUrlAndAToken() {
    assertThrows(IllegalArgumentException.class, () -> ExpactiClient.builder().token("t").build());
    assertThrows(
        IllegalArgumentException.class,
        () -> ExpactiClient.builder().url("ws://h/shell/ws").build());
    assertThrows(NullPointerException.class, () -> ExpactiClient.builder().url((String) null));
  }

  @Test
  void theTokenIsNeverShown() {
    ExpactiClient.Builder builder =
        ExpactiClient.builder().url("ws://h/shell/ws").token("secret-token");
    assertFalse(builder.toString().contains("secret-token"));
    try (ExpactiClient client = builder.build()) {
      assertFalse(client.toString().contains("secret-token"));
    }
  }

  @Test
  void durationsMustBePositive() {
    ExpactiClient.Builder builder = ExpactiClient.builder();
    assertThrows(IllegalArgumentException.class, () -> builder.connectTimeout(Duration.ZERO));
    assertThrows(
        IllegalArgumentException.class, () -> builder.reconnectTimeout(Duration.ofSeconds(-1)));
    assertThrows(IllegalArgumentException.class, () -> builder.maxBackoff(Duration.ZERO));
  }

  @Test
  void theTimeoutIsMoreThan0AndAtMost600Seconds() {
    assertThrows(IllegalArgumentException.class, () -> RunOptions.builder().timeout(Duration.ZERO));
    assertThrows(
        IllegalArgumentException.class,
        () -> RunOptions.builder().timeout(Duration.ofMillis(600_001)));
    assertEquals(
        600, RunOptions.builder().timeout(Duration.ofSeconds(600)).build().timeoutSeconds());
    assertEquals(1, RunOptions.builder().timeout(Duration.ofMillis(1)).build().timeoutSeconds());
  }

  @Test
  void theTargetIsAtMost255Characters() {
    RunOptions.builder().target("é".repeat(255));
    assertThrows(
        IllegalArgumentException.class, () -> RunOptions.builder().target("x".repeat(256)));
  }

  @Test
  void aSessionNeedsAnIdOfAtMost128Characters() {
    assertThrows(NullPointerException.class, () -> new SessionInfo(null, "goal", null, null));
    assertThrows(IllegalArgumentException.class, () -> SessionInfo.of(""));
    assertThrows(IllegalArgumentException.class, () -> SessionInfo.of("s".repeat(129)));
    List<String> steps = new ArrayList<>(List.of("plan"));
    SessionInfo session = SessionInfo.of("s-1", "goal", steps, 0);
    steps.add("later");
    assertEquals(List.of("plan"), session.steps());
    assertNull(SessionInfo.of("s").steps());
  }

  @Test
  void optionsAreImmutable() {
    java.util.Map<String, Object> context = new java.util.HashMap<>();
    context.put("a", 1);
    RunOptions options = RunOptions.builder().context(context).build();
    context.put("b", 2);
    assertEquals(java.util.Map.of("a", 1), options.context());
    assertThrows(UnsupportedOperationException.class, () -> options.context().put("c", 3));
    assertNull(RunOptions.defaults().target());
  }

  @Test
  void aDecisionIsApprovedExactlyWhenItsStateIsApproved() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new Decision(
                true,
                DecisionState.DENIED,
                "c",
                "ls",
                false,
                "ls",
                null,
                null,
                false,
                null,
                0,
                List.of(),
                List.of(),
                0,
                "r"));
    assertTrue(
        new Decision(
                true,
                DecisionState.APPROVED,
                "c",
                "ls",
                false,
                "ls",
                null,
                null,
                true,
                "w",
                0,
                List.of(),
                List.of(),
                0,
                "r")
            .approved());
  }

  @Test
  void backoffGrowsFromATenthOfASecondToItsCap() {
    Duration cap = Duration.ofSeconds(5);
    assertEquals(0, Backoff.delayNanos(0, cap, () -> 0.99));
    assertEquals(Duration.ofMillis(100).toNanos(), Backoff.delayNanos(1, cap, () -> 1.0));
    assertEquals(Duration.ofMillis(400).toNanos(), Backoff.delayNanos(3, cap, () -> 1.0));
    assertEquals(cap.toNanos(), Backoff.delayNanos(1000, cap, () -> 1.0));
    assertEquals(0, Backoff.delayNanos(5, cap, () -> 0.0));
  }
}
