package dev.expacti;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How to ask for one command: {@code RunOptions.builder().target("prod").build()}.
 *
 * <p>Immutable and thread-safe (as long as the context's values are not changed after {@code
 * build()}); one instance may serve many runs.
 */
public final class RunOptions {
  static final int MAX_TARGET_CHARS = 255;
  static final Duration MAX_TIMEOUT = Duration.ofSeconds(600);

  private static final RunOptions NONE = builder().build();

  private final String target;
  private final Duration timeout;
  private final Map<String, Object> context;
  private final SessionInfo session;
  private final Consumer<Progress> onProgress;

  private RunOptions(Builder builder) {
    target = builder.target;
    timeout = builder.timeout;
    context = builder.context;
    session = builder.session;
    onProgress = builder.onProgress;
  }

  /** No options: the organisation's timeout, no target, context or session. */
  public static RunOptions defaults() {
    return NONE;
  }

  /** A builder with no option set. */
  public static Builder builder() {
    return new Builder();
  }

  /** The host, cluster or environment the command is for; null if not set. */
  public String target() {
    return target;
  }

  /** How long a human has to decide; null for the organisation's timeout. */
  public Duration timeout() {
    return timeout;
  }

  /** Free-form JSON shown to reviewers (unmodifiable); null if not set. */
  public Map<String, Object> context() {
    return context;
  }

  /** The session the command belongs to; null if not set. */
  public SessionInfo session() {
    return session;
  }

  /** Called with each {@link Progress} of the command; null if not set. */
  public Consumer<Progress> onProgress() {
    return onProgress;
  }

  /** The timeout as the server takes it: whole seconds, rounded up; null if not set. */
  Integer timeoutSeconds() {
    if (timeout == null) {
      return null;
    }
    long seconds = timeout.getSeconds() + (timeout.getNano() > 0 ? 1 : 0);
    return (int) seconds;
  }

  /** Builds {@link RunOptions}; every setter checks its argument at once. */
  public static final class Builder {
    private String target;
    private Duration timeout;
    private Map<String, Object> context;
    private SessionInfo session;
    private Consumer<Progress> onProgress;

    private Builder() {}

    /**
     * The host, cluster or environment the command is for, at most 255 characters; whitelist rules
     * may be scoped to it.
     */
    public Builder target(String target) {
      Objects.requireNonNull(target, "target");
      int length = target.codePointCount(0, target.length());
      if (length > MAX_TARGET_CHARS) {
        throw new IllegalArgumentException(
            "target must be at most " + MAX_TARGET_CHARS + " characters, not " + length);
      }
      this.target = target;
      return this;
    }

    /**
     * How long a human has to decide: more than 0 and at most 600 seconds (sent in whole seconds,
     * rounded up; the organisation's policy may shorten it). The client waits that long plus a few
     * seconds of grace, then cancels the command and throws {@link CommandTimeoutException}.
     */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
        throw new IllegalArgumentException(
            "timeout must be more than 0 and at most 600 seconds, not " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Free-form JSON shown to reviewers, made of JSON's own values: maps with string keys, lists
     * (or arrays), strings, numbers, booleans and null. Copied one level deep.
     *
     * @throws IllegalArgumentException naming the first value that is not one of those
     */
    public Builder context(Map<String, ?> context) {
      Objects.requireNonNull(context, "context");
      Map<String, Object> copy = Collections.unmodifiableMap(new LinkedHashMap<>(context));
      Json.toObject(copy, "context"); // refuses what is not JSON now, not at the first run
      this.context = copy;
      return this;
    }

    /** The session the command belongs to; its goal and steps are shown to reviewers. */
    public Builder session(SessionInfo session) {
      this.session = Objects.requireNonNull(session, "session");
      return this;
    }

    /**
     * Called after each partial approval of a command that needs several, and on escalation, on the
     * thread waiting for the decision. What it throws is logged and ignored: it cannot stop the
     * wait.
     */
    public Builder onProgress(Consumer<Progress> onProgress) {
      this.onProgress = Objects.requireNonNull(onProgress, "onProgress");
      return this;
    }

    /** The options. */
    public RunOptions build() {
      return new RunOptions(this);
    }
  }
}
