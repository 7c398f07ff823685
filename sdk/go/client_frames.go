package expacti

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// limits are what a submit must respect: the protocol's defaults until a hello says more.
type limits struct {
	maxCommandBytes  int
	maxFrameBytes    int
	maxMetadataBytes int
}

var defaultLimits = limits{maxCommandBytes: 65536, maxFrameBytes: 1048576, maxMetadataBytes: 16384}

const (
	maxTimeoutSeconds = 600
	maxTargetChars    = 255
	maxSessionIDChars = 128
)

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// submitFields are a submit frame's fields; nil and "" optional fields are left out.
type submitFields struct {
	requestID      string
	command        string
	target         string
	timeoutSeconds *int
	session        *Session
	context        map[string]any
}

type submitWire struct {
	Type           string          `json:"type"`
	RequestID      string          `json:"request_id"`
	Command        string          `json:"command"`
	Target         string          `json:"target,omitempty"`
	TimeoutSeconds *int            `json:"timeout_seconds,omitempty"`
	Session        *sessionWire    `json:"session,omitempty"`
	Context        json.RawMessage `json:"context,omitempty"`
}

type sessionWire struct {
	ID          string   `json:"id"`
	Goal        string   `json:"goal,omitempty"`
	Steps       []string `json:"steps,omitempty"`
	CurrentStep *int     `json:"current_step,omitempty"`
}

// submitFrame builds a submit frame, refusing with *InvalidArgumentError whatever the
// server would refuse with invalid_frame, command_too_large or payload_too_large
// (measured against lim).
func submitFrame(s submitFields, lim limits) ([]byte, error) {
	if !requestIDPattern.MatchString(s.requestID) {
		return nil, invalidArgument("request_id must be 1-128 characters of A-Z a-z 0-9 . _ : -")
	}
	if err := checkCommand(s.command, lim); err != nil {
		return nil, err
	}
	wire := submitWire{Type: "submit", RequestID: s.requestID, Command: s.command, Target: s.target}
	if !utf8.ValidString(s.target) {
		return nil, invalidArgument("target must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(s.target); n > maxTargetChars {
		return nil, invalidArgument("target is %d characters; the server takes at most %d", n, maxTargetChars)
	}
	if t := s.timeoutSeconds; t != nil {
		if *t < 1 || *t > maxTimeoutSeconds {
			return nil, invalidArgument("timeout must be from 1 to %d seconds, not %d", maxTimeoutSeconds, *t)
		}
		wire.TimeoutSeconds = t
	}
	if s.session != nil {
		session, err := checkSession(*s.session)
		if err != nil {
			return nil, err
		}
		wire.Session = session
	}
	if s.context != nil {
		context, err := compactJSON(s.context)
		if err != nil {
			return nil, invalidArgument("context cannot be JSON: %v", err)
		}
		wire.Context = context
	}
	if wire.Session != nil || wire.Context != nil {
		metadata, err := compactJSON([]any{wire.Session, wire.Context})
		if err != nil {
			return nil, invalidArgument("session and context cannot be JSON: %v", err)
		}
		if size := asciiJSONBytes(metadata); size > lim.maxMetadataBytes {
			return nil, invalidArgument(
				"session and context are %d bytes of JSON; the server takes at most %d", size, lim.maxMetadataBytes)
		}
	}
	return compactJSON(wire)
}

// checkCommand refuses a command a submit may not carry: too large, blank, with NUL, or
// not UTF-8 (JSON would carry U+FFFD, so the reviewer would see other bytes than run).
func checkCommand(command string, lim limits) error {
	if !utf8.ValidString(command) {
		return invalidArgument("command must be valid UTF-8")
	}
	if size := len(command); size > lim.maxCommandBytes {
		return invalidArgument("command is %d bytes; the server takes at most %d", size, lim.maxCommandBytes)
	}
	if isBlank(command) {
		return invalidArgument("command must not be blank")
	}
	if strings.ContainsRune(command, 0) {
		return invalidArgument("command must not contain NUL characters")
	}
	return nil
}

func checkSession(s Session) (*sessionWire, error) {
	if n := utf8.RuneCountInString(s.ID); s.ID == "" || n > maxSessionIDChars {
		return nil, invalidArgument("session ID must be 1-%d characters", maxSessionIDChars)
	}
	return &sessionWire{ID: s.ID, Goal: s.Goal, Steps: s.Steps, CurrentStep: s.CurrentStep}, nil
}

type cancelWire struct {
	Type      string `json:"type"`
	RequestID string `json:"request_id"`
	Reason    string `json:"reason,omitempty"`
}

// cancelFrame asks the server to cancel the command submitted with requestID.
func cancelFrame(requestID, reason string) ([]byte, error) {
	if requestID == "" {
		return nil, invalidArgument("cancel needs a request_id")
	}
	return compactJSON(cancelWire{Type: "cancel", RequestID: requestID, Reason: reason})
}

type sessionEndWire struct {
	Type      string        `json:"type"`
	SessionID string        `json:"session_id"`
	Status    SessionStatus `json:"status"`
}

// sessionEndFrame tells the server the agent is done with the session it chose id for.
func sessionEndFrame(id string, status SessionStatus) ([]byte, error) {
	if n := utf8.RuneCountInString(id); id == "" || n > maxSessionIDChars {
		return nil, invalidArgument("session ID must be 1-%d characters", maxSessionIDChars)
	}
	if status != SessionCompleted && status != SessionFailed {
		return nil, invalidArgument("session status must be %q or %q, not %q", SessionCompleted, SessionFailed, status)
	}
	return compactJSON(sessionEndWire{Type: "session_end", SessionID: id, Status: status})
}

// compactJSON is value as JSON without HTML escaping (`&&` stays `&&`, as in Python).
func compactJSON(value any) ([]byte, error) {
	var out bytes.Buffer
	encoder := json.NewEncoder(&out)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(value); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), nil
}

// asciiJSONBytes is the size of UTF-8 JSON as the server measures it: Python's json.dumps
// escapes every non-ASCII character as \uXXXX (six bytes; twelve for a surrogate pair).
func asciiJSONBytes(text []byte) int {
	size := 0
	for _, r := range string(text) {
		switch {
		case r <= unicode.MaxASCII:
			size++
		case r <= 0xFFFF:
			size += 6
		default:
			size += 12
		}
	}
	return size
}

// isPythonSpace is unicode.IsSpace plus U+001C-U+001F, which Python's str.isspace() (and
// so the server's blank check) also counts.
func isPythonSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}
