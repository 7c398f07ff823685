package expacti

import "fmt"

// Error is implemented by every error of the tree drawn in the package documentation; errors.As(err, &e) with
// `var e expacti.Error` tells an answer of the gate from any other failure.
type Error interface {
	error
	expactiError()
}

// CommandDeniedError: a reviewer denied the command, or it was cancelled. It must not run.
type CommandDeniedError struct {
	// Command is what the caller submitted.
	Command string
	// Decision is the server's decision (Decision.Decision is Denied or Cancelled).
	Decision *Decision
	// Reviewer is who decided; "" when nobody did (a cancellation).
	Reviewer string
	// Notes is the reviewer's note, or why the command was cancelled; "" when none.
	Notes string
}

func (e *CommandDeniedError) Error() string {
	verb := "denied"
	if e.Decision.Decision == Cancelled {
		verb = "cancelled"
	}
	by, why := "", ""
	if e.Reviewer != "" {
		by = " by " + e.Reviewer
	}
	if e.Notes != "" {
		why = ": " + e.Notes
	}
	return fmt.Sprintf("expacti: command %s%s%s (%s)", verb, by, why, e.Decision.CommandID)
}

func (*CommandDeniedError) expactiError() {}

// TimeoutError: no decision arrived in time.
//
// Decision is the server's timed_out decision, or nil when the client stopped waiting
// first: its own deadline passed, or the caller's context expired or was cancelled (Err
// is then ctx.Err(), so errors.Is(err, context.Canceled) works). In those cases the client
// sends `cancel` when it can (CancelSent says whether it did) and the server cancels the
// command; one the server holds for a client that is away is cancelled once its resume
// window passed.
type TimeoutError struct {
	// Command is what the caller submitted.
	Command string
	// Decision is the server's timed_out decision; nil when the client gave up first.
	Decision *Decision
	// Err is the caller's ctx.Err() when the context ended the wait; nil otherwise.
	Err error
	// CancelSent: the client gave up on a command the server may hold and wrote `cancel`
	// for it. False when nothing was submitted yet, or no connection was open then (the
	// server cancels a command itself once its resume window passed).
	CancelSent bool
}

func (e *TimeoutError) Error() string {
	switch {
	case e.Decision != nil && e.Decision.Notes != "":
		return fmt.Sprintf("expacti: command timed out: %s (%s)", e.Decision.Notes, e.Decision.CommandID)
	case e.Decision != nil:
		return fmt.Sprintf("expacti: command timed out (%s)", e.Decision.CommandID)
	}
	message := "expacti: no decision before the client's deadline"
	if e.Err != nil {
		message = fmt.Sprintf("expacti: stopped waiting for a decision (%v)", e.Err)
	}
	if e.CancelSent {
		message += "; asked the server to cancel the command"
	}
	return message
}

func (e *TimeoutError) Unwrap() error { return e.Err }

func (*TimeoutError) expactiError() {}

// ConnectionError: the server could not be reached, the connection was lost and could not
// be resumed in time, or the client was closed ("client closed").
type ConnectionError struct {
	Message string
	// Err is the underlying network error, when there is one.
	Err error
}

func (e *ConnectionError) Error() string {
	if e.Err != nil {
		return "expacti: " + e.Message + ": " + e.Err.Error()
	}
	return "expacti: " + e.Message
}

func (e *ConnectionError) Unwrap() error { return e.Err }

func (*ConnectionError) expactiError() {}

// AuthenticationError: the server refused the token (HTTP 401 or 403 on the handshake) or
// closed the connection with 1008 because it was revoked (StatusCode 401). Never retried.
// errors.As also finds it as a *ConnectionError.
type AuthenticationError struct {
	ConnectionError
	StatusCode int
}

func (e *AuthenticationError) Error() string { return e.ConnectionError.Error() }

// Unwrap makes the authentication error a connection error for errors.As.
func (e *AuthenticationError) Unwrap() error { return &e.ConnectionError }

// ProtocolError: the server answered this request with an error frame (Code is its code,
// e.g. "request_id_conflict", "too_many_pending"), or sent a frame the SDK cannot trust
// (Code is ""): such a frame is never taken as an approval.
type ProtocolError struct {
	Message string
	// Code is the error frame's code; "" when the frame itself was invalid.
	Code string
	// RequestID names the Run the error concerns, when it is known.
	RequestID string
}

func (e *ProtocolError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("expacti: %s (%s)", e.Message, e.Code)
	}
	return "expacti: " + e.Message
}

func (*ProtocolError) expactiError() {}

// InvalidArgumentError: a call was given something the server would refuse (a blank or
// too large command, a timeout out of range, a bad URL or token...). Nothing was sent.
type InvalidArgumentError struct {
	Message string
}

func (e *InvalidArgumentError) Error() string { return "expacti: " + e.Message }

func invalidArgument(format string, args ...any) *InvalidArgumentError {
	return &InvalidArgumentError{Message: fmt.Sprintf(format, args...)}
}

var (
	_ Error = (*CommandDeniedError)(nil)
	_ Error = (*TimeoutError)(nil)
	_ Error = (*ConnectionError)(nil)
	_ Error = (*AuthenticationError)(nil)
	_ Error = (*ProtocolError)(nil)
)
