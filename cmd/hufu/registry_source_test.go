package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hufu-project/hufu/registry/registrytest"
)

// TestRegistrySourceOffline: an office whose root key is offline. The
// registry (serving without -root) issues two passes and revokes one;
// "registry source" writes what it would publish; "bundle sign" with a
// root key that never touched the registry signs it; a guard that pinned
// that root installs the bundle, admits the pass the registry issued and
// refuses the one it revoked as revoked_pass. A later "registry publish"
// takes the next number, which the guard installs over it.
func TestRegistrySourceOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the hufu binary")
	}
	for _, b := range registrytest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			x := &e2e{t: t, bin: plainHufuBinary(t), dir: t.TempDir()}
			db := b.DSN(t)
			x.must("keygen", "-o", "issuer.key")
			x.must("keygen", "-root", "-alg", "EdDSA", "-o", "offline-root.key")
			tok := map[string]string{}
			for _, role := range []string{"registrar", "health"} {
				tok[role] = strings.TrimSpace(x.must("registry", "token", "-db", db, "-role", role, "-name", role+"-desk"))
			}
			srv := x.serve("-db", db, "-iss", "310000", "-key", "issuer.key")
			passOf := func(name, idNumber string) (passAnswer, string) {
				t.Helper()
				var reg struct {
					HolderID  string `json:"holder_id"`
					LinkToken string `json:"link_token"`
				}
				if code, body := srv.call(t, "POST", "/v1/holders", tok["registrar"], `{"name":"`+name+`","id_number":"`+idNumber+`"}`, &reg); code != 201 {
					t.Fatalf("register: %d %s", code, body)
				}
				var p passAnswer
				if code, body := srv.call(t, "GET", "/v1/holders/"+reg.HolderID+"/pass", reg.LinkToken, "", &p); code != 200 {
					t.Fatalf("pass: %d %s", code, body)
				}
				return p, reg.HolderID
			}
			kept, _ := passOf("张三", "31010119900101123X")
			revoked, holder := passOf("李四", "320101199001011234")
			feed := `{"event_id":"hc-1","holder_id":"` + holder + `","colour":"red","reason":"confirmed"}` + "\n"
			if code, body := srv.call(t, "POST", "/v1/feed", tok["health"], feed, nil); code != 200 {
				t.Fatalf("feed: %d %s", code, body)
			}

			if code, _, errOut := x.run("registry", "source", "-db", db); code != exitUsage || !strings.Contains(errOut, "source needs -o") {
				t.Errorf("source without -o: exit %d %s", code, errOut)
			}
			code, _, errOut := x.run("registry", "source", "-db", db, "-o", "src.json")
			if code != exitOK || !strings.Contains(errOut, "wrote src.json: bundle 1, 1 issuer, 1 revoked pass") ||
				!strings.Contains(errOut, "hufu: hint: sign it once, where the root key is: hufu bundle sign -key ROOT.key -in src.json -o bundle.hfb") {
				t.Fatalf("registry source: exit %d\n%s", code, errOut)
			}
			// On the offline machine.
			x.must("bundle", "sign", "-key", "offline-root.key", "-in", "src.json", "-o", "bundle.hfb")
			// At the guard.
			x.must("bundle", "pin", "offline-root.key.pub")
			x.must("bundle", "install", "bundle.hfb")
			verify := func(p passAnswer, name string) (int, string) {
				os.WriteFile(filepath.Join(x.dir, "pass.txt"), []byte(p.Text), 0o644)
				code, out, _ := x.run("verify", "-json", "-name", name, "pass.txt")
				return code, out
			}
			if code, out := verify(kept, "张三"); code != exitOK || !strings.Contains(out, `"admit"`) {
				t.Errorf("the pass the registry issued: exit %d %s", code, out)
			}
			if code, out := verify(revoked, "李四"); code != exitInvalid || !strings.Contains(out, `"revoked_pass"`) {
				t.Errorf("the pass the registry revoked: exit %d %s", code, out)
			}
			// Online again: the next number, installed over the first.
			x.must("registry", "publish", "-db", db, "-root", "offline-root.key", "-out", "www")
			if _, err := os.Stat(filepath.Join(x.dir, "www", "bundle-2.hfb")); err != nil {
				t.Errorf("publish after a source: %v (want bundle 2)", err)
			}
			x.must("bundle", "install", filepath.Join("www", "bundle.hfb"))
		})
	}
}
