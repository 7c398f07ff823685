package dev.expacti.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * A scripted expacti server for unit tests: a small RFC 6455 server on a loopback port. Each
 * accepted connection is a {@link Peer} the test reads from and writes to, so a test can say
 * exactly what the server sends and when (invalid frames, close codes, a dropped link), which the
 * real server never would.
 */
public final class FakeServer implements AutoCloseable {
  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  private final ServerSocket listener;
  private final String scheme;
  private final BlockingQueue<Peer> peers = new LinkedBlockingQueue<>();
  private final AtomicInteger attempts = new AtomicInteger();
  private volatile int refuseWith;
  private volatile boolean answerPings = true;
  private volatile String hello = ServerSays.hello(Map.of());

  public FakeServer() throws IOException {
    this(null);
  }

  /** A server speaking TLS with {@code tls}'s key ({@code wss://}), or plain text for null. */
  public FakeServer(SSLContext tls) throws IOException {
    scheme = tls == null ? "ws" : "wss";
    listener =
        tls == null
            ? new ServerSocket(0, 50, InetAddress.getLoopbackAddress())
            : tls.getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "fake-server-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The agent WebSocket URL of this server. */
  public String url() {
    return scheme + "://127.0.0.1:" + listener.getLocalPort() + "/shell/ws";
  }

  /** Refuse every handshake from now on with this HTTP status (0: accept again). */
  public void refuseWith(int status) {
    refuseWith = status;
  }

  /** The {@code hello} frame sent on every new connection (null: none). */
  public void hello(String frame) {
    hello = frame;
  }

  /** Whether connections accepted from now on answer the client's {@code ping} (default). */
  public void answerPings(boolean answer) {
    answerPings = answer;
  }

  /** Handshakes attempted so far, accepted or not. */
  public int attempts() {
    return attempts.get();
  }

  /** The next accepted connection; fails the test if none comes within 10 s. */
  public Peer accept() throws InterruptedException {
    Peer peer = peers.poll(10, TimeUnit.SECONDS);
    if (peer == null) {
      throw new AssertionError("the client did not connect");
    }
    return peer;
  }

  /** Stop listening: new connections are refused by the operating system. */
  @Override
  public void close() throws IOException {
    listener.close();
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      try {
        Socket socket = listener.accept();
        attempts.incrementAndGet();
        handshake(socket);
      } catch (IOException e) {
        // closed, or one client went away during its handshake
      }
    }
  }

  private void handshake(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    Map<String, String> headers = readHeaders(in);
    OutputStream out = socket.getOutputStream();
    int status = refuseWith;
    if (status != 0) {
      byte[] body =
          ("{\"error\": {\"code\": \"unauthenticated\", \"message\": \"unknown token\"}}")
              .getBytes(StandardCharsets.UTF_8);
      out.write(
          ("HTTP/1.1 "
                  + status
                  + " Refused\r\nContent-Type: application/json\r\n"
                  + "Content-Length: "
                  + body.length
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      socket.close();
      return;
    }
    out.write(
        ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: "
                + accept(headers.get("sec-websocket-key"))
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    Peer peer = new Peer(socket, headers, answerPings);
    String greeting = hello;
    if (greeting != null) {
      peer.send(greeting);
    }
    peers.add(peer);
  }

  private static Map<String, String> readHeaders(InputStream in) throws IOException {
    Map<String, String> headers = new HashMap<>();
    StringBuilder line = new StringBuilder();
    boolean first = true;
    for (int c = in.read(); c >= 0; c = in.read()) {
      if (c == '\r') {
        continue;
      }
      if (c != '\n') {
        line.append((char) c);
        continue;
      }
      if (line.length() == 0) {
        return headers;
      }
      int colon = line.indexOf(":");
      if (!first && colon > 0) {
        headers.put(
            line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
            line.substring(colon + 1).trim());
      }
      first = false;
      line.setLength(0);
    }
    throw new IOException("the client went away during the handshake");
  }

  private static String accept(String key) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-1")
              .digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
