//go:build live

package expacti

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
)

func TestLiveApproval(t *testing.T) {
	env := live(t)
	client := env.client(t)
	command := uniqueCommand("approve")
	done := runAsync(context.Background(), client, command, WithTarget("staging"))
	decided := env.decide(t, command, "approve", map[string]any{"note": "ok from go"})
	result := await(t, done)
	if result.err != nil {
		t.Fatal(result.err)
	}
	d := result.decision
	if !d.Approved || d.Decision != Approved || d.Whitelisted || d.CommandID != decided.ID || d.Reviewer == "" ||
		d.Notes != "ok from go" || d.Command != command || d.Edited || d.OriginalCommand != command || len(d.Approvers) != 1 {
		t.Fatalf("%+v", d)
	}
}

func TestLiveEditedApproval(t *testing.T) {
	env := live(t)
	command := uniqueCommand("edit")
	edit := command + "-edited"
	done := runAsync(context.Background(), env.client(t), command)
	env.decide(t, command, "approve", map[string]any{"edit": edit})
	result := await(t, done)
	if result.err != nil {
		t.Fatal(result.err)
	}
	if d := result.decision; d.Command != edit || !d.Edited || d.OriginalCommand != command {
		t.Fatalf("%+v", d)
	}
}

func TestLiveDenial(t *testing.T) {
	env := live(t)
	command := uniqueCommand("deny")
	done := runAsync(context.Background(), env.client(t), command)
	decided := env.decide(t, command, "deny", map[string]any{"note": "not on a Friday"})
	result := await(t, done)
	var denied *CommandDeniedError
	if result.decision != nil || !errors.As(result.err, &denied) {
		t.Fatalf("%+v", result)
	}
	if denied.Command != command || denied.Notes != "not on a Friday" || denied.Reviewer == "" ||
		denied.Decision.Decision != Denied || denied.Decision.Approved || denied.Decision.CommandID != decided.ID {
		t.Fatalf("%+v", denied)
	}
}

// The caller's context ends the wait once the command is pending; the server cancels it.
func TestLiveContextTimeoutCancelsTheCommand(t *testing.T) {
	env := live(t)
	client := env.client(t)
	for _, cause := range []error{context.DeadlineExceeded, context.Canceled} {
		t.Run(cause.Error(), func(t *testing.T) {
			command := uniqueCommand("timeout")
			ctx, end := endableContext(cause)
			defer end()
			done := runAsync(ctx, client, command)
			env.command(t, command, "pending")
			end()
			result := await(t, done)
			var timeout *TimeoutError
			if !errors.As(result.err, &timeout) || !errors.Is(result.err, cause) || timeout.Decision != nil || !timeout.CancelSent {
				t.Fatalf("%+v", result)
			}
			if cancelled, count := env.command(t, command, "cancelled"); cancelled.Status != "cancelled" || count != 1 {
				t.Fatalf("%+v, %d", cancelled, count)
			}
		})
	}
}

// endableContext is a context the test ends when it chooses, with cause as its Err: a
// real deadline would race the command becoming pending on the server.
func endableContext(cause error) (context.Context, func()) {
	if cause == context.Canceled {
		return context.WithCancel(context.Background())
	}
	ctx := &expiringContext{Context: context.Background(), done: make(chan struct{})}
	return ctx, ctx.expire
}

// expiringContext reports context.DeadlineExceeded once expire was called.
type expiringContext struct {
	context.Context
	done chan struct{}
	once sync.Once
}

func (c *expiringContext) Done() <-chan struct{} { return c.done }

func (c *expiringContext) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

func (c *expiringContext) expire() { c.once.Do(func() { close(c.done) }) }

func TestLiveWhitelistedPassThrough(t *testing.T) {
	env := live(t)
	command := uniqueCommand("whitelisted")
	env.call(t, http.MethodPost, "/whitelist", map[string]any{"pattern": command}, nil)
	decision, err := env.client(t).Run(context.Background(), command)
	if err != nil {
		t.Fatal(err)
	}
	if !decision.Approved || !decision.Whitelisted || decision.Reviewer != "" || decision.RuleID == "" {
		t.Fatalf("%+v", decision)
	}
}

func TestLiveReconnectAndResume(t *testing.T) {
	env := live(t)
	command := uniqueCommand("resume")
	done := runAsync(context.Background(), env.client(t), command)
	pending, _ := env.command(t, command, "pending")
	var cut struct {
		Cut int `json:"cut"`
	}
	env.call(t, http.MethodPost, "/cut", map[string]any{"refuse_seconds": 1.5}, &cut)
	if cut.Cut < 1 {
		t.Fatalf("the cut dropped %d connections", cut.Cut)
	}
	decided := env.decide(t, command, "approve", map[string]any{"note": "decided while away"})
	result := await(t, done)
	if result.err != nil {
		t.Fatal(result.err)
	}
	if d := result.decision; !d.Approved || d.CommandID != pending.ID || d.CommandID != decided.ID || d.Notes != "decided while away" {
		t.Fatalf("%+v", d)
	}
	if _, count := env.command(t, command, ""); count != 1 {
		t.Fatalf("%d commands: the wait was resubmitted as new", count)
	}
}

// A wrong token fails at once: with the default 60 s reconnect window, a retry would end
// in a *ConnectionError, not in the first refusal's *AuthenticationError.
func TestLiveWrongTokenIsAuthenticationError(t *testing.T) {
	env := live(t)
	client, err := New(Options{URL: env.url, Token: "not-a-real-token"})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	_, err = client.Run(context.Background(), uniqueCommand("wrong-token"))
	var refused *AuthenticationError
	if !errors.As(err, &refused) || refused.StatusCode != http.StatusUnauthorized {
		t.Fatalf("%#v", err)
	}
}

// Several goroutines share one client against the real server.
func TestLiveConcurrentRuns(t *testing.T) {
	env := live(t)
	client := env.client(t)
	const runs = 4
	commands := make([]string, runs)
	results := make([]runResult, runs)
	var wg sync.WaitGroup
	for i := range runs {
		commands[i] = uniqueCommand(fmt.Sprintf("concurrent-%d", i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			decision, err := client.Run(context.Background(), commands[i])
			results[i] = runResult{decision, err}
		}()
	}
	for i := runs - 1; i >= 0; i-- {
		action := "approve"
		if i%2 == 1 {
			action = "deny"
		}
		env.decide(t, commands[i], action, nil)
	}
	wg.Wait()
	for i, result := range results {
		var denied *CommandDeniedError
		if i%2 == 0 && (result.err != nil || result.decision.Command != commands[i]) {
			t.Fatalf("%d: %+v", i, result)
		}
		if i%2 == 1 && (!errors.As(result.err, &denied) || denied.Command != commands[i]) {
			t.Fatalf("%d: %+v", i, result)
		}
	}
}
