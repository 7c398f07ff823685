package dev.expacti;

/**
 * No decision arrived in time.
 *
 * <p>{@link #getDecision()} is the server's {@code timed_out} decision, or null when the client
 * stopped waiting first: its own deadline passed, the waiting thread was interrupted, or the future
 * of {@code runAsync} was cancelled or timed out. The SDK then sent {@code cancel}, so the server
 * cancels the command.
 */
public class CommandTimeoutException extends ExpactiException {
  private static final long serialVersionUID = 1L;

  private final String command;
  private final transient Decision decision;

  /** The exception for the server's {@code timed_out} decision. */
  public CommandTimeoutException(Decision decision) {
    super(
        "command timed out"
            + (decision.notes() == null ? "" : ": " + decision.notes())
            + " ("
            + decision.commandId()
            + ")");
    this.command = decision.originalCommand();
    this.decision = decision;
  }

  /** The exception for a wait the client ended itself; {@code cause} may be null. */
  public CommandTimeoutException(String command, String message, Throwable cause) {
    super(message, cause);
    this.command = command;
    this.decision = null;
  }

  /** The command that was submitted. */
  public String getCommand() {
    return command;
  }

  /** The server's {@code timed_out} decision, or null when the client stopped waiting. */
  public Decision getDecision() {
    return decision;
  }

  /** The server's id of the command, when the server decided the timeout; else null. */
  public String getCommandId() {
    return decision == null ? null : decision.commandId();
  }
}
