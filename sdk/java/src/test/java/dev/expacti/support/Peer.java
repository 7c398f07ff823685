package dev.expacti.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** One client connection of the {@link FakeServer}: what it received, and what to send it. */
public final class Peer {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Socket socket;
  private final Map<String, String> headers;
  private final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
  private final CountDownLatch ended = new CountDownLatch(1);
  private volatile int closeCode = -1;
  private volatile boolean stopReading;
  private final CountDownLatch stalled = new CountDownLatch(1);
  private final CountDownLatch dropped = new CountDownLatch(1);

  private final boolean answerPings;

  Peer(Socket socket, Map<String, String> headers, boolean answerPings) {
    this.socket = socket;
    this.headers = headers;
    this.answerPings = answerPings;
    Thread reader = new Thread(this::readLoop, "fake-server-peer");
    reader.setDaemon(true);
    reader.start();
  }

  /** A header of the handshake (lower-case name), or null. */
  public String header(String name) {
    return headers.get(name);
  }

  /**
   * The next text frame from the client, parsed; the heartbeat's pings are skipped. Fails the test
   * if none comes within 10 s.
   */
  public JsonNode receive() throws InterruptedException {
    for (; ; ) {
      JsonNode frame = received.poll(10, TimeUnit.SECONDS);
      if (frame == null) {
        throw new AssertionError("the client sent nothing");
      }
      if (!frame.path("type").asText().equals("ping")) {
        return frame;
      }
    }
  }

  /** The next frame from the client, which must be of {@code type}. */
  public JsonNode receive(String type) throws InterruptedException {
    JsonNode frame = receive();
    if (!frame.path("type").asText().equals(type)) {
      throw new AssertionError("expected a " + type + " frame, got " + frame);
    }
    return frame;
  }

  /** Send a text frame. */
  public synchronized void send(String text) {
    write(0x1, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Send a binary frame. */
  public synchronized void sendBinary(byte[] data) {
    write(0x2, data);
  }

  /** Send a close frame with this code and reason (the client answers and goes). */
  public synchronized void close(int code, String reason) {
    byte[] text = reason.getBytes(StandardCharsets.UTF_8);
    write(0x8, ByteBuffer.allocate(2 + text.length).putShort((short) code).put(text).array());
  }

  /**
   * Cut the TCP connection without a closing handshake. Call it while the client has nothing to
   * read: the JDK's WebSocket may miss an end of stream that arrives right behind a frame (the
   * heartbeat notices those, later).
   */
  public void drop() {
    dropped.countDown();
    try {
      socket.close();
    } catch (IOException e) {
      // already gone
    }
  }

  /**
   * Stop reading at the header of the next frame from the client, leaving its payload unread, until
   * {@link #drop()}: a server that hangs, so the client's writes stall once the socket's buffers
   * are full.
   */
  public void stopReading() {
    stopReading = true;
  }

  /** Wait until the reader stopped at a frame's header after {@link #stopReading()}. */
  public void awaitStalled() throws InterruptedException {
    if (!stalled.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("the client sent no frame to stall on");
    }
  }

  /** Wait until the client closed the connection; the close code it sent, or -1. */
  public int awaitEnd() throws InterruptedException {
    if (!ended.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("the client kept the connection open");
    }
    return closeCode;
  }

  private void taken(JsonNode frame) {
    if (!frame.path("type").asText().equals("ping")) {
      received.add(frame);
    } else if (answerPings) {
      ObjectNode pong = JSON.createObjectNode().put("type", "pong");
      pong.set("nonce", frame.get("nonce"));
      send(pong.toString());
    }
  }

  private void write(int opcode, byte[] payload) {
    try {
      ByteArrayOutputStream frame = new ByteArrayOutputStream();
      frame.write(0x80 | opcode);
      if (payload.length < 126) {
        frame.write(payload.length);
      } else if (payload.length < 65536) {
        frame.write(126);
        frame.write(payload.length >>> 8);
        frame.write(payload.length & 0xff);
      } else {
        frame.write(127);
        frame.write(ByteBuffer.allocate(8).putLong(payload.length).array());
      }
      frame.write(payload);
      OutputStream out = socket.getOutputStream();
      out.write(frame.toByteArray());
      out.flush();
    } catch (IOException e) {
      // the client went away; what it missed is the test's to notice
    }
  }

  private void readLoop() {
    try {
      DataInputStream in = new DataInputStream(socket.getInputStream());
      ByteArrayOutputStream message = new ByteArrayOutputStream();
      for (; ; ) {
        int first = in.readUnsignedByte();
        int second = in.readUnsignedByte();
        long length = second & 0x7f;
        if (length == 126) {
          length = in.readUnsignedShort();
        } else if (length == 127) {
          length = in.readLong();
        }
        if (stopReading) {
          stalled.countDown();
          dropped.await();
          return;
        }
        byte[] mask = new byte[4];
        if ((second & 0x80) != 0) {
          in.readFully(mask);
        }
        byte[] payload = new byte[(int) length];
        in.readFully(payload);
        for (int i = 0; i < payload.length; i++) {
          payload[i] ^= mask[i % 4];
        }
        int opcode = first & 0x0f;
        if (opcode == 0x8) {
          closeCode = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : -1;
          synchronized (this) {
            write(0x8, payload);
          }
          break;
        } else if (opcode == 0x9) {
          synchronized (this) {
            write(0xA, payload);
          }
        } else if (opcode == 0x1 || opcode == 0x0) {
          message.write(payload);
          if ((first & 0x80) != 0) {
            taken(JSON.readTree(message.toString(StandardCharsets.UTF_8)));
            message.reset();
          }
        }
      }
    } catch (EOFException e) {
      // the client dropped the connection
    } catch (IOException e) {
      // dropped by either side
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      drop();
      ended.countDown();
    }
  }
}
