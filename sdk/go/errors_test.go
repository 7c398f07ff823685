package expacti

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestEveryErrorOfTheTreeIsAnExpactiError(t *testing.T) {
	decision := &Decision{Decision: Denied, CommandID: "cmd_1", Reviewer: "bob"}
	for _, err := range []error{
		&CommandDeniedError{Command: "ls", Decision: decision, Reviewer: "bob"},
		&TimeoutError{Command: "ls"},
		&ConnectionError{Message: "client closed"},
		&AuthenticationError{ConnectionError: ConnectionError{Message: "refused"}, StatusCode: 401},
		&ProtocolError{Message: "bad frame"},
	} {
		wrapped := fmt.Errorf("deploying: %w", err)
		var gate Error
		if !errors.As(wrapped, &gate) || gate != err {
			t.Fatalf("%T is not found as an expacti.Error", err)
		}
	}
	var gate Error
	if errors.As(&InvalidArgumentError{Message: "blank"}, &gate) {
		t.Fatal("an argument error is the caller's bug, not an answer of the gate")
	}
}

func TestAnAuthenticationErrorIsAConnectionError(t *testing.T) {
	err := fmt.Errorf("run: %w", &AuthenticationError{ConnectionError: ConnectionError{Message: "the server refused the token (HTTP 401)"}, StatusCode: 401})
	var lost *ConnectionError
	var refused *AuthenticationError
	if !errors.As(err, &lost) || !errors.As(err, &refused) || lost.Message != refused.Message {
		t.Fatal(err)
	}
	if err.Error() != "run: expacti: the server refused the token (HTTP 401)" {
		t.Fatal(err)
	}
}

func TestATimeoutWrapsTheContextsError(t *testing.T) {
	for _, cause := range []error{context.Canceled, context.DeadlineExceeded} {
		err := error(&TimeoutError{Command: "ls", Err: cause})
		if !errors.Is(err, cause) {
			t.Fatal(err)
		}
	}
	server := &TimeoutError{Command: "ls", Decision: &Decision{Decision: TimedOut, CommandID: "cmd_4", Notes: "no decision within 60 s"}}
	if server.Error() != "expacti: command timed out: no decision within 60 s (cmd_4)" || errors.Is(server, context.DeadlineExceeded) {
		t.Fatal(server)
	}
	for err, message := range map[*TimeoutError]string{
		{Command: "ls"}:                                          "expacti: no decision before the client's deadline",
		{Command: "ls", CancelSent: true}:                        "expacti: no decision before the client's deadline; asked the server to cancel the command",
		{Command: "ls", Err: context.Canceled}:                   "expacti: stopped waiting for a decision (context canceled)",
		{Command: "ls", Err: context.Canceled, CancelSent: true}: "expacti: stopped waiting for a decision (context canceled); asked the server to cancel the command",
	} {
		if err.Error() != message {
			t.Fatalf("%q, not %q", err.Error(), message)
		}
	}
}

func TestAProtocolErrorNamesItsCode(t *testing.T) {
	if err := (&ProtocolError{Message: "the server refused the command: busy", Code: "too_many_pending"}); err.Error() != "expacti: the server refused the command: busy (too_many_pending)" {
		t.Fatal(err)
	}
}
