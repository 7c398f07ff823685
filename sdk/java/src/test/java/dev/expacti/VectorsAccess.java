package dev.expacti;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** The vectors the SDK builds and the server answers whatever the SDK's own checks say. */
public final class VectorsAccess {
  /** One such case: its frame, the text the SDK's builder made of it, and the expectation. */
  public record Sendable(String name, ObjectNode frame, String text, JsonNode expect) {}

  private VectorsAccess() {}

  /** In file order: later cases rely on earlier ones (a reused request_id, a cancel). */
  public static List<Sendable> sendable() {
    return Vectors.client().stream()
        .filter(c -> Vectors.outOfReach(c) == null)
        .filter(c -> c.error() == null || Vectors.STATEFUL.contains(c.error()))
        .map(
            c -> {
              ObjectNode frame = Vectors.expanded(c);
              return new Sendable(c.name(), frame, Vectors.build(frame), c.expect());
            })
        .toList();
  }
}
