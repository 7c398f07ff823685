package dev.expacti;

/**
 * Base of every exception the expacti SDK throws.
 *
 * <p>One tree, so a caller can catch as broadly or as narrowly as it needs:
 *
 * <pre>
 * ExpactiException
 * ├── CommandDeniedException          a reviewer denied the command, or it was cancelled
 * ├── CommandTimeoutException         no decision in time: the server's timeout, the
 * │                                   client's deadline, or the caller stopped waiting
 * ├── ExpactiConnectionException      the server is unreachable, was lost for longer than
 * │   │                               the reconnect window, or the client was closed
 * │   └── ExpactiAuthenticationException   the token was refused (HTTP 401/403 on the
 * │                                        handshake) or revoked (close code 1008)
 * └── ExpactiProtocolException        the server refused the command with an error frame,
 *                                     or sent a frame the SDK cannot trust
 * </pre>
 *
 * <p>None of them ever means "approved": whenever the SDK is in doubt it throws, and the command
 * must not run. All are unchecked. A bad argument (a blank command, a timeout out of range) is a
 * programming error, not one of these: it is an {@link IllegalArgumentException} (or a {@link
 * NullPointerException} for a missing one), thrown before anything is sent.
 */
public class ExpactiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** An exception with this message. */
  public ExpactiException(String message) {
    super(message);
  }

  /** An exception with this message and cause. */
  public ExpactiException(String message, Throwable cause) {
    super(message, cause);
  }
}
