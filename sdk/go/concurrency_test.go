package expacti

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// Many goroutines share one client and one connection; each gets its own decision, even
// when they arrive in another order than the submits. Run it with -race.
func TestConcurrentRunsShareOneConnection(t *testing.T) {
	const runs = 12
	var mu sync.Mutex
	var submits []map[string]any
	server := newFakeServer(t, func(s *fakeSession, frame map[string]any) {
		if frame["type"] != "submit" {
			return
		}
		s.send(acceptedFor(frame, "cmd_"+frame["command"].(string)))
		mu.Lock()
		submits = append(submits, frame)
		all := len(submits) == runs
		mu.Unlock()
		if !all {
			return
		}
		for i := len(submits) - 1; i >= 0; i-- { // decided last to first
			submit := submits[i]
			var n int
			_, _ = fmt.Sscanf(submit["command"].(string), "echo %d", &n)
			state := Approved
			if n%2 == 1 {
				state = Denied
			}
			s.send(decisionFor(submit, "cmd_"+submit["command"].(string), state, nil))
		}
	}).start()
	client := server.client(t, nil)
	results := make([]runResult, runs)
	var wg sync.WaitGroup
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			decision, err := client.Run(context.Background(), fmt.Sprintf("echo %d", i))
			results[i] = runResult{decision, err}
		}()
	}
	wg.Wait()
	for i, result := range results {
		command := fmt.Sprintf("echo %d", i)
		if i%2 == 0 {
			if result.err != nil || result.decision.Command != command || result.decision.CommandID != "cmd_"+command {
				t.Fatalf("%d: %+v", i, result)
			}
			continue
		}
		var denied *CommandDeniedError
		if !errors.As(result.err, &denied) || denied.Command != command {
			t.Fatalf("%d: %+v", i, result)
		}
	}
	if server.handshakeCount() != 1 {
		t.Fatalf("%d handshakes for one client", server.handshakeCount())
	}
}
