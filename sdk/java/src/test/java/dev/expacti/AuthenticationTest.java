package dev.expacti;

import static dev.expacti.support.Clients.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.expacti.support.FakeServer;
import dev.expacti.support.Peer;
import dev.expacti.support.ServerSays;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A refused or revoked token ends the runs at once, and is never retried. */
class AuthenticationTest {
  private FakeServer server;
  private ExpactiClient client;

  @BeforeEach
  void start() throws Exception {
    server = new FakeServer();
    client = ExpactiClient.builder().url(server.url()).token("wrong-token").build();
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.close();
  }

  @Test
  void a401HandshakeIsAnAuthenticationErrorWithoutRetry() throws Exception {
    server.refuseWith(401);
    ExpactiAuthenticationException error =
        assertInstanceOf(ExpactiAuthenticationException.class, failure(client.runAsync("ls")));
    assertEquals(401, error.getStatusCode());
    assertTrue(error.getMessage().contains("unknown token"), error.getMessage());
    assertEquals(1, server.attempts());
  }

  @Test
  void a403HandshakeFailsConnect() {
    server.refuseWith(403);
    ExpactiAuthenticationException error =
        assertThrows(ExpactiAuthenticationException.class, client::connect);
    assertEquals(403, error.getStatusCode());
    assertEquals(1, server.attempts());
  }

  @Test
  void closeCode1008IsAnAuthenticationError() throws Exception {
    CompletableFuture<Decision> run = client.runAsync("ls");
    Peer peer = server.accept();
    String requestId = peer.receive("submit").get("request_id").textValue();
    peer.send(ServerSays.accepted(requestId, "cmd_1"));
    peer.close(1008, "token revoked");
    ExpactiAuthenticationException error =
        assertInstanceOf(ExpactiAuthenticationException.class, failure(run));
    assertTrue(error.getMessage().contains("token revoked"), error.getMessage());
  }
}
