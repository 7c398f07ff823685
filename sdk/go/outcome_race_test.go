package expacti

import (
	"context"
	"errors"
	"testing"
	"time"
)

// partlyApprovingServer answers a submit with accepted, one progress and then the
// approval, so a WithProgress callback runs while the approval is on its way.
func partlyApprovingServer(t *testing.T) *fakeServer {
	return newFakeServer(t, func(s *fakeSession, frame map[string]any) {
		if frame["type"] != "submit" {
			return
		}
		s.send(acceptedFor(frame, "cmd_1"))
		s.send(map[string]any{
			"type": "progress", "request_id": frame["request_id"], "command_id": "cmd_1",
			"approvals": 1, "required": 2, "approvers": []string{"alice"}, "escalated": false,
			"expires_at": "2026-11-21T10:01:00Z",
		})
		s.send(decisionFor(frame, "cmd_1", Approved, nil))
	})
}

// untilQueued returns once the only waiting run has a frame queued that it has not taken.
func untilQueued(t *testing.T, client *Client) {
	t.Helper()
	p := client.waiting()[0]
	for start := time.Now(); time.Since(start) < waitLimit; time.Sleep(time.Millisecond) {
		p.mu.Lock()
		queued := len(p.events)
		p.mu.Unlock()
		if queued > 0 {
			return
		}
	}
	t.Fatal("the approval never arrived")
}

// The caller's context ended before Run took the approval already queued: the caller
// gave up, so the approval must not reach it, and the server is asked to cancel.
func TestAContextEndedBeforeAQueuedApprovalWins(t *testing.T) {
	server := partlyApprovingServer(t).start()
	client := server.client(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	decision, err := client.Run(ctx, "rm -rf /data", WithProgress(func(Progress) {
		cancel()
		untilQueued(t, client)
	}))
	var timeout *TimeoutError
	if decision != nil || !errors.As(err, &timeout) || !errors.Is(err, context.Canceled) || !timeout.CancelSent {
		t.Fatalf("%v, %#v", decision, err)
	}
	submit := server.waitFor(submitOf("rm -rf /data"))
	server.waitFor(cancelOf(submit["request_id"]))
}

// Close fails every waiting run, even one whose approval was already queued.
func TestCloseWinsOverAQueuedApproval(t *testing.T) {
	server := partlyApprovingServer(t).start()
	client := server.client(t, nil)
	decision, err := client.Run(context.Background(), "rm -rf /cache", WithProgress(func(Progress) {
		untilQueued(t, client)
		_ = client.Close()
	}))
	var lost *ConnectionError
	if decision != nil || !errors.As(err, &lost) || lost.Message != "client closed" {
		t.Fatalf("%v, %#v", decision, err)
	}
}

// Once ctx is done no submit goes out, not even the re-send on a connection that is
// already open again.
func TestNoSubmitIsResentOnceTheContextEnded(t *testing.T) {
	server := newFakeServer(t, func(s *fakeSession, frame map[string]any) {
		if frame["type"] != "submit" || s.n > 1 {
			return
		}
		s.send(acceptedFor(frame, "cmd_1"))
		s.send(map[string]any{
			"type": "progress", "request_id": frame["request_id"], "command_id": "cmd_1",
			"approvals": 1, "required": 2, "approvers": []string{"alice"}, "escalated": false,
			"expires_at": "2026-11-21T10:01:00Z",
		})
		_ = s.ws.CloseNow()
	}).start()
	client := server.client(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	_, err := client.Run(ctx, "make migrate", WithProgress(func(Progress) {
		cancel()
		p := client.waiting()[0]
		p.mu.Lock()
		first := p.conn
		p.mu.Unlock()
		<-first.lost
		if err := client.Connect(context.Background()); err != nil {
			t.Error(err)
		}
	}))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("%#v", err)
	}
	submit := server.waitFor(submitOf("make migrate"))
	server.waitFor(cancelOf(submit["request_id"])) // sent after any re-send, on the same socket
	if submits := server.waitForCount(submitOf("make migrate"), 1); len(submits) != 1 {
		t.Fatalf("%d submits", len(submits))
	}
}

// A reconnect's hello may lower max_frame_bytes below a submit already sent: the run
// cannot resume, and the server is asked to cancel what it may hold.
func TestALowerFrameLimitAfterAReconnectFailsAndCancels(t *testing.T) {
	var server *fakeServer
	server = newFakeServer(t, func(s *fakeSession, frame map[string]any) {
		if frame["type"] != "submit" || s.n > 1 {
			return
		}
		s.send(acceptedFor(frame, "cmd_1"))
		server.setLimit("max_frame_bytes", 64)
		_ = s.ws.CloseNow()
	}).start()
	_, err := server.client(t, nil).Run(context.Background(), "make deploy-with-a-long-name ENV=production")
	var protocol *ProtocolError
	if !errors.As(err, &protocol) || protocol.Code != "" || protocol.RequestID == "" {
		t.Fatalf("%#v", err)
	}
	submit := server.waitFor(submitOf("make deploy-with-a-long-name ENV=production"))
	server.waitFor(cancelOf(submit["request_id"]))
}
