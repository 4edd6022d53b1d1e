package station

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/verdict"
)

// TestScannerKeyboardApart: with the scanner and the keyboard apart, no
// scanner line is a name, whatever it holds (the spoof "=张三" that Line
// must take as typed included): it is refused, not shown, not logged,
// and not kept for the next pass. The name typed on the keyboard, with no
// marker, checks the pass just scanned: a new verdict, shown and logged.
// A code on the keyboard is refused, not taken as a name.
func TestScannerKeyboardApart(t *testing.T) {
	f := newFixture(t)
	var shown []*Result
	s := f.open(t, func(c *Config) { c.OnResult = func(r *Result) { shown = append(shown, r) } })
	g := f.issue(t, "张三", pass.Green)
	if r, err := s.ScannerLine(g, "scanner"); err != nil || r.Verdict.Decision != verdict.Admit || r.Verdict.NameMatch != nil {
		t.Fatalf("pass: %+v %v", r, err)
	}
	for _, spoof := range []string{"=张三", "= 张三", "张三", "Zhang San", "=HF1:"} {
		var nc *NotCodeError
		if r, err := s.ScannerLine(spoof, "scanner"); !errors.As(err, &nc) || !nc.Scanner || r != nil {
			t.Fatalf("scanner %q: %+v %v", spoof, r, err)
		}
	}
	if n := len(f.records(t)); n != 1 || len(shown) != 1 {
		t.Fatalf("after the spoofs: %d records, %d shown; want 1, 1", n, len(shown))
	}
	var tc *TypedCodeError
	if r, err := s.KeyboardLine(g); !errors.As(err, &tc) || r != nil {
		t.Fatalf("a code on the keyboard: %+v %v", r, err)
	}
	f.clk.add(time.Second)
	r, err := s.KeyboardLine("张三")
	if err != nil || r == nil || r.Verdict.Decision != verdict.Admit || !*r.Verdict.NameMatch || r.Verdict.Scan.LogSeq != 2 || r.Name != "张三" {
		t.Fatalf("the guard's name: %+v %v", r, err)
	}
	if len(shown) != 2 || shown[1] != r {
		t.Fatalf("the name's verdict was not shown: %d shown", len(shown))
	}

	// A spoof scanned before a pass is not kept for it; a name typed with
	// the wedge mode's marker is still the name.
	f.clk.add(time.Second)
	if _, err := s.ScannerLine("=李四", "scanner"); err == nil {
		t.Fatal("=李四 from the scanner was taken")
	}
	if r, err := s.ScannerLine(f.issue(t, "李四", pass.Yellow), "scanner"); err != nil || r.Verdict.NameMatch != nil || r.Name != "" {
		t.Fatalf("the next pass took the scanned name: %+v %v", r, err)
	}
	f.clk.add(time.Second)
	if r, err := s.KeyboardLine("=王五"); err != nil || r == nil || r.Verdict.Decision != verdict.Deny || *r.Verdict.NameMatch || r.Name != "王五" {
		t.Fatalf("=王五 on the keyboard: %+v %v", r, err)
	}
	recs := f.records(t)
	if len(recs) != 4 || recs[1].Name != "match" || recs[2].Name != "" || recs[3].Name != "mismatch" {
		t.Errorf("records: %+v", recs)
	}
	var ne *NameError
	if _, err := s.KeyboardLine("="); !errors.As(err, &ne) {
		t.Errorf("an empty name: %v", err)
	}
}

// TestOpenScanner: a file of lines opens; a directory and a missing path
// do not.
func TestOpenScanner(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "codes")
	os.WriteFile(p, []byte("HF1:A\r\n=张三\n"), 0o600)
	sc, err := OpenScanner(p)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	lr := NewLineReader(sc)
	if a, err := lr.Next(); a != "HF1:A" || err != nil {
		t.Errorf("first line %q %v", a, err)
	}
	if b, err := lr.Next(); b != "=张三" || err != nil {
		t.Errorf("second line %q %v", b, err)
	}
	for _, bad := range []string{dir, filepath.Join(dir, "nosuch")} {
		if f, err := OpenScanner(bad); err == nil {
			f.Close()
			t.Errorf("%s opened", bad)
		}
	}
}
