package page

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestListenLocal: the page is served on loopback only, under its secret
// path, to a loopback Host; anything else is not found.
func TestListenLocal(t *testing.T) {
	b, _ := newTestBackend(t)
	if _, err := ListenLocal(b, "0.0.0.0:0"); err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Errorf("0.0.0.0: %v", err)
	}
	srv, err := ListenLocal(b, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^http://127\.0\.0\.1:[0-9]+/h/[0-9a-f]{32}/$`).MatchString(srv.URL) {
		t.Fatalf("URL %s", srv.URL)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	host := strings.Split(strings.TrimPrefix(srv.URL, "http://"), "/")[0]
	port := strings.Split(host, ":")[1]
	for _, c := range []struct {
		name, url, host string
		status          int
	}{
		{"the page", srv.URL, "", 200},
		{"localhost", srv.URL, "localhost:" + port, 200},
		{"other host", srv.URL, "attacker.example:" + port, 404},
		{"wrong token", strings.Replace(srv.URL, "/h/", "/h/0", 1), "", 404},
		{"token prefix", strings.TrimSuffix(srv.URL, "/") + "0/", "", 404},
		{"root", "http://" + host + "/", "", 404},
	} {
		req, _ := http.NewRequest("GET", c.url, nil)
		if c.host != "" {
			req.Host = c.host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s: %d, want %d", c.name, resp.StatusCode, c.status)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}
