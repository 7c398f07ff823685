package dev.expacti;

/**
 * The server refused a frame with an {@code error} frame ({@link #getCode()} is its code, e.g.
 * {@code request_id_conflict}, {@code too_many_pending}), or sent a frame the SDK cannot trust
 * ({@link #getCode()} is null).
 */
public class ExpactiProtocolException extends ExpactiException {
  private static final long serialVersionUID = 1L;

  private final String code;
  private final String requestId;

  /** An exception with this message; {@code code} and {@code requestId} may be null. */
  public ExpactiProtocolException(String message, String code, String requestId) {
    super(message);
    this.code = code;
    this.requestId = requestId;
  }

  /** The server's error code, or null when the server's frame itself was invalid. */
  public String getCode() {
    return code;
  }

  /** The {@code request_id} of the run this is about, when known; else null. */
  public String getRequestId() {
    return requestId;
  }
}
