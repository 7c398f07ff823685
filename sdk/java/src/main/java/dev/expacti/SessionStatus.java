package dev.expacti;

/** How a session ended, as {@link ExpactiClient#endSession} reports it. */
public enum SessionStatus {
  /** The agent reached its goal. */
  COMPLETED("completed"),
  /** The agent gave up (e.g. after a denial). */
  FAILED("failed");

  private final String wireName;

  SessionStatus(String wireName) {
    this.wireName = wireName;
  }

  /** The name on the wire: {@code completed} or {@code failed}. */
  public String wireName() {
    return wireName;
  }
}
