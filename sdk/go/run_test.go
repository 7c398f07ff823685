package expacti

import (
	"context"
	"errors"
	"reflect"
	"regexp"
	"testing"
)

// decideWith answers every submit with accepted and then the decision decide makes.
func decideWith(decide func(submit map[string]any) map[string]any) func(*fakeSession, map[string]any) {
	return func(s *fakeSession, frame map[string]any) {
		if frame["type"] != "submit" {
			return
		}
		s.send(acceptedFor(frame, "cmd_1"))
		s.send(decide(frame))
	}
}

func TestRunReturnsTheApproval(t *testing.T) {
	server := newFakeServer(t, decideWith(func(submit map[string]any) map[string]any {
		return decisionFor(submit, "cmd_1", Approved, map[string]any{"notes": "ok", "rule_id": nil})
	})).start()
	client := server.client(t, nil)
	decision, err := client.Run(context.Background(), "terraform apply", WithTarget("prod"),
		WithTimeout(90e9), WithContext(map[string]any{"ticket": "OPS-7"}),
		WithSession(Session{ID: "s-1", Goal: "ship", Steps: []string{"plan", "apply"}}.At(1)))
	if err != nil {
		t.Fatal(err)
	}
	submit := server.waitFor(submitOf("terraform apply"))
	want := &Decision{
		Approved: true, Decision: Approved, CommandID: "cmd_1", Command: "terraform apply",
		OriginalCommand: "terraform apply", Reviewer: "alice", Notes: "ok", RiskScore: 20,
		Anomalies: []string{"destructive"}, Approvers: []string{"alice"}, LatencyMS: 12.5,
		RequestID: submit["request_id"].(string),
	}
	if !reflect.DeepEqual(decision, want) {
		t.Fatalf("got %+v\nwant %+v", decision, want)
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(want.RequestID) {
		t.Fatal(want.RequestID)
	}
	wantSubmit := map[string]any{
		"type": "submit", "request_id": want.RequestID, "command": "terraform apply", "target": "prod",
		"timeout_seconds": 90.0, "context": map[string]any{"ticket": "OPS-7"},
		"session": map[string]any{"id": "s-1", "goal": "ship", "steps": []any{"plan", "apply"}, "current_step": 1.0},
	}
	if !reflect.DeepEqual(submit, wantSubmit) {
		t.Fatalf("sent %v", submit)
	}
}

func TestRunReturnsAnEditAsTheCommand(t *testing.T) {
	server := newFakeServer(t, decideWith(func(submit map[string]any) map[string]any {
		return decisionFor(submit, "cmd_1", Approved, map[string]any{"edited": true, "command": "rm -ri /tmp/x"})
	})).start()
	decision, err := server.client(t, nil).Run(context.Background(), "rm -rf /tmp/x")
	if err != nil {
		t.Fatal(err)
	}
	if decision.Command != "rm -ri /tmp/x" || !decision.Edited || decision.OriginalCommand != "rm -rf /tmp/x" {
		t.Fatalf("%+v", decision)
	}
}

func TestAWhitelistedCommandNeedsNoAccepted(t *testing.T) {
	server := newFakeServer(t, func(s *fakeSession, frame map[string]any) {
		if frame["type"] == "submit" {
			s.send(decisionFor(frame, "cmd_9", Approved, map[string]any{
				"reviewer": nil, "whitelisted": true, "rule_id": "rule_1", "approvers": []string{}}))
		}
	}).start()
	decision, err := server.client(t, nil).Run(context.Background(), "uptime")
	if err != nil {
		t.Fatal(err)
	}
	if !decision.Whitelisted || decision.Reviewer != "" || decision.RuleID != "rule_1" || decision.CommandID != "cmd_9" {
		t.Fatalf("%+v", decision)
	}
}

func TestADenialOrCancellationIsCommandDeniedError(t *testing.T) {
	for _, state := range []DecisionState{Denied, Cancelled} {
		t.Run(string(state), func(t *testing.T) {
			server := newFakeServer(t, decideWith(func(submit map[string]any) map[string]any {
				return decisionFor(submit, "cmd_1", state, map[string]any{"notes": "not on a Friday"})
			})).start()
			decision, err := server.client(t, nil).Run(context.Background(), "make deploy")
			var denied *CommandDeniedError
			if decision != nil || !errors.As(err, &denied) {
				t.Fatalf("%v, %v", decision, err)
			}
			if denied.Command != "make deploy" || denied.Notes != "not on a Friday" || denied.Reviewer != "alice" ||
				denied.Decision.Decision != state || denied.Decision.Approved {
				t.Fatalf("%+v", denied)
			}
			if want := "expacti: command " + string(state) + " by alice: not on a Friday (cmd_1)"; err.Error() != want {
				t.Fatal(err)
			}
		})
	}
}

func TestTheServersTimeoutIsTimeoutErrorWithItsDecision(t *testing.T) {
	server := newFakeServer(t, decideWith(func(submit map[string]any) map[string]any {
		return decisionFor(submit, "cmd_1", TimedOut, map[string]any{"reviewer": nil, "notes": "no decision within 60 s"})
	})).start()
	_, err := server.client(t, nil).Run(context.Background(), "make deploy")
	var timeout *TimeoutError
	if !errors.As(err, &timeout) || timeout.Decision == nil || timeout.Decision.Decision != TimedOut ||
		timeout.Err != nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%#v", err)
	}
}

func TestAnErrorFrameForTheRunIsProtocolErrorWithItsCode(t *testing.T) {
	server := newFakeServer(t, func(s *fakeSession, frame map[string]any) {
		if frame["type"] == "submit" {
			s.send(map[string]any{"type": "error", "code": "too_many_pending", "message": "100 commands are pending",
				"request_id": frame["request_id"], "details": map[string]any{}})
		}
	}).start()
	_, err := server.client(t, nil).Run(context.Background(), "ls")
	var refused *ProtocolError
	if !errors.As(err, &refused) || refused.Code != "too_many_pending" || refused.RequestID == "" {
		t.Fatalf("%#v", err)
	}
}

func TestProgressIsReported(t *testing.T) {
	server := newFakeServer(t, func(s *fakeSession, frame map[string]any) {
		if frame["type"] != "submit" {
			return
		}
		s.send(acceptedFor(frame, "cmd_1"))
		s.send(map[string]any{"type": "progress", "request_id": frame["request_id"], "command_id": "cmd_1",
			"approvals": 1, "required": 2, "approvers": []string{"alice"}, "escalated": false,
			"expires_at": "2026-11-21T10:01:00Z"})
		s.send(decisionFor(frame, "cmd_1", Approved, map[string]any{"approvers": []string{"alice", "bob"}}))
	}).start()
	var seen []Progress
	decision, err := server.client(t, nil).Run(context.Background(), "psql", WithProgress(func(p Progress) { seen = append(seen, p) }))
	if err != nil || len(seen) != 1 || seen[0].Approvals != 1 || seen[0].Required != 2 || len(decision.Approvers) != 2 {
		t.Fatalf("%v %v %+v", seen, err, decision)
	}
}

func TestEndSessionSendsSessionEnd(t *testing.T) {
	server := newFakeServer(t, nil).start()
	client := server.client(t, nil)
	if err := client.EndSession(context.Background(), "s-1", SessionFailed); err != nil {
		t.Fatal(err)
	}
	frame := server.waitFor(ofType("session_end"))
	if !reflect.DeepEqual(frame, map[string]any{"type": "session_end", "session_id": "s-1", "status": "failed"}) {
		t.Fatal(frame)
	}
	var invalid *InvalidArgumentError
	if err := client.EndSession(context.Background(), "s-1", "done"); !errors.As(err, &invalid) {
		t.Fatal(err)
	}
}
