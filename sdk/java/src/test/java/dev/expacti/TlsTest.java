package dev.expacti;

import static dev.expacti.support.Clients.failure;
import static dev.expacti.support.Clients.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

  @Test
  void aCertificateFromAnotherCaFailsAtOnceWithoutRetries() throws Exception {
    TestTls other = TestTls.create();
    try (FakeServer server = new FakeServer(tls.server());
        ExpactiClient client =
            ExpactiClient.builder()
                .url(server.url())
                .token("t")
                .sslContext(other.client())
                .reconnectTimeout(Duration.ofSeconds(5))
                .build()) {
      ExpactiConnectionException error =
          assertInstanceOf(ExpactiConnectionException.class, failure(client.runAsync("ls")));
      assertEquals(1, server.attempts()); // not retried
      assertTrue(error.getMessage().contains("not trusted"), error.getMessage());
    }
  }

  @Test
  void aCertificateForAnotherHostIsRefused() throws Exception {
    TestTls elsewhere = TestTls.create("dns:elsewhere.example");
    try (FakeServer server = new FakeServer(elsewhere.server());
        ExpactiClient client =
            ExpactiClient.builder()
                .url(server.url())
                .token("t")
                .sslContext(elsewhere.client()) // trusted, but issued for another name
                .reconnectTimeout(Duration.ofSeconds(5))
                .build()) {
      ExpactiConnectionException error =
          assertThrows(ExpactiConnectionException.class, client::connect);
      assertEquals(1, server.attempts()); // not retried
      assertTrue(error.getMessage().contains("not trusted"), error.getMessage());
    }
  }
}
