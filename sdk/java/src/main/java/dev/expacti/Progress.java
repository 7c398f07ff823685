package dev.expacti;

import java.time.Instant;
import java.util.List;

/**
 * A pending command moved on without being decided: a partial approval of a command that needs
 * several, or an escalation ({@code escalated}; {@code expiresAt} then moves later, once). Never a
 * decision, and never an approval.
 *
 * @param commandId the server's id of the command
 * @param approvals approvals so far
 * @param required approvals the command needs
 * @param approvers who approved so far, in order
 * @param escalated the command was escalated to senior reviewers
 * @param expiresAt when the command times out now, on the server's clock
 */
public record Progress(
    String commandId,
    int approvals,
    int required,
    List<String> approvers,
    boolean escalated,
    Instant expiresAt) {

  /** Makes the list of approvers immutable. */
  public Progress {
    approvers = List.copyOf(approvers);
  }
}
