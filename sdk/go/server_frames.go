package expacti

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	maxApprovals = 1000 // far above any real policy; only bounds what a frame may say
	maxSeq       = 1<<53 - 1
)

// serverFrame is one validated frame from the server: one of the *...Frame types below.
type serverFrame interface {
	frameType() string
}

// helloFrame: sent once after the handshake; who the token is and the server's limits.
type helloFrame struct {
	protocol string
	server   *string
	agent    map[string]any
	org      map[string]any
	// limits keeps the integral numbers only; others are ignored like unknown fields.
	limits map[string]int64
}

// acceptedFrame: the command waits for a human; resumed when a re-sent submit found it.
type acceptedFrame struct {
	requestID string
	commandID string
	status    string
	expiresAt time.Time
	resumed   bool
}

// decisionFrame: the final word, validated (approved agrees with decision, an edit names
// what to run). command is the server's copy, nil from servers that predate it.
type decisionFrame struct {
	requestID   string
	commandID   string
	approved    bool
	decision    DecisionState
	latencyMS   float64
	reviewer    *string
	notes       *string
	whitelisted bool
	ruleID      *string
	riskScore   int
	anomalies   []string
	command     *string
	edited      bool
	approvers   []string
}

// progressFrame: a partial approval or an escalation; never a decision.
type progressFrame struct {
	requestID string
	progress  Progress
}

type pongFrame struct{ nonce *string }

// errorFrame: the server refused a frame; nothing was created, decided or cancelled.
type errorFrame struct {
	code      string
	message   string
	requestID string
	details   map[string]any
}

// execAckFrame: acknowledges recording frames, which this SDK never sends; parsed so that
// a valid one is not mistaken for a broken server.
type execAckFrame struct {
	commandID    string
	seq          int64
	recordingID  string
	captureInput bool
}

func (*helloFrame) frameType() string    { return "hello" }
func (*acceptedFrame) frameType() string { return "accepted" }
func (*decisionFrame) frameType() string { return "decision" }
func (*progressFrame) frameType() string { return "progress" }
func (*pongFrame) frameType() string     { return "pong" }
func (*errorFrame) frameType() string    { return "error" }
func (*execAckFrame) frameType() string  { return "exec_ack" }

var frameParsers = map[string]func(*fields) serverFrame{
	"hello":    parseHello,
	"accepted": parseAccepted,
	"decision": parseDecision,
	"progress": parseProgress,
	"pong":     parsePong,
	"error":    parseError,
	"exec_ack": parseExecAck,
}

// parseServerFrame validates one text frame from the server. Anything that is not exactly
// what the protocol promises is a *ProtocolError with an empty Code (and the frame's
// request_id, when it had a string one), so a malformed decision can never approve.
func parseServerFrame(data []byte) (serverFrame, error) {
	if !utf8.Valid(data) {
		return nil, &ProtocolError{Message: "the server sent a frame that is not UTF-8"}
	}
	value, err := parseStrictJSON(data)
	if err != nil {
		return nil, &ProtocolError{Message: fmt.Sprintf("the server sent invalid JSON: %v", err)}
	}
	obj, isObject := value.(map[string]any)
	if !isObject {
		return nil, &ProtocolError{Message: "the server sent a frame that is not a JSON object"}
	}
	kind, kindIsText := obj["type"].(string)
	requestID, _ := obj["request_id"].(string)
	what := "frame"
	if kindIsText {
		what = kind + " frame"
	}
	f := &fields{obj: obj, what: what, requestID: requestID}
	parse, known := frameParsers[kind]
	if !kindIsText || !known {
		f.invalid("unknown frame type %v", describe(obj["type"]))
		return nil, f.err
	}
	frame := parse(f)
	if f.err != nil {
		return nil, f.err
	}
	return frame, nil
}

func describe(value any) string {
	if value == nil {
		return "null"
	}
	return fmt.Sprintf("%q", fmt.Sprint(value))
}

func parseHello(f *fields) serverFrame {
	limits := map[string]int64{}
	for key, value := range f.mapping("limits") {
		if number, ok := integral(value); ok {
			limits[key] = number
		}
	}
	return &helloFrame{
		protocol: f.text("protocol"),
		server:   f.optText("server", false),
		agent:    f.mapping("agent"),
		org:      f.mapping("org"),
		limits:   limits,
	}
}

func parseAccepted(f *fields) serverFrame {
	return &acceptedFrame{
		requestID: f.text("request_id"),
		commandID: f.text("command_id"),
		status:    f.text("status"),
		expiresAt: f.timestamp("expires_at"),
		resumed:   f.flag("resumed"),
	}
}

func parseDecision(f *fields) serverFrame {
	frame := &decisionFrame{
		approved:    f.flag("approved"),
		decision:    DecisionState(f.text("decision")),
		requestID:   f.text("request_id"),
		commandID:   f.text("command_id"),
		latencyMS:   f.number("latency_ms"),
		reviewer:    f.optText("reviewer", true),
		notes:       f.optText("notes", true),
		whitelisted: f.flag("whitelisted"),
		ruleID:      f.optText("rule_id", true),
		riskScore:   int(f.integer("risk_score", 0, 100)),
		anomalies:   f.textList("anomalies"),
		// Older servers send neither of these three.
		command:   f.optText("command", false),
		edited:    f.flag("edited", false),
		approvers: f.textList("approvers", []string{}),
	}
	switch {
	case f.err != nil:
	case frame.decision != Approved && frame.decision != Denied && frame.decision != TimedOut && frame.decision != Cancelled:
		f.invalid("decision: unknown state %q", frame.decision)
	case frame.approved != (frame.decision == Approved):
		// The gate fails closed: a contradictory frame is never an approval.
		f.invalid("approved is %v but decision is %q", frame.approved, frame.decision)
	case frame.edited && (frame.command == nil || isBlank(*frame.command)):
		// An edit must name what to run, or nothing may run.
		f.invalid("edited is true but command is missing or blank")
	}
	return frame
}

func parseProgress(f *fields) serverFrame {
	return &progressFrame{
		requestID: f.text("request_id"),
		progress: Progress{
			CommandID: f.text("command_id"),
			Approvals: int(f.integer("approvals", 0, maxApprovals)),
			Required:  int(f.integer("required", 1, maxApprovals)),
			Approvers: f.textList("approvers"),
			Escalated: f.flag("escalated"),
			ExpiresAt: f.timestamp("expires_at"),
		},
	}
}

func parsePong(f *fields) serverFrame {
	return &pongFrame{nonce: f.optText("nonce", false)}
}

func parseError(f *fields) serverFrame {
	frame := &errorFrame{
		code:    f.text("code"),
		details: f.mapping("details"),
	}
	if message := f.optText("message", false); message != nil {
		frame.message = *message
	}
	if requestID := f.optText("request_id", false); requestID != nil {
		frame.requestID = *requestID
	}
	return frame
}

func parseExecAck(f *fields) serverFrame {
	return &execAckFrame{
		commandID:    f.text("command_id"),
		seq:          f.integer("seq", 0, maxSeq),
		recordingID:  f.text("recording_id"),
		captureInput: f.flag("capture_input"),
	}
}

// toDecision makes the public Decision of a decision frame for the command the caller
// submitted: after an edit, Command is the reviewer's text.
func toDecision(frame *decisionFrame, command string) (*Decision, error) {
	run := command
	if frame.edited {
		if frame.command == nil || isBlank(*frame.command) {
			return nil, &ProtocolError{
				Message:   "the server reported an edit without the edited command",
				RequestID: frame.requestID,
			}
		}
		run = *frame.command
	}
	return &Decision{
		Approved:        frame.approved,
		Decision:        frame.decision,
		CommandID:       frame.commandID,
		Command:         run,
		Edited:          frame.edited,
		OriginalCommand: command,
		Reviewer:        deref(frame.reviewer),
		Notes:           deref(frame.notes),
		Whitelisted:     frame.whitelisted,
		RuleID:          deref(frame.ruleID),
		RiskScore:       frame.riskScore,
		Anomalies:       frame.anomalies,
		Approvers:       frame.approvers,
		LatencyMS:       frame.latencyMS,
		RequestID:       frame.requestID,
	}, nil
}

func deref(text *string) string {
	if text == nil {
		return ""
	}
	return *text
}

// isBlank matches the server's Python str.strip(), which also strips U+001C-U+001F.
func isBlank(text string) bool {
	return strings.TrimFunc(text, isPythonSpace) == ""
}
