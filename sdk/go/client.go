package expacti

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"
)

// Client asks an expacti server for approval before a command runs.
//
// It holds at most one WebSocket, opened lazily by the first Run (or by Connect) and
// shared by every goroutine that calls Run: a Client is safe for concurrent use. If the
// connection drops, the client reconnects with backoff and re-sends each waiting Run's
// submit with the same request_id, so the server resumes the command instead of creating
// another. Call Close when done: it stops the connection's goroutines.
type Client struct {
	url            string
	link           *link
	logger         *slog.Logger
	maxBackoff     time.Duration
	connectTimeout time.Duration
	grace          time.Duration
	closedCh       chan struct{}

	mu      sync.Mutex
	pending map[string]*pending
	closed  bool
}

// New checks the options and makes a Client; it does not connect yet (see Connect).
// A bad URL, token or duration is an *InvalidArgumentError.
func New(options Options) (*Client, error) {
	o, err := options.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Client{
		url:            o.URL,
		logger:         o.Logger,
		maxBackoff:     o.MaxBackoff,
		connectTimeout: o.ConnectTimeout,
		grace:          grace,
		closedCh:       make(chan struct{}),
		pending:        map[string]*pending{},
	}
	c.link = newLink(o, c.onMessage, c.onClose)
	return c, nil
}

// Connect opens the connection now instead of at the first Run; it returns the errors
// Run would (*ConnectionError, *AuthenticationError). Run does not need it.
func (c *Client) Connect(ctx context.Context) error {
	if ctx == nil {
		return invalidArgument("Connect needs a context")
	}
	_, err := c.connection(ctx)
	return err
}

// Run submits command for approval and waits for the decision.
//
// It returns the Decision only when the command was approved; run decision.Command, which
// is the reviewer's edited text when decision.Edited. Anything else is an error and the
// command must not run: *CommandDeniedError (denied or cancelled), *TimeoutError,
// *ConnectionError, *AuthenticationError, *ProtocolError, or *InvalidArgumentError for an
// argument the server would refuse (nothing was sent).
//
// The wait is bounded by WithTimeout (else the organisation's timeout from the server's
// hello, else 600 s) plus 5 s, and by ctx. When ctx expires or is cancelled, or the bound
// passes, Run sends cancel so the server cancels the command, and returns a *TimeoutError
// (wrapping ctx.Err() in the first case).
func (c *Client) Run(ctx context.Context, command string, options ...RunOption) (*Decision, error) {
	if ctx == nil {
		return nil, invalidArgument("Run needs a context")
	}
	var config runConfig
	for _, option := range options {
		if option != nil {
			option(&config)
		}
	}
	timeoutSeconds, err := config.timeoutSeconds()
	if err != nil {
		return nil, err
	}
	requestID := newRequestID()
	frame, err := submitFrame(submitFields{
		requestID:      requestID,
		command:        command,
		target:         config.target,
		timeoutSeconds: timeoutSeconds,
		session:        config.session,
		context:        config.context,
	}, c.link.limits())
	if err != nil {
		return nil, err
	}
	if err := c.checkFrameSize(frame); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, &TimeoutError{Command: command, Err: err}
	}
	var timeout time.Duration
	if config.hasTimeout {
		timeout = config.timeout
	}
	p := newPending(requestID, command, frame, timeout, c.link.policy(), config.onProgress, c.grace)
	if err := c.register(p); err != nil {
		return nil, err
	}
	defer c.unregister(p)
	final, err := c.await(ctx, p)
	if err != nil {
		return nil, err
	}
	decision, err := toDecision(final, command)
	if err != nil {
		return nil, err
	}
	switch decision.Decision {
	case Approved:
		return decision, nil
	case TimedOut:
		return nil, &TimeoutError{Command: command, Decision: decision}
	default:
		return nil, &CommandDeniedError{Command: command, Decision: decision, Reviewer: decision.Reviewer, Notes: decision.Notes}
	}
}

// EndSession tells the server the agent is done with the session it named id in
// WithSession, and how (SessionCompleted or SessionFailed). It connects if needed.
func (c *Client) EndSession(ctx context.Context, id string, status SessionStatus) error {
	if ctx == nil {
		return invalidArgument("EndSession needs a context")
	}
	frame, err := sessionEndFrame(id, status)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.connectTimeout)
	defer cancel()
	for {
		conn, err := c.connection(ctx)
		if err != nil {
			return err
		}
		if conn.send(frame) {
			return nil
		}
		select {
		case <-conn.lost:
		case <-ctx.Done():
			return &ConnectionError{Message: "lost the connection to " + c.url + " while ending the session", Err: ctx.Err()}
		}
	}
}

// Close fails the Runs still waiting with *ConnectionError("client closed"), after asking
// the server to cancel their commands (best effort), and closes the connection. It
// returns within about 4 s, is idempotent and always returns nil.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	close(c.closedCh)
	waiting := c.waitingLocked()
	c.mu.Unlock()
	// One budget for the whole: the cancels share half of it, however many there are,
	// and the closing handshake gets the rest before the socket is dropped.
	deadline := time.Now().Add(closeTimeout)
	cancelsBy := time.Now().Add(closeTimeout / 2)
	for _, p := range waiting {
		c.cancelBy(cancelsBy, p, "the agent closed its client")
		p.deliver(&ConnectionError{Message: "client closed"})
	}
	c.link.close(deadline)
	return nil
}

// connection is the open connection, opening it (with backoff) if needed.
func (c *Client) connection(ctx context.Context) (*conn, error) {
	for {
		if c.isClosed() {
			return nil, &ConnectionError{Message: "client closed"}
		}
		if conn := c.link.currentConn(); conn != nil {
			return conn, nil
		}
		attempt := c.link.open()
		select {
		case <-attempt.done:
			if attempt.err != nil {
				return nil, attempt.err
			}
		case <-ctx.Done():
			return nil, &ConnectionError{Message: "gave up connecting to " + c.url, Err: ctx.Err()}
		case <-c.closedCh:
		}
	}
}

func (c *Client) register(p *pending) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return &ConnectionError{Message: "client closed"}
	}
	c.pending[p.requestID] = p
	return nil
}

func (c *Client) unregister(p *pending) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.pending, p.requestID)
}

func (c *Client) lookup(requestID string) *pending {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pending[requestID]
}

func (c *Client) waiting() []*pending {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.waitingLocked()
}

func (c *Client) waitingLocked() []*pending {
	list := make([]*pending, 0, len(c.pending))
	for _, p := range c.pending {
		list = append(list, p)
	}
	return list
}

func (c *Client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// checkFrameSize: the server closes the connection (1009) on a frame above its limit, and
// re-sending cannot help.
func (c *Client) checkFrameSize(frame []byte) *InvalidArgumentError {
	if limit := c.link.limits().maxFrameBytes; len(frame) > limit {
		return invalidArgument("the submit frame is %d bytes; the server takes at most %d", len(frame), limit)
	}
	return nil
}

// newRequestID is 32 random hex characters: unique per Run, reused on every re-send.
func newRequestID() string {
	var id [16]byte
	_, _ = rand.Read(id[:]) // crypto/rand.Read never fails (it panics instead)
	return hex.EncodeToString(id[:])
}
