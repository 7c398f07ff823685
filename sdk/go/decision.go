package expacti

import "time"

// DecisionState is a command's final state.
type DecisionState string

// The four final states of a command.
const (
	Approved  DecisionState = "approved"
	Denied    DecisionState = "denied"
	TimedOut  DecisionState = "timed_out"
	Cancelled DecisionState = "cancelled"
)

// Decision is the final word on a command: the server's decision frame plus what was
// asked. Run returns one only when Approved is true; the other states arrive inside the
// error (*CommandDeniedError, *TimeoutError).
//
// Run Command, not what you submitted: a reviewer may have edited it before approving
// (Edited), and then OriginalCommand must never run.
type Decision struct {
	// Approved is true only when Decision is Approved; only then may the command run.
	Approved bool
	// Decision is the final state.
	Decision DecisionState
	// CommandID is the server's id of the command.
	CommandID string
	// Command is what to run: the reviewer's text after an edit, else the caller's own.
	Command string
	// Edited: a reviewer changed the command before approving it.
	Edited bool
	// OriginalCommand is what the caller submitted.
	OriginalCommand string
	// Reviewer is who decided; "" for whitelist hits, timeouts and cancellations.
	Reviewer string
	// Notes is the reviewer's note, or why the command timed out or was cancelled.
	Notes string
	// Whitelisted: approved by a whitelist rule, without a human.
	Whitelisted bool
	// RuleID is the (first) whitelist rule that matched; "" when none did.
	RuleID string
	// RiskScore is the server's risk assessment, 0-100.
	RiskScore int
	// Anomalies are the ids of the risk rules that found something, highest score first.
	Anomalies []string
	// Approvers are the reviewers who approved, in order; empty when whitelisted or denied.
	Approvers []string
	// LatencyMS is the time from submission to decision, measured by the server.
	LatencyMS float64
	// RequestID is the idempotency key the SDK chose for this Run.
	RequestID string
}

// Progress: a pending command moved on without being decided, after a partial approval of
// a command that needs several, or an escalation (ExpiresAt then moves later, once).
// ExpiresAt is the server's clock: informative only.
type Progress struct {
	CommandID string
	Approvals int
	Required  int
	Approvers []string
	Escalated bool
	ExpiresAt time.Time
}
