package dev.expacti;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every client frame vector, accounted for: the SDK's builders make exactly the vector's frame for
 * every case the server takes (or refuses for its own state), and refuse every case the server
 * refuses for a reason visible in the frame, before sending.
 */
class ClientFramesTest {
  static List<Vectors.Case> reachable() {
    return Vectors.client().stream().filter(c -> Vectors.outOfReach(c) == null).toList();
  }

  @Test
  void everyCaseIsAccountedFor() {
    List<Vectors.Case> all = Vectors.client();
    assertTrue(all.size() >= 68);
    for (Vectors.Case vector : all) {
      String reason = Vectors.outOfReach(vector);
      if (reason == null) {
        String error = vector.error();
        assertTrue(
            error == null || Vectors.STATEFUL.contains(error) || Vectors.VISIBLE.contains(error),
            vector.name() + " expects " + error + ", which the SDK cannot tell from the frame");
      }
    }
    Set<String> encrypted =
        all.stream()
            .filter(c -> c.frame() != null && c.frame().has("encrypted"))
            .map(Vectors.Case::name)
            .collect(Collectors.toCollection(TreeSet::new));
    Set<String> outOfReachAsEncrypted =
        all.stream()
            .filter(c -> String.valueOf(Vectors.outOfReach(c)).startsWith("end-to-end"))
            .map(Vectors.Case::name)
            .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(encrypted, outOfReachAsEncrypted);
    assertTrue(reachable().size() > 30);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("reachable")
  void vector(Vectors.Case vector) throws Exception {
    ObjectNode frame = Vectors.expanded(vector);
    String error = vector.error();
    if (error == null || Vectors.STATEFUL.contains(error)) {
      assertEquals(Vectors.known(frame), Vectors.JSON.readTree(Vectors.build(frame)));
      return;
    }
    String untypeable = Vectors.untypeable(frame);
    if (untypeable != null) {
      // Java's types cannot hold the value; the case is refused before any SDK code runs.
      assertTrue(error.equals("invalid_frame"), vector.name());
      return;
    }
    RuntimeException refused = null;
    try {
      Vectors.build(frame);
    } catch (IllegalArgumentException | NullPointerException e) {
      refused = e;
    }
    assertNotNull(refused, vector.name() + " must not be built");
    if (error.equals("command_too_large")) {
      assertTrue(refused.getMessage().matches("command is \\d+ bytes; .*"), refused.getMessage());
    }
    if (error.equals("payload_too_large")) {
      assertTrue(refused.getMessage().startsWith("session and context are "), refused.getMessage());
    }
  }

  @Test
  void compactJsonWithoutTheOptionsNotGiven() {
    assertEquals(
        "{\"type\":\"submit\",\"request_id\":\"r-1\",\"command\":\"ls -la\"}",
        ClientFrames.submit("r-1", "ls -la", RunOptions.defaults(), Limits.DEFAULT));
    assertEquals("{\"type\":\"cancel\",\"request_id\":\"r\"}", ClientFrames.cancel("r", null));
    assertEquals("{\"type\":\"ping\"}", ClientFrames.ping(null));
    assertEquals(
        "{\"type\":\"session_end\",\"session_id\":\"s\",\"status\":\"failed\"}",
        ClientFrames.sessionEnd("s", SessionStatus.FAILED));
  }

  @Test
  void theTimeoutGoesInWholeSecondsRoundedUp() throws Exception {
    RunOptions options = RunOptions.builder().timeout(Duration.ofMillis(1500)).build();
    String frame = ClientFrames.submit("r", "ls", options, Limits.DEFAULT);
    assertEquals(2, Vectors.JSON.readTree(frame).get("timeout_seconds").intValue());
  }

  @Test
  void theCommandIsMeasuredInUtf8Bytes() {
    Limits small = new Limits(6, 1048576, 16384);
    ClientFrames.submit("r", "é€", RunOptions.defaults(), small); // 2 + 3 bytes
    IllegalArgumentException error =
        assertThrows(
            IllegalArgumentException.class,
            () -> ClientFrames.submit("r", "ééé€", RunOptions.defaults(), small));
    assertEquals("command is 9 bytes; the server takes at most 6", error.getMessage());
  }

  @Test
  void metadataIsMeasuredAsTheServerDoesWithNonAsciiEscaped() {
    // 10 characters of "é" are 60 bytes of JSON once escaped: [null,{"k":"\u00e9..."}]
    Map<String, Object> context = Map.of("k", "é".repeat(10));
    int size = "[null,{\"k\":\"\"}]".length() + 60;
    Limits exact = new Limits(65536, 1048576, size);
    RunOptions options = RunOptions.builder().context(context).build();
    ClientFrames.submit("r", "ls", options, exact);
    Limits smaller = new Limits(65536, 1048576, size - 1);
    IllegalArgumentException error =
        assertThrows(
            IllegalArgumentException.class, () -> ClientFrames.submit("r", "ls", options, smaller));
    assertEquals(
        "session and context are "
            + size
            + " bytes of JSON; the server takes at most "
            + (size - 1),
        error.getMessage());
  }

  @Test
  void whiteSpaceOfEveryKindIsBlank() {
    for (String blank : List.of(" ", "\t\n", "\u00a0", "\u2003", "\u0085", "\u3000")) {
      assertThrows(
          IllegalArgumentException.class,
          () -> ClientFrames.submit("r", blank, RunOptions.defaults(), Limits.DEFAULT),
          () -> "blank: " + (int) blank.charAt(0));
    }
  }

  @Test
  void contextThatIsNotJsonIsRefusedWhenItIsSet() {
    Map<String, Object> context = Map.of("deep", Map.of("list", List.of(1, new Object())));
    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> RunOptions.builder().context(context));
    assertTrue(
        error.getMessage().startsWith("context.deep.list[1] is a java.lang.Object"),
        error.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> RunOptions.builder().context(Map.of("n", Double.NaN)));
  }
}
