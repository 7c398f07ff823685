package expacti

import (
	"errors"
	"fmt"

	"github.com/coder/websocket"
)

// onMessage runs on the reader goroutine for every frame, in order. A frame nobody can
// attribute makes the connection untrustworthy: it is closed and the runs start afresh.
func (c *Client) onMessage(from *conn, kind websocket.MessageType, data []byte) {
	if !c.dispatch(kind, data) {
		from.close(websocket.StatusProtocolError, "invalid frame")
	}
}

// dispatch hands one frame to the Run waiting for it; false when the connection can no
// longer be trusted.
func (c *Client) dispatch(kind websocket.MessageType, data []byte) bool {
	var frame serverFrame
	var err error
	if kind == websocket.MessageText {
		frame, err = parseServerFrame(data)
	} else {
		err = &ProtocolError{Message: "the server sent a binary frame; protocol v1 is text only"}
	}
	if err != nil {
		var invalid *ProtocolError
		errors.As(err, &invalid)
		if invalid.RequestID != "" {
			if p := c.lookup(invalid.RequestID); p != nil {
				p.deliver(invalid)
			} else {
				c.logger.Warn("expacti: ignoring an invalid frame for no waiting run", "error", invalid.Message)
			}
			return true
		}
		// Nobody can tell whose frame it was: every waiting Run fails, closed.
		for _, p := range c.waiting() {
			p.deliver(&ProtocolError{Message: invalid.Message, RequestID: p.requestID})
		}
		return false
	}
	switch f := frame.(type) {
	case *helloFrame:
		c.link.setHello(f)
		policy := policyOf(f)
		for _, p := range c.waiting() {
			p.setPolicy(policy)
		}
	case *errorFrame:
		if f.requestID == "" {
			c.logger.Warn("expacti: the server reported an error", "code", f.code, "message", f.message)
		} else {
			c.route(f.requestID, f)
		}
	case *acceptedFrame:
		c.route(f.requestID, f)
	case *progressFrame:
		c.route(f.requestID, f)
	case *decisionFrame:
		c.route(f.requestID, f)
	}
	// pong and exec_ack: nothing waits for them here.
	return true
}

func (c *Client) route(requestID string, frame serverFrame) {
	if p := c.lookup(requestID); p != nil {
		p.deliver(frame)
	}
}

// onClose runs on the reader goroutine once a connection ended: after a close that
// reconnecting cannot cure, the runs that waited on it fail.
func (c *Client) onClose(closed *conn) {
	var err error
	switch {
	case closed.closeCode == websocket.StatusPolicyViolation && closed.closedByServer:
		reason := ""
		if closed.closeReason != "" {
			reason = ": " + closed.closeReason
		}
		err = &AuthenticationError{
			ConnectionError: ConnectionError{Message: fmt.Sprintf(
				"the server closed the connection: the token was revoked or refused (close code 1008%s)", reason)},
			StatusCode: 401,
		}
	case closed.tooBig:
		err = &ProtocolError{Message: "the connection was closed because a frame from the server was too large (close code 1009)"}
	case closed.closeCode == websocket.StatusMessageTooBig:
		err = &ProtocolError{Message: "the connection was closed because a frame from the client was too large (close code 1009)"}
	default:
		return
	}
	c.logger.Warn("expacti: " + err.Error())
	for _, p := range c.waiting() {
		if p.waitsOn(closed) {
			p.deliver(err)
		}
	}
}
