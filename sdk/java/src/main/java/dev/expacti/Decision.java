package dev.expacti;

import java.util.List;
import java.util.Objects;

/**
 * A command's final decision: the server's {@code decision} frame plus what was asked.
 *
 * <p>{@code approved} is true only when {@code decision} is {@link DecisionState#APPROVED}; only
 * then may the command run. Run {@link #command()}: the caller's own text, unless a reviewer edited
 * it before approving ({@link #edited()}), then the edited text; never run {@link
 * #originalCommand()} after an edit.
 *
 * @param approved true only for an approval
 * @param decision the final state
 * @param commandId the server's id of the command
 * @param command the command to run: the reviewer's text after an edit, else the caller's own
 * @param edited a reviewer changed the command before approving it
 * @param originalCommand what the caller submitted
 * @param reviewer who decided; null for whitelist hits, timeouts and cancellations
 * @param notes the reviewer's note, or why the command timed out or was cancelled; may be null
 * @param whitelisted approved by a whitelist rule, without a human
 * @param ruleId the (first) whitelist rule that matched; may be null
 * @param riskScore the server's risk assessment, 0 to 100
 * @param anomalies ids of the risk rules that found something, highest score first
 * @param approvers the reviewers who approved, in order; empty when whitelisted or not approved
 * @param latencyMs milliseconds from submission to decision, measured by the server
 * @param requestId the idempotency key the SDK chose for this run
 */
public record Decision(
    boolean approved,
    DecisionState decision,
    String commandId,
    String command,
    boolean edited,
    String originalCommand,
    String reviewer,
    String notes,
    boolean whitelisted,
    String ruleId,
    int riskScore,
    List<String> anomalies,
    List<String> approvers,
    double latencyMs,
    String requestId) {

  /** Checks that the decision is consistent and makes its lists immutable. */
  public Decision {
    Objects.requireNonNull(decision, "decision");
    Objects.requireNonNull(commandId, "commandId");
    Objects.requireNonNull(command, "command");
    Objects.requireNonNull(originalCommand, "originalCommand");
    Objects.requireNonNull(requestId, "requestId");
    if (approved != (decision == DecisionState.APPROVED)) {
      throw new IllegalArgumentException("approved must be true exactly when decision is APPROVED");
    }
    anomalies = List.copyOf(anomalies);
    approvers = List.copyOf(approvers);
  }
}
