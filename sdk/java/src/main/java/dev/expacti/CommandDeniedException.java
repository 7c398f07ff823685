package dev.expacti;

/** A reviewer denied the command, or it was cancelled; it must not run. */
public class CommandDeniedException extends ExpactiException {
  private static final long serialVersionUID = 1L;

  private final transient Decision decision;

  /** The exception for a {@code denied} or {@code cancelled} decision. */
  public CommandDeniedException(Decision decision) {
    super(message(decision));
    this.decision = decision;
  }

  private static String message(Decision decision) {
    String verb = decision.decision() == DecisionState.CANCELLED ? "cancelled" : "denied";
    String by = decision.reviewer() == null ? "" : " by " + decision.reviewer();
    String why = decision.notes() == null ? "" : ": " + decision.notes();
    return "command " + verb + by + why + " (" + decision.commandId() + ")";
  }

  /** The server's decision ({@code denied} or {@code cancelled}). */
  public Decision getDecision() {
    return decision;
  }

  /** The command the decision is about (the caller's own text). */
  public String getCommand() {
    return decision.command();
  }

  /** The server's id of the command. */
  public String getCommandId() {
    return decision.commandId();
  }

  /** Who denied it; null when the system cancelled it. */
  public String getReviewer() {
    return decision.reviewer();
  }

  /** The reviewer's note, or why the command was cancelled; may be null. */
  public String getNotes() {
    return decision.notes();
  }
}
