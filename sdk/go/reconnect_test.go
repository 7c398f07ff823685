package expacti

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestALostConnectionIsResumedWithTheSameRequest(t *testing.T) {
	server := newFakeServer(t, func(s *fakeSession, frame map[string]any) {
		if frame["type"] != "submit" {
			return
		}
		if s.n == 1 {
			s.send(acceptedFor(frame, "cmd_1"))
			_ = s.ws.CloseNow() // the network drops it
			return
		}
		accepted := acceptedFor(frame, "cmd_1")
		accepted["resumed"] = true
		s.send(accepted)
		s.send(decisionFor(frame, "cmd_1", Approved, map[string]any{"notes": "after the cut"}))
	}).start()
	decision, err := server.client(t, nil).Run(context.Background(), "terraform apply")
	if err != nil || decision.CommandID != "cmd_1" || decision.Notes != "after the cut" {
		t.Fatalf("%+v %v", decision, err)
	}
	submits := server.waitForCount(submitOf("terraform apply"), 2)
	if submits[0]["request_id"] != submits[1]["request_id"] || server.handshakeCount() != 2 {
		t.Fatalf("%v, %d handshakes", submits, server.handshakeCount())
	}
}

func TestAServerThatStaysAwayFailsTheRunWithConnectionError(t *testing.T) {
	server := newFakeServer(t, func(s *fakeSession, frame map[string]any) {
		if frame["type"] == "submit" {
			s.send(acceptedFor(frame, "cmd_1"))
			_ = s.ws.CloseNow()
		}
	})
	server.refuse = func(n int, w http.ResponseWriter) bool {
		if n == 1 {
			return false
		}
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return true
	}
	server.start()
	client := server.client(t, func(o *Options) { o.ReconnectTimeout = 500 * time.Millisecond })
	_, err := client.Run(context.Background(), "make flaky")
	var lost *ConnectionError
	var refused *AuthenticationError
	if !errors.As(err, &lost) || errors.As(err, &refused) || !strings.Contains(err.Error(), "could not connect") ||
		lost.Err == nil || server.handshakeCount() < 3 {
		t.Fatalf("%v, %d handshakes", err, server.handshakeCount())
	}
}

func TestAnUnreachableServerIsConnectionError(t *testing.T) {
	server := newFakeServer(t, nil).start()
	url := server.url
	server.server.Close()
	client, err := New(Options{URL: url, Token: testToken, ReconnectTimeout: 300 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	_, err = client.Run(context.Background(), "ls")
	var lost *ConnectionError
	if !errors.As(err, &lost) || lost.Err == nil {
		t.Fatalf("%#v", err)
	}
}

func TestARefusedTokenIsAuthenticationErrorAtOnce(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		server := newFakeServer(t, nil)
		server.refuse = func(_ int, w http.ResponseWriter) bool {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"error": {"code": "forbidden", "message": "a reviewer token cannot submit"}}`))
			return true
		}
		server.start()
		_, err := server.client(t, nil).Run(context.Background(), "ls")
		var refused *AuthenticationError
		var lost *ConnectionError
		if !errors.As(err, &refused) || refused.StatusCode != status || !errors.As(err, &lost) {
			t.Fatalf("%#v", err)
		}
		if !strings.Contains(err.Error(), "a reviewer token cannot submit") || strings.Contains(err.Error(), testToken) {
			t.Fatal(err)
		}
		if server.handshakeCount() != 1 {
			t.Fatalf("%d handshakes: an authentication failure is never retried", server.handshakeCount())
		}
	}
}

func TestARevokedTokenClosesWith1008AndFailsTheRun(t *testing.T) {
	server := newFakeServer(t, func(s *fakeSession, frame map[string]any) {
		if frame["type"] == "submit" {
			s.send(acceptedFor(frame, "cmd_1"))
			_ = s.ws.Close(websocket.StatusPolicyViolation, "credential revoked")
		}
	}).start()
	_, err := server.client(t, nil).Run(context.Background(), "ls")
	var refused *AuthenticationError
	if !errors.As(err, &refused) || refused.StatusCode != 401 || !strings.Contains(err.Error(), "credential revoked") {
		t.Fatalf("%#v", err)
	}
	if server.handshakeCount() != 1 {
		t.Fatalf("%d handshakes", server.handshakeCount())
	}
}

func TestASilentlyDeadLinkIsNoticedByTheHeartbeatAndResumed(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	server := newFakeServer(t, func(s *fakeSession, frame map[string]any) {
		if frame["type"] != "submit" {
			return
		}
		s.send(acceptedFor(frame, "cmd_1"))
		if s.n == 1 {
			<-release // stops reading: pings go unanswered, as over a dead link
			return
		}
		s.send(decisionFor(frame, "cmd_1", Approved, nil))
	}).start()
	client := server.client(t, nil)
	client.link.pingInterval = 100 * time.Millisecond
	decision, err := client.Run(context.Background(), "make release")
	if err != nil || !decision.Approved || server.handshakeCount() < 2 {
		t.Fatalf("%v %v, %d handshakes", decision, err, server.handshakeCount())
	}
}

func TestCloseFailsTheWaitingRunsAndCancelsTheirCommands(t *testing.T) {
	server := pendingServer(t).start()
	client := server.client(t, nil)
	done := runAsync(context.Background(), client, "make forever")
	submit := server.waitFor(submitOf("make forever"))
	if err := client.Close(); err != nil {
		t.Fatal(err)
	}
	result := await(t, done)
	var lost *ConnectionError
	if !errors.As(result.err, &lost) || lost.Message != "client closed" {
		t.Fatalf("%#v", result.err)
	}
	if frame := server.waitFor(cancelOf(submit["request_id"])); frame["reason"] != "the agent closed its client" {
		t.Fatal(frame)
	}
	if _, err := client.Run(context.Background(), "ls"); !errors.As(err, &lost) || client.Close() != nil {
		t.Fatalf("%#v", err)
	}
}
