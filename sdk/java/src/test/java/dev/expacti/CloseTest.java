package dev.expacti;

import static dev.expacti.support.Clients.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.expacti.support.FakeServer;
import dev.expacti.support.Peer;
import dev.expacti.support.ServerSays;
import java.util.concurrent.CompletableFuture;
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
}
