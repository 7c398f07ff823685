package expacti

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func serverVector(t *testing.T, name string) map[string]any {
	t.Helper()
	for _, vector := range loadVectors(t, "server_frames.json") {
		if vector.Name == name {
			var frame map[string]any
			if err := json.Unmarshal(vector.Frame, &frame); err != nil {
				t.Fatal(err)
			}
			return frame
		}
	}
	t.Fatalf("no server vector %s", name)
	return nil
}

func encode(t *testing.T, frame map[string]any, changes map[string]any) []byte {
	t.Helper()
	merged := map[string]any{}
	for key, value := range frame {
		merged[key] = value
	}
	for key, value := range changes {
		merged[key] = value
	}
	data, err := json.Marshal(merged)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func parseDecisionVector(t *testing.T, name string) *decisionFrame {
	t.Helper()
	frame, err := parseServerFrame(encode(t, serverVector(t, name), nil))
	if err != nil {
		t.Fatal(err)
	}
	return frame.(*decisionFrame)
}

func refusedFrame(t *testing.T, text []byte) *ProtocolError {
	t.Helper()
	frame, err := parseServerFrame(text)
	var invalid *ProtocolError
	if !errors.As(err, &invalid) {
		t.Fatalf("accepted %s as %#v (%v)", text, frame, err)
	}
	return invalid
}

func TestDecisionReachesThePublicDecisionUnchanged(t *testing.T) {
	decision, err := toDecision(parseDecisionVector(t, "decision-denied"), "rm -rf /tmp/x")
	if err != nil {
		t.Fatal(err)
	}
	want := &Decision{
		Approved: false, Decision: Denied, CommandID: "cmd_3", Command: "rm -rf /tmp/x",
		OriginalCommand: "rm -rf /tmp/x", Reviewer: "bob", Notes: "not on a Friday",
		RiskScore: 70, Anomalies: []string{"destructive"}, Approvers: []string{}, LatencyMS: 900,
		RequestID: "r-3",
	}
	if !reflect.DeepEqual(decision, want) {
		t.Fatalf("got %+v\nwant %+v", decision, want)
	}
}

func TestAnEditIsTheCommandToRun(t *testing.T) {
	decision, err := toDecision(parseDecisionVector(t, "decision-edited"), "terraform apply")
	if err != nil {
		t.Fatal(err)
	}
	if decision.Command != "terraform apply -target=module.web" || decision.OriginalCommand != "terraform apply" ||
		!decision.Edited || !reflect.DeepEqual(decision.Approvers, []string{"alice"}) {
		t.Fatalf("%+v", decision)
	}
	// Without an edit the server's copy (perhaps a label) does not replace the caller's.
	decision, err = toDecision(parseDecisionVector(t, "decision-multi-party"), "psql -c 'select 1'")
	if err != nil || decision.Command != "psql -c 'select 1'" || !reflect.DeepEqual(decision.Approvers, []string{"alice", "bob"}) {
		t.Fatalf("%+v %v", decision, err)
	}
	frame := parseDecisionVector(t, "decision-edited")
	frame.command = nil
	if _, err := toDecision(frame, "terraform apply"); err == nil || !strings.Contains(err.Error(), "without the edited command") {
		t.Fatal(err)
	}
}

func TestProgressAndAcceptedFields(t *testing.T) {
	frame, err := parseServerFrame(encode(t, serverVector(t, "progress"), nil))
	if err != nil {
		t.Fatal(err)
	}
	progress := frame.(*progressFrame)
	want := Progress{CommandID: "cmd_25", Approvals: 1, Required: 2, Approvers: []string{"alice"},
		ExpiresAt: time.Date(2026, 11, 21, 10, 6, 0, 0, time.UTC)}
	if progress.requestID != "r-25" || !reflect.DeepEqual(progress.progress, want) {
		t.Fatalf("%+v", progress)
	}
	for _, stamp := range []string{"2026-11-21T10:06:00Z", "2026-11-21 10:06:00.5+00:00", "2026-11-21T11:06+0100"} {
		accepted := encode(t, serverVector(t, "accepted"), map[string]any{"expires_at": stamp})
		frame, err := parseServerFrame(accepted)
		if err != nil {
			t.Fatal(stamp, err)
		}
		if at := frame.(*acceptedFrame).expiresAt; at.Before(want.ExpiresAt) || at.After(want.ExpiresAt.Add(time.Second)) {
			t.Fatal(stamp, at)
		}
	}
}

func TestHelloKeepsTheIntegralLimits(t *testing.T) {
	frame, err := parseServerFrame([]byte(`{"type":"hello","protocol":"v1","limits":{"max_command_bytes":10,"odd":"x","timeout_seconds":30.0}}`))
	if err != nil {
		t.Fatal(err)
	}
	hello := frame.(*helloFrame)
	if !reflect.DeepEqual(hello.limits, map[string]int64{"max_command_bytes": 10, "timeout_seconds": 30}) || policyOf(hello) != 30*time.Second {
		t.Fatalf("%+v", hello.limits)
	}
}

func TestAnInvalidFrameKeepsItsRequestID(t *testing.T) {
	invalid := refusedFrame(t, encode(t, serverVector(t, "decision-approved-but-decision-denied"), nil))
	if invalid.RequestID != "r-8" || invalid.Code != "" {
		t.Fatalf("%+v", invalid)
	}
}

func TestFailsClosed(t *testing.T) {
	approved := serverVector(t, "decision-approved-by-reviewer")
	decision := func(changes map[string]any) []byte { return encode(t, approved, changes) }
	withoutReviewer := map[string]any{}
	for key, value := range approved {
		if key != "reviewer" {
			withoutReviewer[key] = value
		}
	}
	cases := map[string][]byte{
		"not JSON":                             []byte("{"),
		"not an object":                        []byte("[1]"),
		"not UTF-8":                            []byte("{\"type\":\"pong\",\"nonce\":\"\xff\"}"),
		"data after the object":                []byte(`{"type":"pong"} {}`),
		"a duplicate key":                      []byte(`{"type":"decision","approved":false,"approved":true}`),
		"a duplicate key deeper down":          []byte(`{"type":"pong","x":{"a":1,"a":2}}`),
		"NaN":                                  []byte(strings.Replace(string(decision(nil)), "4211.5", "NaN", 1)),
		"approved false but decision approved": decision(map[string]any{"approved": false}),
		"a boolean risk score":                 decision(map[string]any{"risk_score": true}),
		"a risk score out of range":            decision(map[string]any{"risk_score": 101}),
		"a fractional risk score":              decision(map[string]any{"risk_score": 20.5}),
		"a negative latency":                   decision(map[string]any{"latency_ms": -1}),
		"anomalies that are not strings":       decision(map[string]any{"anomalies": []int{1}}),
		"a reviewer that is not a string":      decision(map[string]any{"reviewer": 7}),
		"a null request_id":                    decision(map[string]any{"request_id": nil}),
		"a missing reviewer":                   encode(t, withoutReviewer, nil),
		"expires_at without a zone":            []byte(`{"type":"accepted","request_id":"r","command_id":"c","status":"pending","expires_at":"2026-11-21T10:01:00","resumed":false}`),
		"expires_at that is no timestamp":      []byte(`{"type":"accepted","request_id":"r","command_id":"c","status":"pending","expires_at":"soon","resumed":false}`),
		"an impossible date":                   []byte(`{"type":"accepted","request_id":"r","command_id":"c","status":"pending","expires_at":"2026-13-41T10:01:00Z","resumed":false}`),
		"a hello without protocol":             []byte(`{"type":"hello"}`),
		"an agent that is not an object":       []byte(`{"type":"hello","protocol":"v1","agent":"me"}`),
		"an inherited type name":               []byte(`{"type":"constructor"}`),
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) { refusedFrame(t, text) })
	}
}

func TestJSONNestedTooDeeplyIsNotTrusted(t *testing.T) {
	for _, pair := range [][2]string{{"[", "]"}, {`{"x": `, "}"}} {
		nested := strings.Repeat(pair[0], 5000) + "1" + strings.Repeat(pair[1], 5000)
		invalid := refusedFrame(t, []byte(`{"type": "decision", "request_id": "r-1", "x": `+nested+`}`))
		if !strings.Contains(invalid.Message, "nested") || invalid.RequestID != "" {
			t.Fatalf("%+v", invalid)
		}
	}
	// 64 levels are fine.
	nested := strings.Repeat("[", 63) + strings.Repeat("]", 63)
	if _, err := parseServerFrame([]byte(`{"type":"pong","x":` + nested + `}`)); err != nil {
		t.Fatal(err)
	}
}

func TestKeysWithEscapesAreToldApart(t *testing.T) {
	frame, err := parseServerFrame([]byte(`{"type":"pong","a\"b":1,"a":2,"nonce":"n"}`))
	if err != nil || *frame.(*pongFrame).nonce != "n" {
		t.Fatal(frame, err)
	}
	// The same key spelled with an escape is still the same key.
	refusedFrame(t, []byte(`{"type":"pong","nonce":"a","nonc\u0065":"b"}`))
}

func TestBuildersMakeCompactJSONWithoutUnsetFields(t *testing.T) {
	frame, err := submitFrame(submitFields{requestID: "r-1", command: "ls -la && echo <done>"}, defaultLimits)
	if err != nil || string(frame) != `{"type":"submit","request_id":"r-1","command":"ls -la && echo <done>"}` {
		t.Fatal(string(frame), err)
	}
	frame, err = cancelFrame("r", "")
	if err != nil || string(frame) != `{"type":"cancel","request_id":"r"}` {
		t.Fatal(string(frame), err)
	}
	step := 0
	frame, err = submitFrame(submitFields{requestID: "r-2", command: "make", session: &Session{ID: "s", CurrentStep: &step}}, defaultLimits)
	if err != nil || string(frame) != `{"type":"submit","request_id":"r-2","command":"make","session":{"id":"s","current_step":0}}` {
		t.Fatal(string(frame), err)
	}
}

func TestMetadataIsMeasuredAsTheServerDoes(t *testing.T) {
	// The server measures json.dumps([session, context]): ASCII-escaped, compact (sizes
	// checked with Python).
	for _, c := range []struct {
		value string
		size  int
	}{{"a", 16}, {"é", 21}, {"😀", 27}, {"<&>", 18}} {
		encoded, err := compactJSON([]any{nil, map[string]any{"k": c.value}})
		if err != nil {
			t.Fatal(err)
		}
		if got := asciiJSONBytes(encoded); got != c.size {
			t.Fatalf("%q: %d bytes, want %d (%s)", c.value, got, c.size, encoded)
		}
	}
}
