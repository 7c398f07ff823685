package dev.expacti;

/**
 * The server could not be reached, the connection was lost and not resumed within the reconnect
 * window or before the deadline, or the client was closed ("client closed").
 */
public class ExpactiConnectionException extends ExpactiException {
  private static final long serialVersionUID = 1L;

  /** An exception with this message. */
  public ExpactiConnectionException(String message) {
    super(message);
  }

  /** An exception with this message and cause. */
  public ExpactiConnectionException(String message, Throwable cause) {
    super(message, cause);
  }
}
