package dev.expacti;

/** A command's final state, as the server's {@code decision} field names it. */
public enum DecisionState {
  /** A reviewer (or a whitelist rule) approved it: the only state in which it may run. */
  APPROVED("approved"),
  /** A reviewer denied it. */
  DENIED("denied"),
  /** Nobody decided before the command's deadline. */
  TIMED_OUT("timed_out"),
  /** The agent (or an administrator) cancelled it. */
  CANCELLED("cancelled");

  private final String wireName;

  DecisionState(String wireName) {
    this.wireName = wireName;
  }

  /**
   * The name on the wire: {@code approved}, {@code denied}, {@code timed_out}, {@code cancelled}.
   */
  public String wireName() {
    return wireName;
  }

  /** The state the wire calls {@code name}, or null for a name the protocol does not know. */
  static DecisionState fromWire(String name) {
    for (DecisionState state : values()) {
      if (state.wireName.equals(name)) {
        return state;
      }
    }
    return null;
  }
}
