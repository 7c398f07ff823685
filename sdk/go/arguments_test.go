package expacti

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNewRefusesBadOptions(t *testing.T) {
	for name, options := range map[string]Options{
		"no URL":              {Token: testToken},
		"an http URL":         {URL: "http://localhost:3001/shell/ws", Token: testToken},
		"no host":             {URL: "ws:///shell/ws", Token: testToken},
		"credentials in URL":  {URL: "ws://user:pw@localhost/shell/ws", Token: testToken},
		"no token":            {URL: "ws://localhost/shell/ws"},
		"a token with spaces": {URL: "ws://localhost/shell/ws", Token: "a b"},
		"a non-ASCII token":   {URL: "ws://localhost/shell/ws", Token: "tökén"},
		"a negative duration": {URL: "ws://localhost/shell/ws", Token: testToken, MaxBackoff: -time.Second},
	} {
		client, err := New(options)
		var invalid *InvalidArgumentError
		if client != nil || !errors.As(err, &invalid) {
			t.Fatalf("%s: %v", name, err)
		}
		if options.Token != "" && strings.Contains(err.Error(), options.Token) {
			t.Fatalf("%s: the token leaked into %q", name, err)
		}
	}
	if _, err := New(Options{URL: "wss://expacti.example/shell/ws", Token: testToken}); err != nil {
		t.Fatal(err)
	}
}

// A mistyped URL must not put the token it carries into an error message, which ends up
// in logs: not from the userinfo, the query, the fragment, nor url.Parse's own error.
func TestABadURLNeverRepeatsTheSecretItCarries(t *testing.T) {
	const secret = "SECRET-7f3a"
	for _, raw := range []string{
		"https://agent:" + secret + "@expacti.example/shell/ws",
		"ws://agent:" + secret + "@expacti.example/shell/ws",
		"http://expacti.example/shell/ws?token=" + secret,
		"wss://expacti.example/shell/ws?token=" + secret,
		"wss://expacti.example/shell/ws#" + secret,
		"wss://expacti.example:" + secret + "/shell/ws",
		"wss://agent:" + secret + "%zz@expacti.example/shell/ws",
		"wss://expacti.example/shell/ws\x7f" + secret + "\x00",
	} {
		_, err := New(Options{URL: raw, Token: testToken})
		var invalid *InvalidArgumentError
		if !errors.As(err, &invalid) || strings.Contains(err.Error(), secret) {
			t.Fatalf("%q: %v", raw, err)
		}
	}
}

func TestRunRefusesBadArgumentsBeforeSendingAnything(t *testing.T) {
	server := newFakeServer(t, nil).start()
	client := server.client(t, nil)
	bigContext := map[string]any{"value": strings.Repeat("x", 20000)}
	for _, c := range []struct {
		name    string
		command string
		options []RunOption
		message string
	}{
		{"blank", " \n\t\x1c", nil, "command must not be blank"},
		{"NUL", "ls\x00rm", nil, "NUL"},
		{"too large", strings.Repeat("a", 65537), nil, "command is 65537 bytes; the server takes at most 65536"},
		{"not UTF-8", "ls \xff", nil, "UTF-8"},
		{"timeout zero", "ls", []RunOption{WithTimeout(0)}, "timeout"},
		{"timeout too long", "ls", []RunOption{WithTimeout(601 * time.Second)}, "timeout"},
		{"target too long", "ls", []RunOption{WithTarget(strings.Repeat("é", 256))}, "target is 256 characters"},
		{"session without id", "ls", []RunOption{WithSession(Session{Goal: "x"})}, "session ID"},
		{"context not JSON", "ls", []RunOption{WithContext(map[string]any{"f": func() {}})}, "context"},
		{"metadata too large", "ls", []RunOption{WithContext(bigContext)}, "session and context are 20019 bytes of JSON; the server takes at most 16384"},
	} {
		_, err := client.Run(context.Background(), c.command, c.options...)
		var invalid *InvalidArgumentError
		if !errors.As(err, &invalid) || !strings.Contains(err.Error(), c.message) {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	var nilContext context.Context
	if _, err := client.Run(nilContext, "ls"); err == nil {
		t.Fatal("a nil context was taken")
	}
	if server.handshakeCount() != 0 {
		t.Fatalf("%d handshakes for runs that could not be sent", server.handshakeCount())
	}
}

func TestTheLimitsOfTheServersHelloApply(t *testing.T) {
	server := pendingServer(t)
	server.limits["max_command_bytes"] = 10
	server.limits["max_metadata_bytes"] = 20
	server.start()
	client := server.client(t, nil)
	if err := client.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err := client.Run(context.Background(), "echo 12345678")
	if err == nil || err.Error() != "expacti: command is 13 bytes; the server takes at most 10" {
		t.Fatal(err)
	}
	_, err = client.Run(context.Background(), "ls", WithContext(map[string]any{"ticket": "OPS-7"}))
	if err == nil || !strings.Contains(err.Error(), "session and context are 25 bytes of JSON; the server takes at most 20") {
		t.Fatal(err)
	}
}

func TestASubmitFrameLargerThanTheServersFrameLimitIsRefused(t *testing.T) {
	server := pendingServer(t)
	server.limits["max_frame_bytes"] = 100
	server.start()
	client := server.client(t, nil)
	if err := client.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err := client.Run(context.Background(), "echo "+strings.Repeat("x", 60))
	var invalid *InvalidArgumentError
	if !errors.As(err, &invalid) || !strings.Contains(err.Error(), "the submit frame is 143 bytes; the server takes at most 100") {
		t.Fatal(err)
	}
	server.mu.Lock()
	defer server.mu.Unlock()
	if len(server.frames) != 0 {
		t.Fatal("sent", server.frames)
	}
}
