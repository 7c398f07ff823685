package dev.expacti;

import static dev.expacti.support.Clients.failure;
import static dev.expacti.support.Clients.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.expacti.support.FakeServer;
import dev.expacti.support.Peer;
import dev.expacti.support.ServerSays;
import dev.expacti.support.TestTls;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** wss:// with the caller's trust: the certificate is checked, the token travels encrypted. */
class TlsTest {
  private static TestTls tls;

  @BeforeAll
  static void certificate() throws Exception {
    tls = TestTls.create();
  }

  @Test
  void aTrustedServerIsReachedOverWss() throws Exception {
    try (FakeServer server = new FakeServer(tls.server());
        ExpactiClient client =
            ExpactiClient.builder().url(server.url()).token("t").sslContext(tls.client()).build()) {
      assertTrue(server.url().startsWith("wss://"));
      CompletableFuture<Decision> run = client.runAsync("ls");
      Peer peer = server.accept();
      assertEquals("Bearer t", peer.header("authorization"));
      String requestId = peer.receive("submit").get("request_id").textValue();
      peer.send(ServerSays.decision(requestId, "cmd_1", "approved", "alice").toString());
      assertTrue(value(run).approved());
    }
  }

  @Test
  void anUntrustedCertificateIsAConnectionError() throws Exception {
    try (FakeServer server = new FakeServer(tls.server());
        ExpactiClient client =
            ExpactiClient.builder()
                .url(server.url())
                .token("t")
                .reconnectTimeout(Duration.ofMillis(500))
                .build()) {
      assertInstanceOf(ExpactiConnectionException.class, failure(client.runAsync("ls")));
    }
  }
}
