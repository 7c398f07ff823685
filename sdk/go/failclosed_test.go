package expacti

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestAContradictoryDecisionIsNeverAnApproval(t *testing.T) {
	server := newFakeServer(t, decideWith(func(submit map[string]any) map[string]any {
		return decisionFor(submit, "cmd_1", Approved, map[string]any{"decision": "denied"})
	})).start()
	decision, err := server.client(t, nil).Run(context.Background(), "rm -rf /important")
	var invalid *ProtocolError
	if decision != nil || !errors.As(err, &invalid) || invalid.Code != "" {
		t.Fatalf("%v, %#v", decision, err)
	}
	submit := server.waitFor(submitOf("rm -rf /important"))
	if invalid.RequestID != submit["request_id"] {
		t.Fatalf("%+v", invalid)
	}
	// The command may still be pending on the server: the client cancels it.
	cancel := server.waitFor(cancelOf(submit["request_id"]))
	if cancel["reason"] != "invalid frame from the server" {
		t.Fatal(cancel)
	}
}

func TestADecisionForAnotherCommandIsRefused(t *testing.T) {
	server := newFakeServer(t, decideWith(func(submit map[string]any) map[string]any {
		return decisionFor(submit, "cmd_someone_else", Approved, nil)
	})).start()
	_, err := server.client(t, nil).Run(context.Background(), "kubectl drain node-1")
	var invalid *ProtocolError
	if !errors.As(err, &invalid) || !strings.Contains(invalid.Message, "switched command_id") {
		t.Fatalf("%#v", err)
	}
}

func TestAFrameNobodyCanAttributeFailsEveryRunAndTheClientStartsAfresh(t *testing.T) {
	forge := make(chan *fakeSession, 1)
	server := newFakeServer(t, func(s *fakeSession, frame map[string]any) {
		if frame["type"] != "submit" {
			return
		}
		s.send(acceptedFor(frame, "cmd_"+frame["command"].(string)))
		if s.n > 1 {
			s.send(decisionFor(frame, "cmd_"+frame["command"].(string), Approved, nil))
		} else if frame["command"] == "b" {
			forge <- s
		}
	}).start()
	client := server.client(t, nil)
	first := runAsync(context.Background(), client, "a")
	server.waitFor(submitOf("a"))
	second := runAsync(context.Background(), client, "b")
	(<-forge).sendRaw(`{"type": "decision", "approved": true}`)
	for _, done := range []<-chan runResult{first, second} {
		result := await(t, done)
		var invalid *ProtocolError
		if result.decision != nil || !errors.As(result.err, &invalid) || !strings.Contains(invalid.Message, "invalid decision frame") {
			t.Fatalf("%+v", result)
		}
	}
	decision, err := client.Run(context.Background(), "c")
	if err != nil || !decision.Approved || server.handshakeCount() != 2 {
		t.Fatalf("%v %v, %d handshakes", decision, err, server.handshakeCount())
	}
}

func TestABinaryFrameIsNotTrusted(t *testing.T) {
	server := newFakeServer(t, func(s *fakeSession, frame map[string]any) {
		if frame["type"] == "submit" {
			s.sendBinary([]byte(`{"type": "pong"}`))
		}
	}).start()
	_, err := server.client(t, nil).Run(context.Background(), "ls")
	var invalid *ProtocolError
	if !errors.As(err, &invalid) || !strings.Contains(invalid.Message, "binary") {
		t.Fatalf("%#v", err)
	}
}

func TestAFrameTooLargeFromTheServerClosesTheConnection(t *testing.T) {
	server := newFakeServer(t, func(s *fakeSession, frame map[string]any) {
		if frame["type"] == "submit" {
			s.send(acceptedFor(frame, "cmd_1"))
			s.sendRaw(`{"type":"pong","nonce":"` + strings.Repeat("x", maxIncomingFrameBytes) + `"}`)
		}
	}).start()
	_, err := server.client(t, nil).Run(context.Background(), "ls")
	var invalid *ProtocolError
	if !errors.As(err, &invalid) || !strings.Contains(invalid.Message, "too large (close code 1009)") {
		t.Fatalf("%#v", err)
	}
}

// An invalid decision for the run fails it, whatever follows: the valid approval sent
// next is never taken.
func TestAnInvalidDecisionFollowedByAnApprovalIsStillRefused(t *testing.T) {
	server := newFakeServer(t, func(s *fakeSession, frame map[string]any) {
		if frame["type"] != "submit" {
			return
		}
		s.send(acceptedFor(frame, "cmd_1"))
		s.sendRaw(`{"type":"decision","request_id":"` + frame["request_id"].(string) + `","approved":"yes"}`)
		s.send(decisionFor(frame, "cmd_1", Approved, nil))
	}).start()
	decision, err := server.client(t, nil).Run(context.Background(), "rm -rf /var")
	var invalid *ProtocolError
	if decision != nil || !errors.As(err, &invalid) || invalid.Code != "" {
		t.Fatalf("%v, %#v", decision, err)
	}
}

// A resume answered for another command is not this run's decision.
func TestAResumeAnsweredForAnotherCommandIsRefused(t *testing.T) {
	server := newFakeServer(t, func(s *fakeSession, frame map[string]any) {
		if frame["type"] != "submit" {
			return
		}
		if s.n == 1 {
			s.send(acceptedFor(frame, "cmd_1"))
			_ = s.ws.CloseNow()
			return
		}
		s.send(decisionFor(frame, "cmd_2", Approved, nil))
	}).start()
	decision, err := server.client(t, nil).Run(context.Background(), "helm upgrade")
	var invalid *ProtocolError
	if decision != nil || !errors.As(err, &invalid) || !strings.Contains(invalid.Message, "switched command_id") {
		t.Fatalf("%v, %#v", decision, err)
	}
}
