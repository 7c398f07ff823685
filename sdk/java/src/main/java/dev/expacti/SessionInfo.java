package dev.expacti;

import java.util.List;
import java.util.Objects;

/**
 * What the agent is working on, shown to reviewers beside each command of the session.
 *
 * @param id the session's id, chosen by the agent: 1 to 128 characters
 * @param goal what the session is for; may be null
 * @param steps the plan, in order; may be null
 * @param currentStep the 0-based index into {@code steps} of the step in progress; may be null
 */
public record SessionInfo(String id, String goal, List<String> steps, Integer currentStep) {
  static final int MAX_ID_CHARS = 128;

  /**
   * Checks the fields as the server does.
   *
   * @throws IllegalArgumentException for an empty or too long id
   * @throws NullPointerException for a missing id or a null step
   */
  public SessionInfo {
    Objects.requireNonNull(id, "session id");
    int length = id.codePointCount(0, id.length());
    if (length == 0 || length > MAX_ID_CHARS) {
      throw new IllegalArgumentException(
          "session id must be 1-" + MAX_ID_CHARS + " characters, not " + length);
    }
    steps = steps == null ? null : List.copyOf(steps);
  }

  /** A session known only by its id. */
  public static SessionInfo of(String id) {
    return new SessionInfo(id, null, null, null);
  }

  /** A session with its goal and plan, at step {@code currentStep} (0-based). */
  public static SessionInfo of(String id, String goal, List<String> steps, int currentStep) {
    return new SessionInfo(id, goal, steps, currentStep);
  }
}
