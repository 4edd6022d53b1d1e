package folder

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/qr"
	"github.com/hufu-project/hufu/station"
)

// TestPoll drives the watcher poll by poll: a file is checked once it has
// stayed the same for one poll, once; files there at the start, hidden
// files, other files and images without a code are not logged.
func TestPoll(t *testing.T) {
	priv, _ := keys.Generate(keys.EdDSA)
	is, _ := issuer.New(priv, "310000", 7*24*time.Hour)
	kid, _ := keys.KID(priv.Public())
	trust, _ := keys.NewTrust(&keys.Key{KID: kid, Alg: keys.EdDSA, Public: priv.Public(), Issuers: []string{"310000"}})
	png := func(name string, c pass.Colour) []byte {
		text, err := is.Issue(issuer.Claims{Name: name, Colour: c, Validity: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		b, err := qr.PNG(text, qr.Options{ModulePixels: 4})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	dir := t.TempDir()
	drop := filepath.Join(dir, "drop")
	os.Mkdir(drop, 0o755)
	os.WriteFile(filepath.Join(drop, "old.png"), png("a", pass.Green), 0o644)
	var logged []string
	s, err := station.Open(station.Config{Site: "gate-1", StateDir: filepath.Join(dir, "state"), Trust: station.Trust{Keys: trust},
		OnResult: func(r *station.Result) { logged = append(logged, string(r.Verdict.Decision)) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var warned []string
	w, err := New(s, drop, time.Hour, func(path, msg string) { warned = append(warned, filepath.Base(path)+": "+msg) })
	if err != nil || w.Ignored != 1 {
		t.Fatalf("%v, %d ignored", err, w.Ignored)
	}
	poll := func() {
		t.Helper()
		if err := w.poll(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	yellow := png("b", pass.Yellow)
	os.WriteFile(filepath.Join(drop, "cam1.png"), yellow, 0o644)
	os.WriteFile(filepath.Join(drop, ".hidden.png"), yellow, 0o644)
	os.WriteFile(filepath.Join(drop, "notes.txt"), []byte("HF1:not an image"), 0o644)
	poll() // seen
	if len(logged) != 0 {
		t.Fatalf("checked before it stopped changing: %v", logged)
	}
	poll() // unchanged: checked
	poll() // not again
	if strings.Join(logged, ",") != "observe" || len(warned) != 0 {
		t.Fatalf("logged %v, warned %v", logged, warned)
	}
	os.WriteFile(filepath.Join(drop, "blank.png"), yellow[:len(yellow)/2], 0o644)
	poll()
	poll()
	if len(logged) != 1 || len(warned) != 1 || !strings.HasPrefix(warned[0], "blank.png: ") {
		t.Fatalf("a broken image: logged %v, warned %v", logged, warned)
	}
	if _, err := New(s, filepath.Join(drop, "notes.txt"), time.Hour, nil); err == nil {
		t.Error("a file as the folder")
	}
}
