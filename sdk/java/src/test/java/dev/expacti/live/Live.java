package dev.expacti.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The live environment sdk/testing/live_server.py provides, and its control API. A variable that is
 * missing fails the test: live tests never skip themselves.
 */
final class Live {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Live() {}

  static String env(String name) {
    String value = System.getenv(name);
    if (value == null || value.isEmpty()) {
      throw new AssertionError(
          name + " is not set: the live tests run under sdk/testing/live_server.py (make test)");
    }
    return value;
  }

  static String url() {
    return env("EXPACTI_LIVE_URL");
  }

  static String agentToken() {
    return env("EXPACTI_LIVE_AGENT_TOKEN");
  }

  /** A command line no other test submits. */
  static String unique(String what) {
    byte[] random = new byte[6];
    ThreadLocalRandom.current().nextBytes(random);
    return "echo java-" + what + "-" + HexFormat.of().formatHex(random);
  }

  /** {@code POST /decide}: wait until {@code command} is pending, then decide it. */
  static JsonNode decide(String command, String action, String note, String edit)
      throws IOException, InterruptedException {
    ObjectNode body = JSON.createObjectNode().put("command", command).put("action", action);
    if (note != null) {
      body.put("note", note);
    }
    if (edit != null) {
      body.put("edit", edit);
    }
    return post("/decide", body);
  }

  /** {@code GET /command}: the newest command with this text, once it has {@code status}. */
  static JsonNode command(String text, String status) throws IOException, InterruptedException {
    String query = "?text=" + URLEncoder.encode(text, StandardCharsets.UTF_8);
    if (status != null) {
      query += "&status=" + status;
    }
    return call(HttpRequest.newBuilder(control("/command" + query)).GET());
  }

  static JsonNode whitelist(String pattern) throws IOException, InterruptedException {
    return post("/whitelist", JSON.createObjectNode().put("pattern", pattern));
  }

  /** {@code POST /cut}: reset every proxied connection; refuse new ones for a while. */
  static JsonNode cut(double refuseSeconds) throws IOException, InterruptedException {
    return post("/cut", JSON.createObjectNode().put("refuse_seconds", refuseSeconds));
  }

  private static JsonNode post(String path, ObjectNode body)
      throws IOException, InterruptedException {
    return call(
        HttpRequest.newBuilder(control(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
  }

  private static URI control(String path) {
    return URI.create(env("EXPACTI_LIVE_CONTROL") + path);
  }

  private static JsonNode call(HttpRequest.Builder request)
      throws IOException, InterruptedException {
    HttpResponse<String> response =
        HTTP.send(
            request.timeout(Duration.ofSeconds(70)).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() >= 300) {
      throw new AssertionError(
          request.build().uri().getPath()
              + ": HTTP "
              + response.statusCode()
              + " "
              + response.body());
    }
    return JSON.readTree(response.body());
  }
}
