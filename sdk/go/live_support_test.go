//go:build live

package expacti

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"
)

// liveEnv is what sdk/testing/live_server.py hands the live tests. Under the live tag a
// missing variable fails the test: the tests must never be skipped silently.
type liveEnv struct {
	url          string
	agentToken   string
	vectorsToken string
	control      string
}

func live(t *testing.T) liveEnv {
	t.Helper()
	get := func(name string) string {
		value := os.Getenv(name)
		if value == "" {
			t.Fatalf("%s is not set: the live tests run under sdk/testing/live_server.py (make test)", name)
		}
		return value
	}
	return liveEnv{
		url:          get("EXPACTI_LIVE_URL"),
		agentToken:   get("EXPACTI_LIVE_AGENT_TOKEN"),
		vectorsToken: get("EXPACTI_LIVE_VECTORS_TOKEN"),
		control:      get("EXPACTI_LIVE_CONTROL"),
	}
}

func (e liveEnv) client(t *testing.T) *Client {
	t.Helper()
	client, err := New(Options{URL: e.url, Token: e.agentToken, MaxBackoff: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client
}

// liveCommand is the server's Command, as far as the tests read it.
type liveCommand struct {
	ID       string  `json:"id"`
	Command  string  `json:"command"`
	Status   string  `json:"status"`
	Reviewer *string `json:"reviewer"`
}

// call sends one request to the control API and decodes a 2xx answer into out.
func (e liveEnv) call(t *testing.T, method, path string, body any, out any) {
	t.Helper()
	var payload io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		payload = bytes.NewReader(data)
	}
	request, err := http.NewRequest(method, e.control+path, payload)
	if err != nil {
		t.Fatal(err)
	}
	request.Header.Set("Content-Type", "application/json")
	response, err := (&http.Client{Timeout: 90 * time.Second}).Do(request)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer response.Body.Close()
	data, _ := io.ReadAll(response.Body)
	if response.StatusCode/100 != 2 {
		t.Fatalf("%s %s: HTTP %d %s", method, path, response.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
}

// decide waits until text is pending, then decides it as the organisation's reviewer.
func (e liveEnv) decide(t *testing.T, text, action string, extra map[string]any) liveCommand {
	t.Helper()
	body := map[string]any{"command": text, "action": action}
	for key, value := range extra {
		body[key] = value
	}
	var decided liveCommand
	e.call(t, http.MethodPost, "/decide", body, &decided)
	return decided
}

// command is the newest command with exactly text (waiting for status, when given) and
// how many there are.
func (e liveEnv) command(t *testing.T, text, status string) (liveCommand, int) {
	t.Helper()
	query := url.Values{"text": {text}}
	if status != "" {
		query.Set("status", status)
	}
	var found struct {
		Command liveCommand `json:"command"`
		Count   int         `json:"count"`
	}
	e.call(t, http.MethodGet, "/command?"+query.Encode(), nil, &found)
	return found.Command, found.Count
}

func uniqueCommand(kind string) string {
	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	return fmt.Sprintf("echo go-%s-%s", kind, hex.EncodeToString(suffix[:]))
}
