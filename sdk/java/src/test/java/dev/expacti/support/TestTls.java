package dev.expacti.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throwaway certificate (for 127.0.0.1 unless told otherwise), made by the JDK's keytool: the
 * server's TLS context holds its key, a client's trusts only it.
 */
public final class TestTls {
  private static final char[] PASSWORD = "changeit".toCharArray();

  private final KeyStore store;

  private TestTls(KeyStore store) {
    this.store = store;
  }

  public static TestTls create()
      throws IOException, InterruptedException, GeneralSecurityException {
    return create("ip:127.0.0.1");
  }

  /** A certificate issued for {@code san} (keytool's form: {@code ip:…} or {@code dns:…}). */
  public static TestTls create(String san)
      throws IOException, InterruptedException, GeneralSecurityException {
    Path dir = Files.createTempDirectory("expacti-tls");
    Path file = dir.resolve("server.p12");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Process process =
        new ProcessBuilder(
                keytool,
                "-genkeypair",
                "-alias",
                "server",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=expacti test",
                "-ext",
                "san=" + san,
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                file.toString(),
                "-storepass",
                new String(PASSWORD),
                "-keypass",
                new String(PASSWORD))
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes());
    if (process.waitFor() != 0) {
      throw new IOException("keytool failed: " + output);
    }
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(file)) {
      store.load(in, PASSWORD);
    }
    Files.delete(file);
    Files.delete(dir);
    return new TestTls(store);
  }

  /** The server's side: its key and certificate. */
  public SSLContext server() throws GeneralSecurityException {
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, PASSWORD);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys.getKeyManagers(), null, null);
    return context;
  }

  /** A client's side: trusts this certificate and nothing else. */
  public SSLContext client() throws GeneralSecurityException {
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }
}
