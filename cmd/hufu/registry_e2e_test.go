package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hufu-project/hufu/registry/registrytest"
)

// e2e runs the hufu binary in a work directory.
type e2e struct {
	t   testing.TB
	bin string
	dir string
}

// run runs hufu with args and returns its exit status, stdout and stderr.
func (x *e2e) run(args ...string) (int, string, string) {
	x.t.Helper()
	cmd := exec.Command(x.bin, args...)
	cmd.Dir = x.dir
	cmd.Env = append(os.Environ(), "HUFU_STATE="+filepath.Join(x.dir, "guard"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		x.t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

// must runs hufu and fails the test unless it exits 0; it returns stdout.
func (x *e2e) must(args ...string) string {
	x.t.Helper()
	code, out, errOut := x.run(args...)
	if code != 0 {
		x.t.Fatalf("hufu %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// registryServer is a "hufu registry serve" child process.
type registryServer struct {
	cmd  *exec.Cmd
	url  string
	logs *bytes.Buffer
	done chan error
}

// serve starts "hufu registry serve" with args and waits for its address.
func (x *e2e) serve(args ...string) *registryServer {
	x.t.Helper()
	cmd := exec.Command(x.bin, append([]string{"registry", "serve", "-listen", "127.0.0.1:0"}, args...)...)
	cmd.Dir = x.dir
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		x.t.Fatal(err)
	}
	s := &registryServer{cmd: cmd, logs: &bytes.Buffer{}, done: make(chan error, 1)}
	addr := make(chan string, 1)
	var mu sync.Mutex
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if u, ok := strings.CutPrefix(line, "hufu: registry listening on "); ok {
				addr <- u
			}
			mu.Lock()
			if s.logs.Len() < 1<<20 {
				s.logs.WriteString(line + "\n")
			}
			mu.Unlock()
		}
		io.Copy(io.Discard, pr)
	}()
	go func() { s.done <- cmd.Wait(); pw.Close() }()
	select {
	case s.url = <-addr:
	case err := <-s.done:
		x.t.Fatalf("registry serve exited: %v\n%s", err, s.logs)
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		x.t.Fatal("registry serve did not start")
	}
	x.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-s.done
		}
	})
	return s
}

// call sends a request to the registry; it returns the status and the
// body, decoded into out if out is not nil.
func (s *registryServer) call(t testing.TB, method, path, token, body string, out any) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode, string(data)
}

type passAnswer struct {
	Text   string   `json:"text"`
	PassID string   `json:"pass_id"`
	Colour string   `json:"colour"`
	Hints  []string `json:"hints"`
}

// TestRegistryEndToEnd is issue 9's end-to-end test, through the built
// binary and HTTP, on SQLite and on PostgreSQL: register, a green pass, a
// guard admits it; the feed turns the holder red, the next bundle makes
// the guard refuse the old pass as revoked; the holder gets a red pass; an
// appeal shows appeal_pending; upheld, the holder is green with a new pass
// and the red one is revoked.
func TestRegistryEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the hufu binary")
	}
	for _, b := range registrytest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			x := &e2e{t: t, bin: plainHufuBinary(t), dir: t.TempDir()}
			db := b.DSN(t)
			x.must("keygen", "-o", "issuer.key")
			x.must("keygen", "-alg", "EdDSA", "-o", "root.key")
			x.must("registry", "add-issuer", "-db", db, "-iss", "310000", "-name-zh", "上海市", "-name-en", "Shanghai", "issuer.key.pub")
			tok := map[string]string{}
			for _, role := range []string{"registrar", "health", "appeals", "publisher", "reader"} {
				tok[role] = strings.TrimSpace(x.must("registry", "token", "-db", db, "-role", role, "-name", role+"-desk"))
			}
			srv := x.serve("-db", db, "-iss", "310000", "-key", "issuer.key", "-root", "root.key", "-out", "www")

			// The guard pins the root once.
			x.must("bundle", "pin", "root.key.pub")
			install := func() { x.must("bundle", "install", filepath.Join("www", "bundle.hfb")) }
			verify := func(p passAnswer) (int, string) {
				os.WriteFile(filepath.Join(x.dir, "pass.txt"), []byte(p.Text), 0o644)
				code, out, _ := x.run("verify", "-json", "-name", "张三", "pass.txt")
				return code, out
			}
			publish := func() {
				var pr struct{ Seq uint64 }
				if code, body := srv.call(t, "POST", "/v1/publish", tok["publisher"], "", &pr); code != 200 {
					t.Fatalf("publish: %d %s", code, body)
				}
			}

			// 1. Register; green pass; bundle N; the guard admits.
			var reg struct {
				HolderID  string `json:"holder_id"`
				LinkToken string `json:"link_token"`
			}
			if code, body := srv.call(t, "POST", "/v1/holders", tok["registrar"], `{"name":"张三","id_number":"31010119900101123X"}`, &reg); code != 201 {
				t.Fatalf("register: %d %s", code, body)
			}
			var other struct {
				HolderID  string `json:"holder_id"`
				LinkToken string `json:"link_token"`
			}
			srv.call(t, "POST", "/v1/holders", tok["registrar"], `{"name":"李四","id_number":"320101199001011234"}`, &other)
			passPath := "/v1/holders/" + reg.HolderID + "/pass"
			var green passAnswer
			if code, body := srv.call(t, "GET", passPath, reg.LinkToken, "", &green); code != 200 || green.Colour != "green" {
				t.Fatalf("green pass: %d %s", code, body)
			}
			publish()
			install()
			if code, out := verify(green); code != exitOK || !strings.Contains(out, `"admit"`) {
				t.Fatalf("bundle N, green pass: exit %d %s", code, out)
			}

			// 2. The feed turns the holder red; bundle N+1 (this time from
			// the command line); the old green pass is refused as revoked.
			feed := `{"event_id":"hc-1","holder_id":"` + reg.HolderID + `","colour":"red","reason":"confirmed"}` + "\n"
			var fr struct{ Applied, Duplicates int }
			if code, body := srv.call(t, "POST", "/v1/feed", tok["health"], feed, &fr); code != 200 || fr.Applied != 1 {
				t.Fatalf("feed: %d %s", code, body)
			}
			x.must("registry", "publish", "-db", db, "-root", "root.key", "-out", "www")
			install()
			if code, out := verify(green); code != exitInvalid || !strings.Contains(out, `"revoked_pass"`) {
				t.Fatalf("bundle N+1, old green pass: exit %d %s", code, out)
			}

			// 3. The holder fetches again: a red pass.
			var red passAnswer
			if code, body := srv.call(t, "GET", passPath, reg.LinkToken, "", &red); code != 200 || red.Colour != "red" || red.PassID == green.PassID {
				t.Fatalf("red pass: %d %s", code, body)
			}
			if code, out := verify(red); code != exitDeny {
				t.Fatalf("red pass: exit %d %s", code, out)
			}

			// 4. An appeal: appeal_pending on the next pass; upheld: green
			// again with a new pass, and the red one revoked.
			var ap struct {
				AppealID string `json:"appeal_id"`
			}
			if code, body := srv.call(t, "POST", "/v1/holders/"+reg.HolderID+"/appeals", reg.LinkToken, `{"text":"the test was someone else's"}`, &ap); code != 201 {
				t.Fatalf("appeal: %d %s", code, body)
			}
			var pending passAnswer
			srv.call(t, "GET", passPath, reg.LinkToken, "", &pending)
			if pending.Colour != "red" || !contains(pending.Hints, "appeal_pending") {
				t.Fatalf("pass during the appeal: %+v", pending)
			}
			if code, body := srv.call(t, "POST", "/v1/appeals/"+ap.AppealID+"/resolve", tok["appeals"], `{"outcome":"upheld","colour":"green","note":"lab mix-up"}`, nil); code != 200 {
				t.Fatalf("resolve: %d %s", code, body)
			}
			var again passAnswer
			srv.call(t, "GET", passPath, tok["reader"], "", &again)
			if again.Colour != "green" || contains(again.Hints, "appeal_pending") || again.PassID == pending.PassID {
				t.Fatalf("pass after the upheld appeal: %+v", again)
			}
			publish()
			install()
			for _, p := range []passAnswer{red, pending} {
				if code, out := verify(p); code != exitInvalid || !strings.Contains(out, `"revoked_pass"`) {
					t.Errorf("red pass %s after the upheld appeal: exit %d %s", p.PassID, code, out)
				}
			}
			if code, out := verify(again); code != exitOK {
				t.Errorf("new green pass: exit %d %s", code, out)
			}

			// Holder A's link token on holder B's pass; a health token
			// publishing.
			if code, body := srv.call(t, "GET", "/v1/holders/"+other.HolderID+"/pass", reg.LinkToken, "", nil); code != 403 || !strings.Contains(body, `"forbidden"`) {
				t.Errorf("link token on another holder's pass: %d %s", code, body)
			}
			if code, body := srv.call(t, "POST", "/v1/publish", tok["health"], "", nil); code != 403 || !strings.Contains(body, `"forbidden"`) {
				t.Errorf("health token publishing: %d %s", code, body)
			}

			// SIGTERM: a graceful exit.
			srv.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case err := <-srv.done:
				if err != nil {
					t.Errorf("registry serve after SIGTERM: %v\n%s", err, srv.logs)
				}
			case <-time.After(30 * time.Second):
				t.Error("registry serve did not stop on SIGTERM")
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestRegistryTwoProvinces: Jiangsu's registry (320000) exports its
// revocations; Shanghai's (310000) lists Jiangsu's key, merges the export
// and publishes; a Shanghai guard refuses the pass Jiangsu revoked. Then
// "registry reissue" re-issues the passes near expiry, printing JSON
// progress lines when not on a terminal.
func TestRegistryTwoProvinces(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the hufu binary")
	}
	x := &e2e{t: t, bin: plainHufuBinary(t), dir: t.TempDir()}
	x.must("keygen", "-o", "sh.key")
	x.must("keygen", "-o", "js.key")
	x.must("keygen", "-alg", "EdDSA", "-o", "root.key")
	x.must("registry", "add-issuer", "-db", "sh.db", "-iss", "310000", "-name-zh", "上海市", "-name-en", "Shanghai", "sh.key.pub")
	x.must("registry", "add-issuer", "-db", "sh.db", "-iss", "320000", "-name-zh", "江苏省", "-name-en", "Jiangsu", "js.key.pub")
	reg := strings.TrimSpace(x.must("registry", "token", "-db", "js.db", "-role", "registrar", "-name", "reg"))
	health := strings.TrimSpace(x.must("registry", "token", "-db", "js.db", "-role", "health", "-name", "feed"))
	js := x.serve("-db", "js.db", "-iss", "320000", "-key", "js.key", "-secret", "js.secret", "-validity", "1m", "-reissue-fraction", "0.99")
	var h struct {
		HolderID  string `json:"holder_id"`
		LinkToken string `json:"link_token"`
	}
	js.call(t, "POST", "/v1/holders", reg, `{"name":"Jiang Su","id_number":"320"}`, &h)
	var p passAnswer
	if code, body := js.call(t, "GET", "/v1/holders/"+h.HolderID+"/pass", h.LinkToken, "", &p); code != 200 {
		t.Fatalf("pass: %d %s", code, body)
	}
	os.WriteFile(filepath.Join(x.dir, "js-pass.txt"), []byte(p.Text), 0o644)
	x.must("registry", "publish", "-db", "sh.db", "-root", "root.key", "-out", "www")
	x.must("bundle", "pin", "root.key.pub")
	x.must("bundle", "install", filepath.Join("www", "bundle.hfb"))
	if code, out, _ := x.run("verify", "-json", "js-pass.txt"); code != exitOK {
		t.Fatalf("Jiangsu pass at a Shanghai guard: exit %d %s", code, out)
	}
	js.call(t, "PUT", "/v1/holders/"+h.HolderID+"/status", health, `{"event_id":"js-1","colour":"red","reason":"close_contact"}`, nil)
	x.must("registry", "export", "-db", "js.db", "-key", "js.key", "-o", "JS.rev")
	// An export signed with the wrong key is refused (exit 1).
	x.must("registry", "export", "-db", "js.db", "-key", "js.key", "-iss", "310000", "-o", "forged.rev")
	if code, _, stderr := x.run("registry", "publish", "-db", "sh.db", "-root", "root.key", "-out", "www", "-merge", "forged.rev"); code != exitInvalid {
		t.Errorf("publish with a forged export: exit %d %s", code, stderr)
	}
	x.must("registry", "publish", "-db", "sh.db", "-root", "root.key", "-out", "www", "-merge", "JS.rev")
	x.must("bundle", "install", filepath.Join("www", "bundle.hfb"))
	if code, out, _ := x.run("verify", "-json", "js-pass.txt"); code != exitInvalid || !strings.Contains(out, `"revoked_pass"`) {
		t.Errorf("revoked Jiangsu pass at a Shanghai guard: exit %d %s", code, out)
	}

	// Re-issue: the red pass has under 99% of its minute left.
	js.call(t, "GET", "/v1/holders/"+h.HolderID+"/pass", h.LinkToken, "", &p)
	time.Sleep(1100 * time.Millisecond)
	out := x.must("registry", "reissue", "-db", "js.db", "-iss", "320000", "-key", "js.key", "-validity", "1m", "-reissue-fraction", "0.99")
	if !strings.Contains(out, `"done":1`) || !strings.Contains(out, `"issued":1`) {
		t.Errorf("reissue progress: %s", out)
	}
	var again passAnswer
	js.call(t, "GET", "/v1/holders/"+h.HolderID+"/pass", h.LinkToken, "", &again)
	if again.PassID == p.PassID || again.Colour != "red" {
		t.Errorf("after reissue: %+v, before %+v", again, p)
	}
}
