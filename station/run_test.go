package station

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/verdict"
)

// TestRunWedge: without a scanner, standard input is a keyboard wedge
// (Run notifies that a QR code can type a name there); Run returns nil
// when it ends, and the station is stopped.
func TestRunWedge(t *testing.T) {
	f := newFixture(t)
	var results []*Result
	var notices []string
	s := f.open(t, func(c *Config) {
		c.OnResult = func(r *Result) { results = append(results, r) }
		c.Notify = func(m string) { notices = append(notices, m) }
	})
	in := "=张三\n" + f.issue(t, "张三", pass.Green) + "\n"
	if err := Run(t.Context(), s, Inputs{Stdin: strings.NewReader(in)}); err != nil {
		t.Fatal(err)
	}
	if len(notices) != 1 || !strings.HasPrefix(notices[0], "scanner and keyboard share standard input") {
		t.Errorf("notices %q, want the keyboard wedge notice", notices)
	}
	if len(results) != 1 || results[0].Verdict.Decision != verdict.Admit || results[0].Verdict.NameMatch == nil || !*results[0].Verdict.NameMatch {
		t.Fatalf("results %+v", results)
	}
	if _, err := s.Line(f.issue(t, "x", pass.Green), "scanner"); !errors.Is(err, ErrStopped) {
		t.Errorf("after Run: %v, want ErrStopped", err)
	}
}

// TestRunScanner: with a scanner, codes come from it and names from the
// keyboard; a name on the scanner is refused; the end of the scanner's
// input is reported and ends Run.
func TestRunScanner(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	var results []*Result
	var notices []string
	s := f.open(t, func(c *Config) {
		c.OnResult = func(r *Result) { mu.Lock(); results = append(results, r); mu.Unlock() }
		c.Notify = func(m string) { mu.Lock(); notices = append(notices, m); mu.Unlock() }
	})
	dev := filepath.Join(t.TempDir(), "scanner")
	if err := os.WriteFile(dev, []byte("=李四\n"+f.issue(t, "张三", pass.Green)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var notes []string
	err := Run(t.Context(), s, Inputs{Scanner: dev, Stdin: strings.NewReader(""),
		Note: func(m string) { mu.Lock(); notes = append(notes, m); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"the scanner " + dev + " has ended"}; !slices.Equal(notices, want) {
		t.Errorf("notices %q, want %q (and no keyboard wedge notice)", notices, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(results) != 1 || results[0].Verdict.NameMatch != nil || results[0].Name != "" {
		t.Fatalf("results %+v: the scanned name was taken", results)
	}
	if len(notes) == 0 {
		t.Error("no note for the name on the scanner")
	}
	if n := len(f.records(t)); n != 1 {
		t.Errorf("%d records, want 1", n)
	}
}

// TestRunBackground: with background inputs Run lasts until ctx ends even
// after standard input ends; a background error stops the station and is
// returned.
func TestRunBackground(t *testing.T) {
	f := newFixture(t)
	s := f.open(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	stopped := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, s, Inputs{Stdin: strings.NewReader(""), Background: []func(context.Context) error{
			func(ctx context.Context) error { <-ctx.Done(); close(stopped); return nil },
		}})
	}()
	select {
	case err := <-done:
		t.Fatalf("Run returned %v before ctx ended", err)
	case <-time.After(100 * time.Millisecond):
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	select {
	case <-stopped:
	default:
		t.Error("Run returned before its background input did")
	}

	s2 := newFixture(t).open(t, nil)
	boom := errors.New("boom")
	err := Run(t.Context(), s2, Inputs{Background: []func(context.Context) error{
		func(context.Context) error { return boom },
	}})
	if !errors.Is(err, boom) {
		t.Errorf("a background error: Run = %v, want boom", err)
	}
}

// TestRunBadScanner: a scanner that cannot be opened stops Run with its
// error.
func TestRunBadScanner(t *testing.T) {
	s := newFixture(t).open(t, nil)
	if err := Run(t.Context(), s, Inputs{Scanner: filepath.Join(t.TempDir(), "missing")}); err == nil {
		t.Error("Run with a missing scanner returned nil")
	}
}
