package page

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// A LocalServer serves the holder page on a loopback address, behind a
// secret path, for trying it on one computer (hufu holder): the page's
// link is the secret, since anyone who has it can take the pass.
type LocalServer struct {
	URL string // the page: http://ADDR/h/TOKEN/
	ln  net.Listener
	srv *http.Server
}

// ListenLocal listens on addr, which must be a loopback address
// ("127.0.0.1:0" for any free port), for the page of b. The server
// answers only requests under the URL's secret path with a Host header
// that names the listener on a loopback name (no DNS rebinding).
func ListenLocal(b Backend, addr string) (*LocalServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("page: %w", err)
	}
	tcp, _ := ln.Addr().(*net.TCPAddr)
	if tcp == nil || !tcp.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("page: %s is not a loopback address: the page's link is a secret", addr)
	}
	tok := make([]byte, 16)
	rand.Read(tok)
	prefix := "/h/" + hex.EncodeToString(tok)
	hosts := loopbackHosts(tcp)
	h := http.StripPrefix(prefix, New(b))
	return &LocalServer{URL: "http://" + ln.Addr().String() + prefix + "/", ln: ln, srv: &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := r.URL.Path
			if !hosts[r.Host] || len(p) < len(prefix) || (len(p) > len(prefix) && p[len(prefix)] != '/') ||
				subtle.ConstantTimeCompare([]byte(p[:len(prefix)]), []byte(prefix)) != 1 {
				http.NotFound(w, r)
				return
			}
			h.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 16 << 10,
	}}, nil
}

// Serve serves until ctx is done, then lets requests in progress finish
// for up to 2 seconds.
func (s *LocalServer) Serve(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		s.srv.Shutdown(sctx)
	})
	defer stop()
	if err := s.srv.Serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// loopbackHosts returns the Host headers that name the listener at a.
func loopbackHosts(a *net.TCPAddr) map[string]bool {
	port := strconv.Itoa(a.Port)
	hosts := map[string]bool{}
	for _, h := range []string{"127.0.0.1", "localhost", "[::1]", a.IP.String()} {
		if strings.Contains(h, ":") && !strings.HasPrefix(h, "[") {
			h = "[" + h + "]"
		}
		hosts[h+":"+port] = true
	}
	return hosts
}
