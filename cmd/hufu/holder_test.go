package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hufu-project/hufu/holder"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/verifier"
)

// lockedBuffer is a bytes.Buffer safe for a writer and a reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var holderURL = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+/h/[0-9a-f]{32}/`)

// TestHolderCommand: hufu holder serves the page behind its token on a
// loopback Host, and issues passes bound to the key that enrolled, which
// verify once presented.
func TestHolderCommand(t *testing.T) {
	dir := t.TempDir()
	priv, err := keys.Generate(keys.ES256)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "issuer.key")
	if err := keys.WritePrivateFile(keyFile, priv); err != nil {
		t.Fatal(err)
	}
	kid, _ := keys.KID(priv.Public())
	trust, err := keys.NewTrust(&keys.Key{KID: kid, Alg: keys.ES256, Public: priv.Public(), Issuers: []string{"310000"}})
	if err != nil {
		t.Fatal(err)
	}

	var stdout, stderr lockedBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- holderMain(ctx, e, []string{"-key", keyFile, "-iss", "310000", "-name", "张三", "-colour", "green",
			"-hint", "test_suggested", "-ttl", "1h"})
	}()
	var u string
	for deadline := time.Now().Add(10 * time.Second); u == ""; time.Sleep(10 * time.Millisecond) {
		u = holderURL.FindString(stdout.String())
		select {
		case code := <-done:
			t.Fatalf("hufu holder exited %d: %s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no URL: %q %q", stdout.String(), stderr.String())
		}
	}
	host := strings.Split(u, "/")[2]

	req := func(method, url, hostHdr, body string) (int, string) {
		t.Helper()
		r, _ := http.NewRequest(method, url, strings.NewReader(body))
		if hostHdr != "" {
			r.Host = hostHdr
		}
		r.Header.Set("Origin", "http://"+host)
		r.Header.Set("Content-Type", "application/json")
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(r)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	for _, c := range []struct {
		name, url, host string
		status          int
	}{
		{"page", u, "", 200},
		{"no slash", strings.TrimSuffix(u, "/"), "", 302},
		{"other host", u, "attacker.example:" + strings.Split(host, ":")[1], 404},
		{"wrong token", strings.Replace(u, "/h/", "/h/0", 1), "", 404},
		{"short token", u[:len(u)-3] + "/", "", 404},
		{"token prefix", strings.TrimSuffix(u, "/") + "0/", "", 404},
		{"root", "http://" + host + "/", "", 404},
	} {
		if got, body := req("GET", c.url, c.host, ""); got != c.status {
			t.Errorf("%s: GET %s: %d, want %d: %.100s", c.name, c.url, got, c.status, body)
		}
	}

	// Enrol a key: the pass is bound to it, refused bare, admitted presented.
	hk, err := keys.Generate(keys.ES256)
	if err != nil {
		t.Fatal(err)
	}
	pub := hk.Public().(*ecdsa.PublicKey)
	body := `{"holder_key":"` + base64.RawURLEncoding.EncodeToString(elliptic.MarshalCompressed(elliptic.P256(), pub.X, pub.Y)) + `"}`
	status, resp := req("POST", u+"api/enrol", "", body)
	if status != 200 {
		t.Fatalf("enrol: %d %s", status, resp)
	}
	var p struct {
		Pass   string   `json:"pass"`
		Colour string   `json:"colour"`
		Hints  []string `json:"hints"`
	}
	if err := json.Unmarshal([]byte(resp), &p); err != nil || p.Colour != "green" || len(p.Hints) != 1 {
		t.Fatalf("enrol: %v %s", err, resp)
	}
	now := time.Now()
	if _, err := verifier.Verify(p.Pass, trust, verifier.Options{Now: now}); !isReason(err, verifier.PresentationRequired) {
		t.Errorf("bare pass: %v", err)
	}
	text, err := holder.Present(p.Pass, hk, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := verifier.Verify(text, trust, verifier.Options{Now: now}); err != nil || !v.NameMatches("张三") {
		t.Errorf("presentation: %v", err)
	}
	if status, resp := req("POST", u+"api/pass", "", body); status != 200 {
		t.Errorf("renew: %d %s", status, resp)
	}
	other, _ := keys.Generate(keys.ES256)
	op := other.Public().(*ecdsa.PublicKey)
	otherBody := `{"holder_key":"` + base64.RawURLEncoding.EncodeToString(elliptic.MarshalCompressed(elliptic.P256(), op.X, op.Y)) + `"}`
	if status, resp := req("POST", u+"api/pass", "", otherBody); status != 409 || !strings.Contains(resp, "not_enrolled") {
		t.Errorf("renew with another key: %d %s", status, resp)
	}

	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit %d: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("hufu holder did not stop")
	}
}

func isReason(err error, r verifier.Reason) bool {
	var e *verifier.Error
	return errors.As(err, &e) && e.Reason == r
}

// TestHolderCommandUsage: bad flags exit 2 before anything listens.
func TestHolderCommandUsage(t *testing.T) {
	dir := t.TempDir()
	priv, _ := keys.Generate(keys.ES256)
	keyFile := filepath.Join(dir, "issuer.key")
	if err := keys.WritePrivateFile(keyFile, priv); err != nil {
		t.Fatal(err)
	}
	base := []string{"-key", keyFile, "-iss", "310000", "-name", "张三", "-colour", "green"}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no key", []string{"-iss", "310000", "-name", "x", "-colour", "green"}, "-key FILE is required"},
		{"bad colour", []string{"-key", keyFile, "-iss", "310000", "-name", "x", "-colour", "blue"}, "unknown colour"},
		{"not loopback", append(base, "-addr", "0.0.0.0:0"), "not a loopback address"},
		{"zero ttl", append(base, "-ttl", "0s"), "-ttl"},
		{"photo not an image", append(base, "-photo", keyFile), "not JPEG, PNG, GIF or WebP"},
		{"argument", append(base, "extra"), "unexpected argument"},
	} {
		var stdout, stderr lockedBuffer
		e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
		if code := holderMain(context.Background(), e, c.args); code != exitUsage || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%s: exit %d, stderr %q, want %q", c.name, code, stderr.String(), c.want)
		}
		if stdout.String() != "" {
			t.Errorf("%s: printed %q", c.name, stdout.String())
		}
	}
}
