// Package expacti is the Go SDK of expacti, a human-in-the-loop approval gate: an agent
// submits a shell command, a reviewer approves or denies it, and Run returns only for an
// approval.
//
//	client, err := expacti.New(expacti.Options{URL: "ws://localhost:3001/shell/ws", Token: "demo-shell-token"})
//	decision, err := client.Run(ctx, "terraform apply", expacti.WithTarget("prod"))
//	// err != nil unless approved; run decision.Command (a reviewer may have edited it)
//
// The client speaks protocol v1 (docs/PROTOCOL.md) over one WebSocket, opened at the
// first Run and shared by concurrent Runs; it reconnects and resumes waiting Runs by their
// request_id.
//
// # Errors
//
// Every error Run, Connect and EndSession return is one of these (use errors.As):
//
//	Error (interface, every type below)
//	├── *CommandDeniedError      a reviewer denied the command, or it was cancelled
//	├── *TimeoutError            no decision in time: the server's timed_out, the client's
//	│                            own deadline, or the caller's context (expired or cancelled)
//	├── *ConnectionError         the server is unreachable, was lost longer than the
//	│   │                        reconnect window, or the client was closed
//	│   └── *AuthenticationError the token was refused (401/403, or close code 1008)
//	└── *ProtocolError           an error frame for this request (Code), or a frame that
//	                             failed validation (Code "")
//
// None of them ever means "approved": in doubt the SDK returns an error and the command
// must not run. *AuthenticationError unwraps to its *ConnectionError, so errors.As finds
// either. An argument problem found before anything is sent is an *InvalidArgumentError,
// outside the tree: it is a bug in the caller, not an answer from the gate.
package expacti
