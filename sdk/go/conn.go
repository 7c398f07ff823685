package expacti

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

const (
	userAgent = "expacti-go/" + Version
	// Frames larger than this from the server close the connection (1009), as in the
	// other SDKs; the protocol's frames are far smaller.
	maxIncomingFrameBytes = 1 << 20
	// A write that cannot finish in this long means a dead link.
	writeTimeout = 5 * time.Second
	// How long Close, or a closing handshake, may take before the socket is dropped.
	closeTimeout = 4 * time.Second
)

// conn is one open WebSocket: a reader goroutine hands every frame to the link in order,
// and lost is closed once the reader has ended, after every frame read before the close
// and the close itself were handled.
type conn struct {
	ws       *websocket.Conn
	openedAt time.Time
	lost     chan struct{}
	// first is closed once the first frame (the hello) was handled, or the conn was lost.
	first     chan struct{}
	firstOnce sync.Once
	dead      atomic.Bool // no more sends: closing or lost
	closingUs atomic.Bool // the close was ours, not the server's

	// Written by the reader before lost is closed; read after it.
	closeCode      websocket.StatusCode
	closeReason    string
	closedByServer bool
	tooBig         bool
}

func newConn(ws *websocket.Conn) *conn {
	return &conn{ws: ws, openedAt: time.Now(), lost: make(chan struct{}), first: make(chan struct{})}
}

// alive: frames can still be sent.
func (c *conn) alive() bool { return !c.dead.Load() }

func (c *conn) isLost() bool {
	select {
	case <-c.lost:
		return true
	default:
		return false
	}
}

// waitLost waits until the conn is lost, at most d.
func (c *conn) waitLost(d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-c.lost:
	case <-timer.C:
	}
}

// send writes one text frame; false when the connection is gone, or on its way to lost
// because the write failed.
func (c *conn) send(frame []byte) bool {
	return c.sendBy(time.Now().Add(writeTimeout), frame)
}

// sendBy is send with the write (and the wait for another one under way) bounded by
// deadline.
func (c *conn) sendBy(deadline time.Time, frame []byte) bool {
	if c.dead.Load() {
		return false
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, frame); err != nil {
		c.abort()
		return false
	}
	return true
}

// close starts a closing handshake in the background; abort cuts it short.
func (c *conn) close(code websocket.StatusCode, reason string) {
	c.closingUs.Store(true)
	if c.dead.Swap(true) {
		return
	}
	go func() { _ = c.ws.Close(code, reason) }()
}

// abort drops the socket now, without a closing handshake.
func (c *conn) abort() {
	c.closingUs.Store(true)
	c.dead.Store(true)
	_ = c.ws.CloseNow()
}

// read hands every frame to onMessage until the connection ends, then records why,
// calls onClose and marks the conn lost.
func (c *conn) read(onMessage func(*conn, websocket.MessageType, []byte), onClose func(*conn)) {
	defer c.firstOnce.Do(func() { close(c.first) })
	defer close(c.lost)
	for {
		kind, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.dead.Store(true)
			c.closeCode = websocket.CloseStatus(err)
			var closed websocket.CloseError
			if errors.As(err, &closed) {
				c.closeReason = closed.Reason
			}
			c.closedByServer = c.closeCode != -1 && !c.closingUs.Load()
			c.tooBig = errors.Is(err, websocket.ErrMessageTooBig)
			_ = c.ws.CloseNow()
			onClose(c)
			return
		}
		onMessage(c, kind, data)
		c.firstOnce.Do(func() { close(c.first) })
	}
}

// heartbeat pings every interval: a link that died silently (no FIN) would otherwise only
// be noticed at the deadline. An unanswered ping drops the conn, and the runs resume.
func (c *conn) heartbeat(interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-c.lost:
			return
		case <-ticker.C:
			ctx, cancel := context.WithTimeout(context.Background(), interval)
			err := c.ws.Ping(ctx)
			cancel()
			if err != nil {
				c.abort()
				return
			}
		}
	}
}

// dialWebSocket makes one handshake with the agent token. The server refusing the token
// is an *AuthenticationError (never worth a retry); any other error is worth one.
func dialWebSocket(ctx context.Context, url, token string, client *http.Client) (*websocket.Conn, error) {
	header := http.Header{}
	header.Set("Authorization", "Bearer "+token)
	header.Set("User-Agent", userAgent)
	ws, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{
		HTTPClient:      client,
		HTTPHeader:      header,
		CompressionMode: websocket.CompressionDisabled,
	})
	if err == nil {
		ws.SetReadLimit(maxIncomingFrameBytes)
		return ws, nil
	}
	if resp == nil || resp.StatusCode == http.StatusSwitchingProtocols {
		return nil, err
	}
	why := ""
	if message := errorBodyMessage(resp.Body); message != "" {
		why = ": " + message
	}
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return nil, &AuthenticationError{
			ConnectionError: ConnectionError{Message: fmt.Sprintf("the server refused the token (HTTP %d%s)", resp.StatusCode, why)},
			StatusCode:      resp.StatusCode,
		}
	}
	return nil, fmt.Errorf("the server answered HTTP %d instead of a WebSocket%s", resp.StatusCode, why)
}

// errorBodyMessage is error.message of the server's JSON error body, if it has one.
func errorBodyMessage(body io.Reader) string {
	if body == nil {
		return ""
	}
	var parsed struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.NewDecoder(io.LimitReader(body, 64<<10)).Decode(&parsed) != nil {
		return ""
	}
	return parsed.Error.Message
}

// handshakeClient is the HTTP client of the handshakes: redirects are not followed (a
// WebSocket endpoint never redirects, and the token must not travel on), and tlsConfig,
// when given, is used for wss://.
func handshakeClient(tlsConfig *tls.Config) *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	// A handshake's connection is either taken over by the WebSocket or, refused, of no
	// further use: kept alive it would outlive the client.
	transport.DisableKeepAlives = true
	if tlsConfig != nil {
		transport.TLSClientConfig = tlsConfig.Clone()
	}
	return &http.Client{
		Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
