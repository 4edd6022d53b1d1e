package server

import (
	"context"
	"crypto"
	"net"
	"time"
)

// ListenConfig configures ListenAndRun.
type ListenConfig struct {
	Options // the Server's
	// IssuerID and Key are the issuing key the Service signs with,
	// recorded in the registry (Service.EnsureIssuerKey) before serving.
	IssuerID string
	Key      crypto.PublicKey
	// Addr is the TCP address to listen on, e.g. "127.0.0.1:8080".
	Addr string
	// PublishEvery, if positive (and Options.Root is set), is how often a
	// bundle is published while serving.
	PublishEvery time.Duration
	// Listening, if not nil, is called with the address listened on once
	// the listener is open, before the first request is served.
	Listening func(net.Addr)
}

// ListenAndRun records the issuing key, listens on c.Addr and serves the
// API until ctx ends, publishing every c.PublishEvery, then shuts down
// gracefully as Run does.
func ListenAndRun(ctx context.Context, c ListenConfig) error {
	if err := c.Service.EnsureIssuerKey(ctx, c.IssuerID, c.Key); err != nil {
		return err
	}
	srv := New(c.Options)
	l, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	if c.Listening != nil {
		c.Listening(l.Addr())
	}
	return srv.Run(ctx, l, c.PublishEvery)
}
