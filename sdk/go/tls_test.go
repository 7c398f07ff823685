package expacti

import (
	"context"
	"errors"
	"testing"
)

func TestWSSUsesTheGivenTLSConfig(t *testing.T) {
	server := newFakeServer(t, decideWith(func(submit map[string]any) map[string]any {
		return decisionFor(submit, "cmd_1", Approved, nil)
	}))
	roots := server.startTLS()
	decision, err := server.client(t, func(o *Options) { o.TLSConfig = roots }).Run(context.Background(), "ls")
	if err != nil || !decision.Approved {
		t.Fatal(err)
	}
}

func TestWSSRefusesAnUntrustedCertificate(t *testing.T) {
	server := newFakeServer(t, nil)
	server.startTLS()
	client := server.client(t, func(o *Options) { o.ReconnectTimeout = 200e6 })
	_, err := client.Run(context.Background(), "ls")
	var lost *ConnectionError
	if !errors.As(err, &lost) || server.handshakeCount() != 0 {
		t.Fatalf("%v, %d handshakes", err, server.handshakeCount())
	}
}
