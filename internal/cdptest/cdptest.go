// Package cdptest drives a headless Chromium over the Chrome DevTools
// Protocol, for tests of hufu's web pages: a WebSocket client (RFC 6455,
// text frames, client masking) and the few calls the tests need. Written
// here rather than taken from chromedp, which would pull a large
// dependency tree into the module for a few tests.
//
// Start skips the test when Chromium is not installed, except under CI
// (the environment variable CI=true), where a missing browser fails the
// test: CI installs it, and a browser test that silently skips proves
// nothing.
package cdptest

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Conn is a DevTools connection to one page.
type Conn struct {
	conn net.Conn
	br   *bufio.Reader
	id   int
}

func dial(wsURL string) (*Conn, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return nil, err
	}
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		return nil, err
	}
	key := make([]byte, 16)
	rand.Read(key)
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", u.RequestURI(), u.Host, base64.StdEncoding.EncodeToString(key))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		conn.Close()
		return nil, fmt.Errorf("websocket handshake: %s", resp.Status)
	}
	return &Conn{conn: conn, br: br}, nil
}

// Close closes the connection.
func (c *Conn) Close() { c.conn.Close() }

// writeFrame sends one masked frame.
func (c *Conn) writeFrame(op byte, payload []byte) error {
	hdr := []byte{0x80 | op}
	switch n := len(payload); {
	case n < 126:
		hdr = append(hdr, 0x80|byte(n))
	case n < 1<<16:
		hdr = append(hdr, 0x80|126, byte(n>>8), byte(n))
	default:
		hdr = append(hdr, 0x80|127)
		hdr = binary.BigEndian.AppendUint64(hdr, uint64(n))
	}
	mask := make([]byte, 4)
	rand.Read(mask)
	hdr = append(hdr, mask...)
	body := make([]byte, len(payload))
	for i, b := range payload {
		body[i] = b ^ mask[i%4]
	}
	_, err := c.conn.Write(append(hdr, body...))
	return err
}

// readMessage returns the next text message, answering pings.
func (c *Conn) readMessage() ([]byte, error) {
	var msg []byte
	for {
		var h [2]byte
		if _, err := io.ReadFull(c.br, h[:]); err != nil {
			return nil, err
		}
		fin, op := h[0]&0x80 != 0, h[0]&0x0f
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var b [2]byte
			if _, err := io.ReadFull(c.br, b[:]); err != nil {
				return nil, err
			}
			n = uint64(binary.BigEndian.Uint16(b[:]))
		case 127:
			var b [8]byte
			if _, err := io.ReadFull(c.br, b[:]); err != nil {
				return nil, err
			}
			n = binary.BigEndian.Uint64(b[:])
		}
		if n > 64<<20 {
			return nil, errors.New("websocket: message too large")
		}
		var mask []byte
		if h[1]&0x80 != 0 {
			mask = make([]byte, 4)
			if _, err := io.ReadFull(c.br, mask); err != nil {
				return nil, err
			}
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(c.br, payload); err != nil {
			return nil, err
		}
		if mask != nil {
			for i := range payload {
				payload[i] ^= mask[i%4]
			}
		}
		switch op {
		case 0x8:
			return nil, errors.New("websocket: closed")
		case 0x9:
			c.writeFrame(0xa, payload)
			continue
		case 0xa:
			continue
		}
		msg = append(msg, payload...)
		if fin {
			return msg, nil
		}
	}
}

// Call sends a CDP command and waits for its result, skipping events.
func (c *Conn) Call(method string, params any, result any) error {
	c.id++
	if params == nil {
		params = map[string]any{}
	}
	b, err := json.Marshal(map[string]any{"id": c.id, "method": method, "params": params})
	if err != nil {
		return err
	}
	c.conn.SetDeadline(time.Now().Add(30 * time.Second))
	if err := c.writeFrame(0x1, b); err != nil {
		return err
	}
	for {
		m, err := c.readMessage()
		if err != nil {
			return err
		}
		var r struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(m, &r); err != nil {
			return err
		}
		if r.ID != c.id {
			continue
		}
		if r.Error != nil {
			return fmt.Errorf("cdp %s: %s", method, r.Error.Message)
		}
		if result == nil {
			return nil
		}
		return json.Unmarshal(r.Result, result)
	}
}

// Eval evaluates a JavaScript expression in the page, waiting for it if
// it is a promise, and decodes its value (as JSON) into out. A thrown
// exception or a rejected promise is an error.
func (c *Conn) Eval(expr string, out any) error {
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	// While the page loads a new document (a navigation or a reload) it
	// has no execution context for a moment: try again then, for up to
	// 5 s. Other errors are returned at once.
	for wait := time.Now().Add(5 * time.Second); ; {
		err := c.Call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &r)
		if err == nil {
			break
		}
		if !betweenDocuments(err) || time.Now().After(wait) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
	if r.Exception != nil {
		return fmt.Errorf("javascript: %s %s", r.Exception.Text, r.Exception.Exception.Description)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(r.Result.Value, out)
}

// betweenDocuments reports whether err is Chromium's answer to an
// evaluation while the page is between two documents.
func betweenDocuments(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Cannot find default execution context") ||
		strings.Contains(msg, "Execution context was destroyed")
}

// Screenshot returns a PNG of the page's viewport.
func (c *Conn) Screenshot() ([]byte, error) {
	var r struct {
		Data string `json:"data"`
	}
	if err := c.Call("Page.captureScreenshot", map[string]any{"format": "png"}, &r); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(r.Data)
}

// SetViewport sets the page's viewport to width×height CSS pixels at
// scale device pixels per CSS pixel.
func (c *Conn) SetViewport(width, height int, scale float64, mobile bool) error {
	return c.Call("Emulation.setDeviceMetricsOverride", map[string]any{
		"width": width, "height": height, "deviceScaleFactor": scale, "mobile": mobile,
	}, nil)
}

// Browser is a headless Chromium started for a test.
type Browser struct {
	cmd  *exec.Cmd
	port int
	log  *os.File
}

// Find returns the path of Chromium. It skips the test if there is none,
// or fails it under CI (CI=true).
func Find(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed, and CI=true: .ci/run must install it (apt-get install chromium)")
	}
	t.Skip("chromium is not installed (apt-get install chromium; .ci/run installs it): skipping the browser test")
	return ""
}

// Start starts a headless Chromium with the extra flags and opens pageURL.
// The browser is stopped when the test ends.
func Start(t testing.TB, pageURL string, flags ...string) *Browser {
	t.Helper()
	bin := Find(t)
	profile := t.TempDir()
	logf, err := os.Create(filepath.Join(t.TempDir(), "chromium.log"))
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--headless=new", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--no-first-run", "--no-default-browser-check", "--disable-dev-shm-usage",
		"--user-data-dir=" + profile, "--remote-debugging-port=0"}, flags...)
	cmd := exec.Command(bin, append(args, pageURL)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // to stop its helpers with it
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b := &Browser{cmd: cmd, log: logf}
	t.Cleanup(b.stop)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		data, err := os.ReadFile(filepath.Join(profile, "DevToolsActivePort"))
		if err == nil {
			if lines := strings.Split(string(data), "\n"); len(lines) >= 2 {
				if b.port, err = strconv.Atoi(strings.TrimSpace(lines[0])); err == nil {
					return b
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("chromium did not start its DevTools server:\n%s", b.Output())
	return nil
}

// Output returns what Chromium has written to its standard output and
// error.
func (b *Browser) Output() string {
	data, _ := os.ReadFile(b.log.Name())
	return string(data)
}

// stop kills Chromium and the helper processes it started (its process
// group, which Start created).
func (b *Browser) stop() {
	if b.cmd.Process != nil {
		syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
		b.cmd.Wait()
	}
	b.log.Close()
}

// Page connects to the first page target whose URL starts with prefix.
// The connection is closed when the test ends.
func (b *Browser) Page(t testing.TB, prefix string) *Conn {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/json/list", b.port))
		if err == nil {
			var targets []struct {
				Type, URL, WebSocketDebuggerURL string
			}
			json.NewDecoder(resp.Body).Decode(&targets)
			resp.Body.Close()
			for _, tg := range targets {
				if tg.Type == "page" && strings.HasPrefix(tg.URL, prefix) && tg.WebSocketDebuggerURL != "" {
					conn, err := dial(tg.WebSocketDebuggerURL)
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(conn.Close)
					return conn
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no page target for %s:\n%s", prefix, b.Output())
	return nil
}
