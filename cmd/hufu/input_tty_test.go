//go:build linux

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/hufu-project/hufu/keys"
	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal: the controlling side and the terminal.
func openPTY(t *testing.T) (ctl, tty *os.File) {
	t.Helper()
	ctl, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { ctl.Close() })
	if err := unix.IoctlSetPointerInt(int(ctl.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(int(ctl.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("ptsname: %v", err)
	}
	tty, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pts: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	return ctl, tty
}

// TestTerminalInput: on a terminal, verify says what it wants, reads one
// line, and an empty one (Enter, or Ctrl-D) is a usage error, not a forged
// pass (issue 11 item 10).
func TestTerminalInput(t *testing.T) {
	tf, _ := keys.NewTrust()
	trust := filepath.Join(t.TempDir(), "trust.json")
	if err := keys.WriteTrustFile(trust, tf); err != nil {
		t.Fatal(err)
	}
	for _, typed := range []string{"\n", "\x04"} {
		ctl, tty := openPTY(t)
		if _, err := ctl.Write([]byte(typed)); err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		e := &env{stdin: tty, stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
		if code := run(e, []string{"verify", "-trust", trust}); code != exitUsage {
			t.Errorf("typed %q: exit %d, want %d", typed, code, exitUsage)
		}
		if !bytes.Contains(errb.Bytes(), []byte("paste or scan a code, then Enter")) || !bytes.Contains(errb.Bytes(), []byte("no code given")) {
			t.Errorf("typed %q: stderr %q", typed, errb.String())
		}
		if out.Len() != 0 {
			t.Errorf("typed %q: a verdict: %s", typed, out.String())
		}
	}
	// One line is one code, read without waiting for the end of input.
	ctl, tty := openPTY(t)
	ctl.Write([]byte("HF1:ABC\n"))
	var errb bytes.Buffer
	scans, err := readScans(&env{stdin: tty, stderr: &errb}, "-")
	if err != nil || len(scans) != 1 || scans[0].Text != "HF1:ABC" {
		t.Errorf("a typed line: %+v, %v", scans, err)
	}
}
