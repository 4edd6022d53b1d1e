package main

import (
	"bytes"
	"image"
	stdpng "image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/scanlog"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/qr"
)

// TestWatch: images dropped into the folder are checked once each, when
// they stop changing; files there at the start, other files, and images
// with no code are not logged.
func TestWatch(t *testing.T) {
	f := newFixture(t)
	dir := filepath.Join(f.dir, "drop")
	os.Mkdir(dir, 0o755)
	png := func(text string) []byte {
		b, err := qr.PNG(text, qr.Options{ModulePixels: 4})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	old := png(f.issue(t, issuer.Claims{Name: "a", Colour: pass.Green}))
	os.WriteFile(filepath.Join(dir, "old.png"), old, 0o644)
	rs := startStation(t, "-trust", f.trust, "-state", f.state, "-site", "gate-1", "-json",
		"-watch", dir, "-interval", "20ms", "-dedupe", "0")
	waitOut := func(what string, ok func(out, errs string) bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !ok(rs.stdout.String(), rs.stderr.String()) {
			if time.Now().After(deadline) {
				t.Fatalf("no %s:\nstdout:\n%s\nstderr:\n%s", what, rs.stdout.String(), rs.stderr.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitOut("start", func(_, errs string) bool { return strings.Contains(errs, "1 file already there") })

	yellow := png(f.issue(t, issuer.Claims{Name: "b", Colour: pass.Yellow}))
	// Half an image first, left long enough to be read: unreadable, not
	// logged; then the rest.
	os.WriteFile(filepath.Join(dir, "cam1.png"), yellow[:len(yellow)/2], 0o644)
	waitOut("warning for the half image", func(_, errs string) bool { return strings.Contains(errs, "cam1.png") })
	os.WriteFile(filepath.Join(dir, "cam1.png"), yellow, 0o644)
	waitOut("verdict", func(out, _ string) bool { return strings.Count(out, "\n") == 1 })
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("HF1:not an image"), 0o644)
	var blank bytes.Buffer
	stdpng.Encode(&blank, image.NewGray(image.Rect(0, 0, 200, 120)))
	os.WriteFile(filepath.Join(dir, "blank.png"), blank.Bytes(), 0o644)
	waitOut("warning for the blank image", func(_, errs string) bool { return strings.Contains(errs, "blank.png: no QR code found") })
	os.WriteFile(filepath.Join(dir, ".hidden.png"), old, 0o644)
	os.WriteFile(filepath.Join(dir, "cam2.png"), png(forge(t, f.issue(t, issuer.Claims{Name: "c", Colour: pass.Green}))), 0o644)
	waitOut("second verdict", func(out, _ string) bool { return strings.Count(out, "\n") == 2 })
	time.Sleep(100 * time.Millisecond) // five more polls: nothing new
	if code := rs.stop(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	vs := jsonLines(t, rs.stdout.String())
	if len(vs) != 2 || vs[0]["decision"] != "observe" || scanOf(vs[0])["source"] != "watch" || vs[1]["reason"] != "bad_signature" {
		t.Fatalf("verdicts: %v", vs)
	}
	recs, rep, _ := scanlog.Read(filepath.Join(f.state, "scanlog"), "gate-1")
	if rep.Problem != nil || len(recs) != 2 {
		t.Fatalf("log: %+v %d", rep, len(recs))
	}
}
