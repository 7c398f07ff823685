package dev.expacti.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.expacti.VectorsAccess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The client vectors the SDK builds, sent to the real server in file order on one raw connection of
 * an organisation without whitelist rules: the server answers each as the vector says. With
 * ClientFramesTest this pins that what the SDK sends means what the protocol says.
 */
@Tag("live")
class LiveVectorsTest {
  @Test
  void theSdksFramesAreAnsweredAsTheVectorsSay() throws Exception {
    List<VectorsAccess.Sendable> cases = VectorsAccess.sendable();
    Set<String> types = new TreeSet<>();
    cases.forEach(c -> types.add(c.frame().get("type").textValue()));
    assertEquals(Set.of("cancel", "ping", "session_end", "submit"), types);

    BlockingQueue<JsonNode> inbox = new LinkedBlockingQueue<>();
    WebSocket socket =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .header("Authorization", "Bearer " + Live.env("EXPACTI_LIVE_VECTORS_TOKEN"))
            .buildAsync(URI.create(Live.url()), new Inbox(inbox))
            .get(10, TimeUnit.SECONDS);
    try {
      assertEquals("hello", next(inbox).get("type").textValue());
      for (VectorsAccess.Sendable vector : cases) {
        check(socket, inbox, vector);
      }
    } finally {
      socket.abort();
    }
  }

  private static void check(
      WebSocket socket, BlockingQueue<JsonNode> inbox, VectorsAccess.Sendable vector)
      throws Exception {
    socket.sendText(vector.text(), true).get(10, TimeUnit.SECONDS);
    JsonNode expect = vector.expect();
    ObjectNode frame = vector.frame();
    if (expect.has("error")) {
      JsonNode reply = next(inbox);
      assertEquals("error", reply.get("type").textValue(), vector.name());
      assertEquals(expect.get("error").textValue(), reply.get("code").textValue(), vector.name());
      if (frame.has("request_id")) {
        assertEquals(frame.get("request_id"), reply.get("request_id"), vector.name());
      }
      return;
    }
    if (expect.get("reply").isNull()) {
      String nonce = "after-" + vector.name();
      socket
          .sendText("{\"type\":\"ping\",\"nonce\":\"" + nonce + "\"}", true)
          .get(10, TimeUnit.SECONDS);
      assertEquals(
          Live.JSON.readTree("{\"type\":\"pong\",\"nonce\":\"" + nonce + "\"}"),
          next(inbox),
          vector.name());
      return;
    }
    assertEquals(
        expect.get("reply").textValue(), next(inbox).get("type").textValue(), vector.name());
  }

  private static JsonNode next(BlockingQueue<JsonNode> inbox) throws InterruptedException {
    JsonNode frame = inbox.poll(15, TimeUnit.SECONDS);
    assertNotNull(frame, "the server did not answer");
    return frame;
  }

  /** Every text frame, parsed, in arrival order. */
  private static final class Inbox implements WebSocket.Listener {
    private final BlockingQueue<JsonNode> frames;
    private final StringBuilder partial = new StringBuilder();

    Inbox(BlockingQueue<JsonNode> frames) {
      this.frames = frames;
    }

    @Override
    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        try {
          frames.add(Live.JSON.readTree(partial.toString()));
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        partial.setLength(0);
      }
      socket.request(1);
      return null;
    }
  }
}
