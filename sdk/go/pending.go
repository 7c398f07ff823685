package expacti

import (
	"sync"
	"time"
)

// grace is how much longer than the decision timeout the client waits, for network slack.
const grace = 5 * time.Second

// pending is one Run waiting for its decision, and the frames routed to it.
//
// The deadline is made of durations on the monotonic clock, never of the server's
// wall-clock expires_at, so a client clock that is off cannot shorten the wait: the Run's
// own timeout, else the organisation's policy from hello, else the protocol's maximum,
// plus the grace, counted from when the submit was first sent (from the call until then).
// An escalation that moves expires_at later extends a Run without its own timeout by as
// much (measured between two server timestamps, so still immune to the client's clock).
type pending struct {
	requestID  string
	command    string
	frame      []byte
	timeout    time.Duration // 0: none of its own
	onProgress func(Progress)
	started    time.Time
	grace      time.Duration
	wake       chan struct{} // a token whenever something changed for the waiter

	mu        sync.Mutex
	policy    time.Duration
	sentAt    time.Time
	extension time.Duration
	conn      *conn
	events    []any // *acceptedFrame, *progressFrame, *decisionFrame, *errorFrame or error

	// Only Run's goroutine touches these.
	commandID string
	expiresAt time.Time
}

func newPending(requestID, command string, frame []byte, timeout, policy time.Duration, onProgress func(Progress), grace time.Duration) *pending {
	return &pending{
		requestID:  requestID,
		command:    command,
		frame:      frame,
		timeout:    timeout,
		policy:     policy,
		onProgress: onProgress,
		started:    time.Now(),
		grace:      grace,
		wake:       make(chan struct{}, 1),
	}
}

// deadline is when the client stops waiting.
func (p *pending) deadline() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	start := p.started
	if !p.sentAt.IsZero() {
		start = p.sentAt
	}
	budget := p.timeout
	if budget == 0 {
		budget = p.policy
	}
	if budget == 0 {
		budget = maxTimeoutSeconds * time.Second
	}
	return start.Add(budget + p.extension + p.grace)
}

// attach records the connection the submit is (re)sent on: its terminal close fails the
// wait.
func (p *pending) attach(c *conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conn = c
}

// markSent records that the submit is going out; the first send starts the server's clock.
func (p *pending) markSent() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sentAt.IsZero() {
		p.sentAt = time.Now()
	}
}

// wasSent: the server may know the command, so a cancel means something.
func (p *pending) wasSent() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.sentAt.IsZero()
}

func (p *pending) waitsOn(c *conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conn == c
}

// setPolicy applies the organisation's timeout from a hello (0: unknown, kept as is).
func (p *pending) setPolicy(policy time.Duration) {
	p.mu.Lock()
	changed := policy != 0 && policy != p.policy
	if changed {
		p.policy = policy
	}
	p.mu.Unlock()
	if changed {
		p.signal()
	}
}

// progressed applies a progress frame's expires_at, then tells the caller.
func (p *pending) progressed(frame *progressFrame) {
	previous := p.expiresAt
	p.expiresAt = frame.progress.ExpiresAt
	if frame.progress.Escalated && p.timeout == 0 && !previous.IsZero() {
		if moved := frame.progress.ExpiresAt.Sub(previous); moved > 0 {
			p.mu.Lock()
			p.extension = min(p.extension+moved, maxTimeoutSeconds*time.Second)
			p.mu.Unlock()
		}
	}
	if p.onProgress != nil {
		p.onProgress(frame.progress)
	}
}

// deliver queues a frame or an error for the waiter and wakes it.
func (p *pending) deliver(event any) {
	p.mu.Lock()
	p.events = append(p.events, event)
	p.mu.Unlock()
	p.signal()
}

// take is the oldest queued event, if any.
func (p *pending) take() (any, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.events) == 0 {
		return nil, false
	}
	event := p.events[0]
	p.events = p.events[1:]
	return event, true
}

func (p *pending) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}
