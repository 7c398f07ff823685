package expacti

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
)

const (
	// A connection that lived this long resets the backoff.
	stableAfter = 10 * time.Second
	// An unanswered ping within this long drops the connection (and the runs resume).
	defaultPingInterval = 20 * time.Second
)

// link is the client's one WebSocket: opening it (with backoff, one attempt at a time,
// shared by every caller) and remembering the latest hello. Every frame and every close
// goes to the handlers, on the connection's reader goroutine.
type link struct {
	url            string
	token          string
	connectTimeout time.Duration
	reconnect      time.Duration
	maxBackoff     time.Duration
	pingInterval   time.Duration
	http           *http.Client
	onMessage      func(*conn, websocket.MessageType, []byte)
	onClose        func(*conn)
	closing        context.Context
	stop           context.CancelFunc

	mu       sync.Mutex
	current  *conn
	last     *conn // the latest conn that was open, perhaps still closing
	attempt  *dialAttempt
	failures int
	hello    *helloFrame
	closed   bool
}

// dialAttempt is one run of connecting with backoff; done is closed when it ended, with
// conn open or err.
type dialAttempt struct {
	done chan struct{}
	conn *conn
	err  error
}

func newLink(o Options, onMessage func(*conn, websocket.MessageType, []byte), onClose func(*conn)) *link {
	closing, stop := context.WithCancel(context.Background())
	return &link{
		url:            o.URL,
		token:          o.Token,
		connectTimeout: o.ConnectTimeout,
		reconnect:      o.ReconnectTimeout,
		maxBackoff:     o.MaxBackoff,
		pingInterval:   defaultPingInterval,
		http:           handshakeClient(o.TLSConfig),
		onMessage:      onMessage,
		onClose:        onClose,
		closing:        closing,
		stop:           stop,
	}
}

// currentConn is the connection, if it is open now.
func (l *link) currentConn() *conn {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.current != nil && l.current.alive() {
		return l.current
	}
	return nil
}

// open is the attempt to connect under way, starting one if none is; an attempt already
// done when the connection is open (another caller's attempt may just have opened it).
func (l *link) open() *dialAttempt {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.current != nil && l.current.alive() {
		done := make(chan struct{})
		close(done)
		return &dialAttempt{done: done, conn: l.current}
	}
	if l.attempt == nil {
		attempt := &dialAttempt{done: make(chan struct{})}
		l.attempt = attempt
		go l.run(attempt)
	}
	return l.attempt
}

func (l *link) run(attempt *dialAttempt) {
	l.mu.Lock()
	stale := l.last
	l.mu.Unlock()
	if stale != nil {
		// At most one socket at a time: the old one finishes closing, or is dropped.
		stale.waitLost(closeTimeout)
		stale.abort()
	}
	c, err := l.connect()
	l.mu.Lock()
	if err == nil && l.closed {
		c.abort()
		c, err = nil, &ConnectionError{Message: "client closed"}
	}
	if c != nil {
		l.current, l.last = c, c
	}
	l.attempt = nil
	l.mu.Unlock()
	attempt.conn, attempt.err = c, err
	close(attempt.done)
}

// connect tries with backoff for up to the reconnect timeout; a refused token ends it.
func (l *link) connect() (*conn, error) {
	giveUp := time.Now().Add(l.reconnect)
	var lastErr error
	for {
		l.mu.Lock()
		failures, closed := l.failures, l.closed
		l.mu.Unlock()
		if closed {
			return nil, &ConnectionError{Message: "client closed"}
		}
		delay := backoffDelay(failures, l.maxBackoff, jitter)
		if lastErr != nil && !time.Now().Add(delay).Before(giveUp) {
			return nil, &ConnectionError{Message: "could not connect to " + l.url, Err: lastErr}
		}
		if !sleep(l.closing, min(delay, time.Until(giveUp))) {
			return nil, &ConnectionError{Message: "client closed"}
		}
		c, err := l.dialOnce(max(min(l.connectTimeout, time.Until(giveUp)), time.Millisecond))
		if err == nil {
			return c, nil
		}
		var refused *AuthenticationError
		if errors.As(err, &refused) {
			return nil, err
		}
		lastErr = err
		l.mu.Lock()
		l.failures++
		l.mu.Unlock()
	}
}

// dialOnce makes one handshake and waits for the first frame (the hello), so that every
// submit on the connection is checked against that server's limits.
func (l *link) dialOnce(timeout time.Duration) (*conn, error) {
	ctx, cancel := context.WithTimeout(l.closing, timeout)
	defer cancel()
	ws, err := dialWebSocket(ctx, l.url, l.token, l.http)
	if err != nil {
		return nil, err
	}
	c := newConn(ws)
	go c.read(l.onMessage, l.connLost)
	go c.heartbeat(l.pingInterval)
	select {
	case <-c.first:
		if !c.alive() {
			return nil, errors.New("the connection closed before the server's hello")
		}
		return c, nil
	case <-ctx.Done():
		c.abort()
		return nil, fmt.Errorf("no hello from the server within %v", timeout)
	}
}

// connLost keeps the backoff's memory and forgets the conn, then tells the client.
func (l *link) connLost(c *conn) {
	l.mu.Lock()
	if time.Since(c.openedAt) >= stableAfter {
		l.failures = 1
	} else {
		l.failures++
	}
	if l.current == c {
		l.current = nil
	}
	l.mu.Unlock()
	l.onClose(c)
}

func (l *link) setHello(hello *helloFrame) {
	l.mu.Lock()
	l.hello = hello
	l.mu.Unlock()
}

// limits are the latest hello's, else the protocol's defaults.
func (l *link) limits() limits {
	l.mu.Lock()
	defer l.mu.Unlock()
	result := defaultLimits
	if l.hello == nil {
		return result
	}
	pick := func(key string, target *int) {
		if value, ok := l.hello.limits[key]; ok && value > 0 {
			*target = int(value)
		}
	}
	pick("max_command_bytes", &result.maxCommandBytes)
	pick("max_frame_bytes", &result.maxFrameBytes)
	pick("max_metadata_bytes", &result.maxMetadataBytes)
	return result
}

// policy is the organisation's timeout from the latest hello; 0 when unknown.
func (l *link) policy() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.hello == nil {
		return 0
	}
	return policyOf(l.hello)
}

func policyOf(hello *helloFrame) time.Duration {
	seconds, ok := hello.limits["timeout_seconds"]
	if !ok || seconds <= 0 || seconds > maxTimeoutSeconds {
		return 0
	}
	return time.Duration(seconds) * time.Second
}

// close stops connecting and closes the open connection, dropping it at deadline;
// idempotent.
func (l *link) close(deadline time.Time) {
	l.mu.Lock()
	l.closed = true
	c, last := l.current, l.last
	l.current = nil
	l.mu.Unlock()
	l.stop()
	// A refused handshake leaves its HTTP connection idle in the transport, which nothing
	// would use again.
	l.http.CloseIdleConnections()
	if last != nil && last != c {
		last.abort() // still closing after an invalid frame
	}
	if c == nil {
		return
	}
	c.close(websocket.StatusNormalClosure, "client closed")
	c.waitLost(time.Until(deadline))
	c.abort()
}

// sleep waits d, or less when ctx ends first; false if it did.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
