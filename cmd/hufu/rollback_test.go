package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/bundle/store"
)

// TestStationNoRollback: a running station that uses bundle 2 does not
// switch to bundle 1 copied over the installed file (issue 11 item 1), and
// keeps rejecting the pass bundle 2 revokes.
func TestStationNoRollback(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	path := func(name string) string { return filepath.Join(dir, name) }
	cli := func(args ...string) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(testEnv(nil, &out, &errb, nil, "HUFU_STATE", state), args); code != 0 {
			t.Fatalf("hufu %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
		}
	}
	now := time.Now()
	at := func(d time.Duration) string { return now.Add(d).UTC().Format(time.RFC3339) }
	cli("keygen", "-root", "-alg", "EdDSA", "-o", path("root.key"))
	cli("keygen", "-alg", "EdDSA", "-o", path("k"))
	cli("bundle", "init", "-o", path("src.json"))
	cli("bundle", "add-issuer", "-in", path("src.json"), "-iss", "310000", "-name-zh", "上海市", "-name-en", "Shanghai")
	cli("bundle", "add-key", "-in", path("src.json"), "-iss", "310000", path("k.pub"))
	cli("bundle", "sign", "-key", path("root.key"), "-in", path("src.json"), "-at", at(-2*time.Hour), "-o", path("b1.hfb"))
	cli("issue", "-key", path("k"), "-iss", "310000", "-name", "张三", "-colour", "green", "-at", at(-90*time.Minute), "-o", path("pass.txt"))
	cli("bundle", "revoke", "-in", path("src.json"), "-code", path("pass.txt"))
	cli("bundle", "sign", "-key", path("root.key"), "-in", path("src.json"), "-at", at(-time.Hour), "-o", path("b2.hfb"))
	cli("bundle", "pin", path("root.key.pub"))
	cli("bundle", "install", path("b1.hfb"))
	cli("bundle", "install", path("b2.hfb"))
	text, _ := os.ReadFile(path("pass.txt"))
	b1, _ := os.ReadFile(path("b1.hfb"))

	swap := func() {
		if err := os.WriteFile(filepath.Join(state, store.BundleFile), b1, 0o644); err != nil {
			t.Fatal(err)
		}
		// A different size and time, so the station sees a change.
		os.Chtimes(filepath.Join(state, store.BundleFile), now.Add(time.Minute), now.Add(time.Minute))
	}
	in := &scripted{now: now, steps: []step{{0, string(text)}, {0, string(text)}}, hooks: map[int]func(){1: swap}}
	var sout, serr bytes.Buffer
	e := testEnv(in, &sout, &serr, in.clock, "HUFU_STATE", state)
	scanMain(context.Background(), e, []string{"-site", "gate-1", "-json", "-dedupe", "0", "-passback", "0"})
	vs := jsonLines(t, sout.String())
	if len(vs) != 2 || vs[0]["reason"] != "revoked_pass" || vs[1]["reason"] != "revoked_pass" {
		t.Errorf("verdicts before and after the swap: %v\n%s", vs, serr.String())
	}
	if !strings.Contains(serr.String(), "rollback") || strings.Contains(serr.String(), "now using") {
		t.Errorf("the station did not refuse the older bundle:\n%s", serr.String())
	}
}
