//go:build unix

package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/scanlog"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/pass"
	"golang.org/x/sys/unix"
)

// TestScanScannerFIFO: with -scanner, codes come from the scanner's own
// input (here a FIFO) and names from the keyboard (standard input). The
// spoof a keyboard wedge cannot refuse, a QR code holding "=张三", is
// refused from the scanner and not logged; the same name typed on the
// keyboard checks the pass: a new verdict, shown and logged. A code typed
// on the keyboard is refused. The station stops when the FIFO ends.
func TestScanScannerFIFO(t *testing.T) {
	f := newFixture(t)
	green := f.issue(t, issuer.Claims{Name: "张三", Colour: pass.Green})
	fifo := filepath.Join(t.TempDir(), "scanner")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	kr, kw := io.Pipe() // the guard's keyboard
	defer kw.Close()
	var stdout, stderr syncBuffer
	e := testEnv(kr, &stdout, &stderr, nil)
	done := make(chan int, 1)
	go func() {
		done <- scanMain(context.Background(), e, []string{"-trust", f.trust, "-state", f.state, "-site", "gate-1", "-json", "-scanner", fifo})
	}()
	sc, err := os.OpenFile(fifo, os.O_WRONLY, 0) // waits for the station
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	// wait waits until out holds n lines with want (a guard against a hang,
	// not a measure of speed).
	wait := func(out *syncBuffer, want string, n int) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); strings.Count(out.String(), want) < n; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no %d× %q:\nstdout:\n%s\nstderr:\n%s", n, want, stdout.String(), stderr.String())
			}
		}
	}
	io.WriteString(sc, green+"\r\n")
	wait(&stdout, `"hufu_verdict"`, 1)
	io.WriteString(sc, "=张三\r\n张三\r\n")
	wait(&stderr, "a name is never taken from the scanner", 2)
	io.WriteString(kw, green+"\n")
	wait(&stderr, "a code on the keyboard is not checked", 1)
	if n := strings.Count(stdout.String(), `"hufu_verdict"`); n != 1 {
		t.Fatalf("%d verdicts after the spoofs, want 1:\n%s", n, stdout.String())
	}
	io.WriteString(kw, "张三\n")
	wait(&stdout, `"hufu_verdict"`, 2)
	sc.Close()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the station did not stop at the end of the FIFO")
	}
	vs := jsonLines(t, stdout.String())
	if len(vs) != 2 || vs[0]["name_match"] != nil || vs[1]["name_match"] != true || vs[1]["decision"] != "admit" || scanOf(vs[1])["log_seq"] != float64(2) {
		t.Fatalf("verdicts: %v", vs)
	}
	recs, rep, err := scanlog.Read(filepath.Join(f.state, "scanlog"), "gate-1")
	if err != nil || rep.Problem != nil || len(recs) != 2 || recs[0].Name != "" || recs[1].Name != "match" || recs[1].Source != "scanner" {
		t.Fatalf("log: %v %+v %+v", err, rep, recs)
	}
	errs := stderr.String()
	if strings.Contains(errs, "share standard input") || !strings.Contains(errs, "the scanner "+fifo+" has ended") {
		t.Errorf("stderr:\n%s", errs)
	}
}
