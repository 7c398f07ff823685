package expacti

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// await sends p's submit and waits for its decision, across reconnects: each new
// connection gets the submit again with the same request_id, and the server resumes.
func (c *Client) await(ctx context.Context, p *pending) (*decisionFrame, error) {
	unavailable := 0
	var retrying *errorFrame
	for attempt := 0; ; attempt++ {
		if ctx.Err() != nil {
			return nil, c.abandon(ctx, p)
		}
		if attempt > 0 && !time.Now().Before(p.deadline()) {
			if retrying != nil {
				return nil, refused(retrying)
			}
			return nil, &ConnectionError{Message: fmt.Sprintf(
				"lost the connection to %s and could not resume before the deadline", c.url)}
		}
		conn, err := c.connectionFor(ctx, p)
		if err != nil {
			return nil, err
		}
		if err := c.checkFrameSize(p.frame); err != nil { // a new hello may say less
			if !p.wasSent() {
				return nil, err
			}
			// Too late for an argument error: the server may hold the command already.
			c.tryCancel(p, "the submit exceeds the server's new frame limit")
			return nil, &ProtocolError{Message: "the submit cannot be resumed: " + err.Message, RequestID: p.requestID}
		}
		// The caller may have given up while the connection opened: nothing more goes out.
		if ctx.Err() != nil {
			return nil, c.abandon(ctx, p)
		}
		p.attach(conn)
		// Marked before the write: once bytes may be on the wire the server may know the
		// command, and a cancel must not be skipped.
		p.markSent()
		conn.send(p.frame)
		outcome, err := c.nextOutcome(ctx, p, conn)
		if err != nil {
			var invalid *ProtocolError
			if errors.As(err, &invalid) && invalid.Code == "" {
				// An untrustworthy frame: the command may still be pending.
				c.tryCancel(p, "invalid frame from the server")
			}
			return nil, err
		}
		if decision, ok := outcome.(*decisionFrame); ok {
			return decision, nil
		}
		retrying, _ = outcome.(*errorFrame) // nil: the connection was lost; resume
		if retrying != nil {
			// unavailable: the server could not store it now; re-send the same request_id.
			unavailable++
			delay := backoffDelay(unavailable, c.maxBackoff, jitter)
			if !time.Now().Add(delay).Before(p.deadline()) {
				return nil, refused(retrying)
			}
			if err := c.pause(ctx, p, conn, delay); err != nil {
				return nil, err
			}
		}
	}
}

// nextOutcome is the decision, an unavailable error frame to retry after, or nil when
// conn was lost.
func (c *Client) nextOutcome(ctx context.Context, p *pending, conn *conn) (any, error) {
	for {
		event, ok := p.take()
		if !ok {
			left := time.Until(p.deadline())
			if conn.isLost() || (!conn.alive() && left <= 0) {
				return nil, nil
			}
			if left <= 0 {
				sent := c.tryCancel(p, "agent deadline passed")
				return nil, &TimeoutError{Command: p.command, CancelSent: sent}
			}
			timer := time.NewTimer(left)
			select {
			case <-p.wake:
			case <-conn.lost:
			case <-timer.C:
			case <-ctx.Done():
				timer.Stop()
				return nil, c.abandon(ctx, p)
			}
			timer.Stop()
			continue
		}
		var commandID string
		switch e := event.(type) {
		case error:
			return nil, e
		case *errorFrame:
			if e.code == "unavailable" {
				return e, nil
			}
			return nil, refused(e)
		case *acceptedFrame:
			commandID = e.commandID
		case *progressFrame:
			commandID = e.progress.CommandID
		case *decisionFrame:
			commandID = e.commandID
		}
		if p.commandID != "" && p.commandID != commandID {
			return nil, &ProtocolError{
				Message:   fmt.Sprintf("the server switched command_id from %s to %s for one request", p.commandID, commandID),
				RequestID: p.requestID,
			}
		}
		p.commandID = commandID
		switch e := event.(type) {
		case *decisionFrame:
			// An approval reaches only a caller still waiting: one that gave up, or closed
			// the client, may already act on the failure.
			if e.approved && ctx.Err() != nil {
				return nil, c.abandon(ctx, p)
			}
			if e.approved && c.isClosed() {
				return nil, &ConnectionError{Message: "client closed"}
			}
			return e, nil
		case *progressFrame:
			p.progressed(e)
		case *acceptedFrame:
			p.expiresAt = e.expiresAt // informative: the deadline is made of durations
		}
	}
}

// connectionFor is the open connection, opening it first if needed, before p's deadline.
func (c *Client) connectionFor(ctx context.Context, p *pending) (*conn, error) {
	for {
		if c.isClosed() {
			return nil, &ConnectionError{Message: "client closed"}
		}
		if ctx.Err() != nil {
			return nil, c.abandon(ctx, p)
		}
		if conn := c.link.currentConn(); conn != nil {
			return conn, nil
		}
		attempt := c.link.open()
		left := time.Until(p.deadline())
		if left <= 0 {
			return nil, &ConnectionError{Message: fmt.Sprintf("could not reach %s before the deadline", c.url)}
		}
		timer := time.NewTimer(left)
		select {
		case <-attempt.done:
			timer.Stop()
			if attempt.err != nil {
				return nil, attempt.err
			}
		case <-timer.C:
			return nil, &ConnectionError{Message: fmt.Sprintf("could not reach %s before the deadline", c.url)}
		case <-ctx.Done():
			timer.Stop()
			return nil, c.abandon(ctx, p)
		case <-c.closedCh:
			timer.Stop()
		}
	}
}

// pause waits d before a retry, or less when conn is lost; ctx still ends the Run.
func (c *Client) pause(ctx context.Context, p *pending, conn *conn, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-conn.lost:
	case <-c.closedCh:
	case <-ctx.Done():
		return c.abandon(ctx, p)
	}
	return nil
}

// abandon: the caller's context ended the wait. The server cancels the command.
func (c *Client) abandon(ctx context.Context, p *pending) error {
	reason := "the agent abandoned the wait"
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		reason = "agent deadline passed"
	}
	sent := c.tryCancel(p, reason)
	return &TimeoutError{Command: p.command, Err: ctx.Err(), CancelSent: sent}
}

// tryCancel asks the server to cancel p's command, best effort: a lost connection lets
// the server cancel it anyway once the resume window passed. True when cancel was written.
func (c *Client) tryCancel(p *pending, reason string) bool {
	return c.cancelBy(time.Now().Add(writeTimeout), p, reason)
}

// cancelBy is tryCancel with the write bounded by deadline.
func (c *Client) cancelBy(deadline time.Time, p *pending, reason string) bool {
	if !p.wasSent() {
		return false // the server never heard of it
	}
	conn := c.link.currentConn()
	if conn == nil {
		return false
	}
	frame, err := cancelFrame(p.requestID, reason)
	return err == nil && conn.sendBy(deadline, frame)
}

func refused(frame *errorFrame) *ProtocolError {
	message := frame.message
	if message == "" {
		message = frame.code
	}
	return &ProtocolError{
		Message:   "the server refused the command: " + message,
		Code:      frame.code,
		RequestID: frame.requestID,
	}
}
