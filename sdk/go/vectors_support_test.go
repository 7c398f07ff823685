package expacti

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// vectorsDir holds the conformance vectors every SDK replays, read at test time.
var vectorsDir = filepath.Join("..", "..", "protocol", "vectors")

type vectorCase struct {
	Name   string                     `json:"name"`
	Frame  json.RawMessage            `json:"frame"`
	Raw    *string                    `json:"raw"`
	Expand map[string]vectorExpansion `json:"expand"`
	Expect map[string]any             `json:"expect"`
}

type vectorExpansion struct {
	Repeat string `json:"repeat"`
	Count  int    `json:"count"`
	As     string `json:"as"`
}

func loadVectors(t *testing.T, name string) []vectorCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(vectorsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []vectorCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	return file.Cases
}

// decodeJSON keeps numbers as json.Number, so they compare as the text they were.
func decodeJSON(t *testing.T, data []byte) map[string]any {
	t.Helper()
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.UseNumber()
	var value map[string]any
	if err := decoder.Decode(&value); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	return value
}

// expanded is the case's frame with expand applied (long strings written out).
func expanded(t *testing.T, vector vectorCase) map[string]any {
	frame := decodeJSON(t, vector.Frame)
	for key, spec := range vector.Expand {
		text := strings.Repeat(spec.Repeat, spec.Count)
		if spec.As == "object_value" {
			frame[key] = map[string]any{"value": text}
		} else {
			frame[key] = text
		}
	}
	return frame
}

// outOfReach says why the SDK cannot build a case by design, or "" when it can.
func outOfReach(vector vectorCase) string {
	if vector.Raw != nil {
		return "raw text"
	}
	var head struct {
		Type      any             `json:"type"`
		Encrypted json.RawMessage `json:"encrypted"`
	}
	_ = json.Unmarshal(vector.Frame, &head)
	switch head.Type {
	case "submit", "cancel", "session_end":
	case "ping":
		return "a type the SDK never sends (it keeps the link alive with WebSocket pings)"
	case "exec_start", "exec_output", "exec_end":
		return "a type the SDK never sends (no execute or recording in the Go SDK)"
	default:
		return "a type the SDK never sends"
	}
	if head.Encrypted != nil {
		return "end-to-end encrypted (no encryption in the Go SDK)"
	}
	return ""
}

// statefulErrors depend on the server's state, not on the frame: the frame is fine.
var statefulErrors = map[string]bool{"not_found": true, "request_id_conflict": true}

// errUnrepresentable: the case gives a field a JSON type the Go API's static types cannot
// hold (a number as the command...), so no call can even express it.
var errUnrepresentable = errors.New("not representable in the Go API's types")

// buildVector builds the case's frame with the SDK's own builder for its type.
func buildVector(frame map[string]any) ([]byte, error) {
	r := &reader{frame: frame}
	switch frame["type"] {
	case "submit":
		fields := submitFields{
			requestID:      r.text("request_id"),
			command:        r.text("command"),
			target:         r.text("target"),
			timeoutSeconds: r.optInt(frame["timeout_seconds"]),
			session:        r.session(),
			context:        r.object("context"),
		}
		if r.bad {
			return nil, errUnrepresentable
		}
		return submitFrame(fields, defaultLimits)
	case "cancel":
		requestID, reason := r.text("request_id"), r.text("reason")
		if r.bad {
			return nil, errUnrepresentable
		}
		return cancelFrame(requestID, reason)
	case "session_end":
		id, status := r.text("session_id"), r.text("status")
		if r.bad {
			return nil, errUnrepresentable
		}
		return sessionEndFrame(id, SessionStatus(status))
	}
	return nil, errors.New("the SDK never sends this type")
}

// reader maps a vector's JSON fields to the Go API's types; bad when one does not fit.
type reader struct {
	frame map[string]any
	bad   bool
}

func (r *reader) text(key string) string {
	value := r.frame[key]
	if value == nil {
		return ""
	}
	text, ok := value.(string)
	r.bad = r.bad || !ok
	return text
}

func (r *reader) optInt(value any) *int {
	if value == nil {
		return nil
	}
	number, ok := value.(json.Number)
	parsed, err := number.Int64()
	if !ok || err != nil {
		r.bad = true
		return nil
	}
	n := int(parsed)
	return &n
}

func (r *reader) object(key string) map[string]any {
	value := r.frame[key]
	if value == nil {
		return nil
	}
	obj, ok := value.(map[string]any)
	r.bad = r.bad || !ok
	return obj
}

func (r *reader) session() *Session {
	obj := r.object("session")
	if obj == nil {
		return nil
	}
	inner := &reader{frame: obj}
	session := &Session{ID: inner.text("id"), Goal: inner.text("goal"), CurrentStep: inner.optInt(obj["current_step"])}
	if steps, ok := obj["steps"].([]any); ok {
		for _, step := range steps {
			text, isText := step.(string)
			inner.bad = inner.bad || !isText
			session.Steps = append(session.Steps, text)
		}
	}
	r.bad = r.bad || inner.bad
	return session
}

// known is the frame as the SDK sends it: unknown fields and nulls left out.
func known(frame map[string]any) map[string]any {
	fields := map[string]bool{
		"type": true, "request_id": true, "command": true, "target": true, "timeout_seconds": true,
		"session": true, "context": true, "reason": true, "session_id": true, "status": true,
	}
	sent := map[string]any{}
	for key, value := range frame {
		if fields[key] && value != nil {
			sent[key] = value
		}
	}
	return sent
}
