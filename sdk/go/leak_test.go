package expacti

import (
	"context"
	"net/http"
	"runtime"
	"testing"
	"time"
)

// Every refused handshake leaves its HTTP connection behind for reuse, and a WebSocket
// handshake never reuses one: a closed client must not keep those (two goroutines each,
// for the transport's idle timeout of 90 s).
func TestAClosedClientLeavesNoConnectionBehind(t *testing.T) {
	server := newFakeServer(t, nil)
	server.refuse = func(_ int, w http.ResponseWriter) bool {
		http.Error(w, `{"error": {"code": "unavailable", "message": "starting"}}`, http.StatusServiceUnavailable)
		return true
	}
	server.start()
	before := runtime.NumGoroutine()
	const clients = 20
	for range clients {
		client, err := New(Options{URL: server.url, Token: testToken, ReconnectTimeout: 50 * time.Millisecond, MaxBackoff: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		_ = client.Connect(context.Background())
		_ = client.Close()
	}
	// Goroutines that are ending may still be counted for a moment; a leak never ends, and
	// one per client is far above this slack.
	const slack = clients / 2
	for start := time.Now(); runtime.NumGoroutine() > before+slack; time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > waitLimit {
			t.Fatalf("%d goroutines left behind by %d closed clients", runtime.NumGoroutine()-before, clients)
		}
	}
}
