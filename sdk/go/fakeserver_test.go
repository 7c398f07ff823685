package expacti

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

const testToken = "test-agent-token"

// waitLimit only keeps a broken test from hanging; no test relies on it passing.
const waitLimit = 15 * time.Second

// fakeServer stands in for the agent socket, for what the real server cannot be made to
// do on demand: forged frames, chosen limits, closes and refusals at chosen moments.
type fakeServer struct {
	t      *testing.T
	server *httptest.Server
	url    string
	limits map[string]any
	// refuse, when set, may answer a handshake (the nth, from 1) instead of accepting it.
	refuse func(n int, w http.ResponseWriter) bool
	// onFrame is called with every frame a client sends, on that connection's goroutine.
	onFrame func(s *fakeSession, frame map[string]any)

	mu         sync.Mutex
	frames     []map[string]any
	handshakes int
	changed    chan struct{}
}

// fakeSession is one accepted connection.
type fakeSession struct {
	ws *websocket.Conn
	n  int // which handshake accepted it, from 1
	// retried is free for a test's onFrame, which runs on this session's goroutine only.
	retried bool
}

func newFakeServer(t *testing.T, onFrame func(s *fakeSession, frame map[string]any)) *fakeServer {
	f := &fakeServer{t: t, onFrame: onFrame, changed: make(chan struct{}), limits: map[string]any{
		"max_command_bytes": 65536, "max_frame_bytes": 1048576, "max_metadata_bytes": 16384,
		"timeout_seconds": 60, "resume_window_seconds": 30,
	}}
	f.server = httptest.NewUnstartedServer(http.HandlerFunc(f.handle))
	f.server.Config.ErrorLog = log.New(io.Discard, "", 0) // refused TLS handshakes are expected
	return f
}

// start serves plain ws://.
func (f *fakeServer) start() *fakeServer {
	f.server.Start()
	f.url = "ws" + strings.TrimPrefix(f.server.URL, "http") + "/shell/ws"
	f.t.Cleanup(f.server.Close)
	return f
}

// startTLS serves wss:// with a certificate that tlsConfig trusts.
func (f *fakeServer) startTLS() *tls.Config {
	f.server.StartTLS()
	f.url = "wss" + strings.TrimPrefix(f.server.URL, "https") + "/shell/ws"
	f.t.Cleanup(f.server.Close)
	roots := x509.NewCertPool()
	roots.AddCert(f.server.Certificate())
	return &tls.Config{RootCAs: roots}
}

func (f *fakeServer) handle(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.handshakes++
	n := f.handshakes
	limits := f.limits
	f.notifyLocked()
	f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+testToken || r.URL.RawQuery != "" {
		http.Error(w, `{"error": {"code": "unauthenticated", "message": "unknown token"}}`, http.StatusUnauthorized)
		return
	}
	if f.refuse != nil && f.refuse(n, w) {
		return
	}
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	ws.SetReadLimit(4 << 20)
	s := &fakeSession{ws: ws, n: n}
	s.send(map[string]any{
		"type": "hello", "protocol": "v1", "server": "fake/0",
		"agent": map[string]any{"id": "agt_fake", "name": "fake"},
		"org":   map[string]any{"id": "org_fake", "name": "fake"}, "limits": limits,
	})
	for {
		_, data, err := ws.Read(context.Background())
		if err != nil {
			return
		}
		var frame map[string]any
		if json.Unmarshal(data, &frame) != nil {
			continue
		}
		f.mu.Lock()
		f.frames = append(f.frames, frame)
		f.notifyLocked()
		f.mu.Unlock()
		if f.onFrame != nil {
			f.onFrame(s, frame)
		}
	}
}

func (f *fakeServer) notifyLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// waitFor returns the first frame a client sent for which match is true, waiting for it.
func (f *fakeServer) waitFor(match func(map[string]any) bool) map[string]any {
	f.t.Helper()
	all := f.waitForCount(match, 1)
	return all[0]
}

// waitForCount waits until n frames match, and returns them.
func (f *fakeServer) waitForCount(match func(map[string]any) bool, n int) []map[string]any {
	f.t.Helper()
	limit := time.After(waitLimit)
	for {
		f.mu.Lock()
		var found []map[string]any
		for _, frame := range f.frames {
			if match(frame) {
				found = append(found, frame)
			}
		}
		changed := f.changed
		f.mu.Unlock()
		if len(found) >= n {
			return found
		}
		select {
		case <-changed:
		case <-limit:
			f.t.Fatalf("the client did not send %d matching frames", n)
		}
	}
}

// setLimit changes one limit of the hellos of the connections accepted from now on.
func (f *fakeServer) setLimit(name string, value int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	limits := make(map[string]any, len(f.limits))
	for key, old := range f.limits {
		limits[key] = old
	}
	limits[name] = value
	f.limits = limits
}

// waitForHandshakes waits until the server saw n handshakes.
func (f *fakeServer) waitForHandshakes(n int) {
	f.t.Helper()
	limit := time.After(waitLimit)
	for {
		f.mu.Lock()
		seen, changed := f.handshakes, f.changed
		f.mu.Unlock()
		if seen >= n {
			return
		}
		select {
		case <-changed:
		case <-limit:
			f.t.Fatalf("the client made %d handshakes, not %d", seen, n)
		}
	}
}

func (f *fakeServer) handshakeCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.handshakes
}

func (f *fakeServer) client(t *testing.T, change func(*Options)) *Client {
	t.Helper()
	options := Options{URL: f.url, Token: testToken, MaxBackoff: 50 * time.Millisecond}
	if change != nil {
		change(&options)
	}
	client, err := New(options)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client
}

func (s *fakeSession) send(frame map[string]any) {
	data, _ := json.Marshal(frame)
	s.sendRaw(string(data))
}

func (s *fakeSession) sendRaw(text string) {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	_ = s.ws.Write(ctx, websocket.MessageText, []byte(text))
}

func ofType(kind string) func(map[string]any) bool {
	return func(frame map[string]any) bool { return frame["type"] == kind }
}

func submitOf(command string) func(map[string]any) bool {
	return func(frame map[string]any) bool { return frame["type"] == "submit" && frame["command"] == command }
}

func cancelOf(requestID any) func(map[string]any) bool {
	return func(frame map[string]any) bool { return frame["type"] == "cancel" && frame["request_id"] == requestID }
}

func acceptedFor(submit map[string]any, commandID string) map[string]any {
	return map[string]any{
		"type": "accepted", "request_id": submit["request_id"], "command_id": commandID,
		"status": "pending", "expires_at": "2026-11-21T10:01:00.000000Z", "resumed": false,
	}
}

// decisionFor is a decision frame as the server words one, with changes applied.
func decisionFor(submit map[string]any, commandID string, state DecisionState, changes map[string]any) map[string]any {
	frame := map[string]any{
		"type": "decision", "request_id": submit["request_id"], "command_id": commandID,
		"approved": state == Approved, "decision": string(state), "latency_ms": 12.5,
		"reviewer": "alice", "notes": nil, "whitelisted": false, "rule_id": nil,
		"risk_score": 20, "anomalies": []string{"destructive"}, "command": submit["command"],
		"edited": false, "approvers": []string{},
	}
	if state == Approved {
		frame["approvers"] = []string{"alice"}
	}
	for key, value := range changes {
		frame[key] = value
	}
	return frame
}

// runAsync runs in the background; the result arrives on the channel.
type runResult struct {
	decision *Decision
	err      error
}

func runAsync(ctx context.Context, client *Client, command string, options ...RunOption) <-chan runResult {
	done := make(chan runResult, 1)
	go func() {
		decision, err := client.Run(ctx, command, options...)
		done <- runResult{decision, err}
	}()
	return done
}

func await(t *testing.T, done <-chan runResult) runResult {
	t.Helper()
	select {
	case result := <-done:
		return result
	case <-time.After(waitLimit):
		t.Fatal("Run did not return")
		return runResult{}
	}
}

func (s *fakeSession) sendBinary(data []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	_ = s.ws.Write(ctx, websocket.MessageBinary, data)
}
