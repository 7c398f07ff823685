package expacti

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// pendingServer accepts every submit and never decides.
func pendingServer(t *testing.T) *fakeServer {
	return newFakeServer(t, func(s *fakeSession, frame map[string]any) {
		if frame["type"] == "submit" {
			s.send(acceptedFor(frame, "cmd_1"))
		}
	})
}

func TestACancelledContextCancelsTheCommand(t *testing.T) {
	server := pendingServer(t).start()
	ctx, cancel := context.WithCancel(context.Background())
	done := runAsync(ctx, server.client(t, nil), "make stalled")
	submit := server.waitFor(submitOf("make stalled"))
	cancel()
	result := await(t, done)
	var timeout *TimeoutError
	if !errors.As(result.err, &timeout) || !errors.Is(result.err, context.Canceled) || timeout.Decision != nil {
		t.Fatalf("%#v", result.err)
	}
	if frame := server.waitFor(cancelOf(submit["request_id"])); frame["reason"] != "the agent abandoned the wait" {
		t.Fatal(frame)
	}
}

func TestAnExpiredContextCancelsTheCommand(t *testing.T) {
	server := pendingServer(t).start()
	client := server.client(t, nil)
	if err := client.Connect(context.Background()); err != nil { // the context bounds the wait alone
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := client.Run(ctx, "make slow")
	var timeout *TimeoutError
	if !errors.As(err, &timeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%#v", err)
	}
	submit := server.waitFor(submitOf("make slow"))
	if frame := server.waitFor(cancelOf(submit["request_id"])); frame["reason"] != "agent deadline passed" {
		t.Fatal(frame)
	}
}

func TestAContextDoneBeforehandSendsNothing(t *testing.T) {
	server := pendingServer(t).start()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := server.client(t, nil).Run(ctx, "ls")
	if !errors.Is(err, context.Canceled) || server.handshakeCount() != 0 {
		t.Fatalf("%v, %d handshakes", err, server.handshakeCount())
	}
}

func TestTheClientsDeadlineEndsAWaitWithACancel(t *testing.T) {
	server := pendingServer(t).start()
	client := server.client(t, nil)
	client.grace = 0 // the test waits for the timeout alone
	if err := client.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err := client.Run(context.Background(), "make stalled", WithTimeout(300*time.Millisecond))
	var timeout *TimeoutError
	if !errors.As(err, &timeout) || timeout.Decision != nil || timeout.Err != nil {
		t.Fatalf("%#v", err)
	}
	submit := server.waitFor(submitOf("make stalled"))
	if submit["timeout_seconds"] != 1.0 { // rounded up to whole seconds
		t.Fatal(submit)
	}
	if frame := server.waitFor(cancelOf(submit["request_id"])); frame["reason"] != "agent deadline passed" {
		t.Fatal(frame)
	}
}

func TestTheOrganisationsTimeoutFromHelloBoundsARunWithoutItsOwn(t *testing.T) {
	server := pendingServer(t)
	server.limits["timeout_seconds"] = 1
	server.start()
	client := server.client(t, nil)
	client.grace = 0
	_, err := client.Run(context.Background(), "make stalled")
	var timeout *TimeoutError
	if !errors.As(err, &timeout) || timeout.Decision != nil {
		t.Fatalf("%#v", err)
	}
}

func TestAnUnavailableErrorIsRetriedWithTheSameRequest(t *testing.T) {
	server := newFakeServer(t, func(s *fakeSession, frame map[string]any) {
		if frame["type"] != "submit" {
			return
		}
		if frame["command"] == "make retry" && !s.retried {
			s.retried = true
			s.send(map[string]any{"type": "error", "code": "unavailable", "message": "the database is busy, retry",
				"request_id": frame["request_id"], "details": map[string]any{}})
			return
		}
		s.send(acceptedFor(frame, "cmd_1"))
		s.send(decisionFor(frame, "cmd_1", Approved, nil))
	}).start()
	decision, err := server.client(t, nil).Run(context.Background(), "make retry")
	if err != nil || !decision.Approved {
		t.Fatal(err)
	}
	submits := server.waitForCount(submitOf("make retry"), 2)
	if len(submits) != 2 || submits[0]["request_id"] != submits[1]["request_id"] || server.handshakeCount() != 1 {
		t.Fatalf("%v, %d handshakes", submits, server.handshakeCount())
	}
}

func TestAnEscalationExtendsARunWithoutItsOwnTimeout(t *testing.T) {
	p := newPending("r", "ls", nil, 0, 60*time.Second, nil, grace)
	base := p.deadline()
	at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	p.expiresAt = at
	p.progressed(&progressFrame{progress: Progress{Escalated: true, ExpiresAt: at.Add(5 * time.Minute)}})
	if got := p.deadline().Sub(base); got != 5*time.Minute {
		t.Fatalf("extended by %v", got)
	}
	// A later progress frame of the same escalation does not move it again.
	p.progressed(&progressFrame{progress: Progress{Escalated: true, ExpiresAt: at.Add(5 * time.Minute)}})
	if got := p.deadline().Sub(base); got != 5*time.Minute {
		t.Fatalf("extended by %v", got)
	}
	own := newPending("r", "ls", nil, 30*time.Second, 60*time.Second, nil, grace)
	ownBase := own.deadline()
	own.expiresAt = at
	own.progressed(&progressFrame{progress: Progress{Escalated: true, ExpiresAt: at.Add(5 * time.Minute)}})
	if own.deadline() != ownBase {
		t.Fatal("a run with its own timeout keeps it")
	}
}

func TestTheDeadlineIsTheTimeoutElseThePolicyElse600PlusGrace(t *testing.T) {
	for _, c := range []struct {
		timeout, policy, want time.Duration
	}{
		{30 * time.Second, 60 * time.Second, 35 * time.Second},
		{0, 60 * time.Second, 65 * time.Second},
		{0, 0, 605 * time.Second},
	} {
		p := newPending("r", "ls", nil, c.timeout, c.policy, nil, grace)
		if got := p.deadline().Sub(p.started); got != c.want {
			t.Fatalf("%+v: %v", c, got)
		}
		p.markSent()
		if got := p.deadline().Sub(p.sentAt); got != c.want {
			t.Fatalf("%+v: %v after sending", c, got)
		}
	}
	p := newPending("r", "ls", nil, 0, 0, nil, grace)
	p.setPolicy(30 * time.Second)
	if got := p.deadline().Sub(p.started); got != 35*time.Second {
		t.Fatal(got)
	}
}

// A context that ends while the server cannot be reached sends no cancel, and the error
// does not claim one.
func TestAGiveUpWithoutACancelDoesNotClaimOne(t *testing.T) {
	server := newFakeServer(t, nil)
	server.refuse = func(_ int, w http.ResponseWriter) bool {
		http.Error(w, `{"error": {"code": "unavailable", "message": "starting"}}`, http.StatusServiceUnavailable)
		return true
	}
	server.start()
	ctx, cancel := context.WithCancel(context.Background())
	done := runAsync(ctx, server.client(t, nil), "make unreachable")
	server.waitForHandshakes(1)
	cancel()
	result := await(t, done)
	var timeout *TimeoutError
	if !errors.As(result.err, &timeout) || !errors.Is(result.err, context.Canceled) || strings.Contains(result.err.Error(), "cancelled") {
		t.Fatalf("%v", result.err)
	}
}
