package dev.expacti;

/**
 * The server refused the token on the handshake (HTTP 401 or 403), or closed the connection with
 * code 1008 because it was revoked ({@link #getStatusCode()} 401). Never retried.
 */
public class ExpactiAuthenticationException extends ExpactiConnectionException {
  private static final long serialVersionUID = 1L;

  private final int statusCode;

  /** An exception with this message, for this HTTP status. */
  public ExpactiAuthenticationException(String message, int statusCode) {
    super(message);
    this.statusCode = statusCode;
  }

  /** The HTTP status of the refusal: 401 (unknown or revoked token) or 403 (not an agent's). */
  public int getStatusCode() {
    return statusCode;
  }
}
