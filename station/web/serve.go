package web

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/hufu-project/hufu/station"
)

// LoopbackOnly accepts host:port addresses on the loopback interface: the
// camera page is served to this machine only.
func LoopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q is not a loopback address: the camera page is served to this machine only", host)
	}
	return nil
}

// A Server serves a station's camera page on a loopback address.
type Server struct {
	URL string // the page, with its secret token
	ln  net.Listener
	srv *http.Server
}

// Listen listens on the loopback address addr ("127.0.0.1:0" for a
// random port) for station s's camera page.
func Listen(s *station.Station, addr string) (*Server, error) {
	if err := LoopbackOnly(addr); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	h, err := New(s, ln.Addr())
	if err != nil {
		ln.Close()
		return nil, err
	}
	return &Server{URL: "http://" + ln.Addr().String() + h.Path(), ln: ln, srv: &http.Server{
		Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 16 << 10,
	}}, nil
}

// Serve serves until ctx is done.
func (s *Server) Serve(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { s.srv.Close() })
	defer stop()
	if err := s.srv.Serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
