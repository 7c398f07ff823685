package dev.expacti.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.expacti.Decision;
import dev.expacti.ExpactiClient;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * A decision made while the connection was cut reaches the run once it resumes, on the same
 * command. Isolated: a cut drops every connection through the proxy.
 */
@Tag("live")
@Isolated
class LiveReconnectTest {
  @Test
  void aDecisionMadeWhileCutOffArrivesAfterTheResume() throws Exception {
    try (ExpactiClient client =
        ExpactiClient.builder().url(Live.url()).token(Live.agentToken()).build()) {
      String command = Live.unique("resume");
      CompletableFuture<Decision> run = client.runAsync(command);
      Live.command(command, "pending");
      assertTrue(Live.cut(1.5).get("cut").intValue() >= 1);
      JsonNode decided = Live.decide(command, "approve", null, null);

      Decision decision = run.get(60, TimeUnit.SECONDS);
      assertTrue(decision.approved());
      assertEquals(decided.get("id").textValue(), decision.commandId());
      assertEquals(1, Live.command(command, null).get("count").intValue());
    }
  }
}
