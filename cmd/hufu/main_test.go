package main

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	quickRaceExit()
	testscript.Main(removeBuilt{m}, map[string]func(){
		"hufu": func() {
			os.Exit(run(&env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:]))
		},
	})
}

// quickRaceExit shortens the race detector's pause at exit for the hufu
// processes the tests start (testscript passes GORACE on to them). A
// program built with -race sleeps atexit_sleep_ms, 1 s by default, before
// it exits when other threads are running, in case one of them is about
// to find a race; the scripts run some 300 short hufu processes, one after
// another in each script, and spent most of their time in that sleep.
// Reports already under way are waited for whatever the option says (a
// race fails the command with exit status 66, and so the script). 10 ms
// is longer than any of these commands runs goroutines of its own after
// its work is done. A GORACE that already sets the option wins.
func quickRaceExit() {
	if g := os.Getenv("GORACE"); !strings.Contains(g, "atexit_sleep_ms") {
		os.Setenv("GORACE", strings.TrimSpace(g+" atexit_sleep_ms=10"))
	}
}

// hufuBinary returns the hufu command, built once per test run into a
// temporary directory (removed after the tests) with the flags the test
// binary was built with (-race, -tags), for the scripts and the crash
// test to run. Started as "hufu", the test binary itself runs the command
// too (testscript.Main), but it also initialises every package the tests
// import: under -race, 40 ms of JSON Schema set-up alone in each of some
// 300 processes.
func hufuBinary(t testing.TB) string { return built[0].get(t) }

// plainHufuBinary is hufuBinary without -race, for the registry's
// end-to-end tests: their servers apply feeds of 100 000 lines to SQLite,
// a pure-Go database that runs many times slower under the race detector
// (143 s instead of seconds). The registry's own tests run in-process
// under -race.
func plainHufuBinary(t testing.TB) string { return built[1].get(t) }

// built are the two hufu binaries, made on first use.
var built = [2]*builtBinary{{race: true}, {race: false}}

type builtBinary struct {
	race bool // with -race if the test binary has it
	once sync.Once
	path string
	err  error
}

var (
	builtMu   sync.Mutex
	builtDirs []string // removed by removeBuilt
)

func (b *builtBinary) get(t testing.TB) string {
	t.Helper()
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "hufu-test-")
		if err != nil {
			b.err = err
			return
		}
		builtMu.Lock()
		builtDirs = append(builtDirs, dir)
		builtMu.Unlock()
		b.path = filepath.Join(dir, "hufu")
		args := []string{"build", "-o", b.path}
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				switch {
				case s.Key == "-race" && s.Value == "true" && b.race:
					args = append(args, "-race")
				case s.Key == "-tags":
					args = append(args, "-tags", s.Value)
				}
			}
		}
		if out, err := exec.Command("go", append(args, ".")...).CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// removeBuilt runs the tests, then removes the hufu binary built for them.
type removeBuilt struct{ m *testing.M }

func (r removeBuilt) Run() int {
	defer func() {
		for _, d := range builtDirs {
			os.RemoveAll(d)
		}
	}()
	return r.m.Run()
}

// TestScripts runs testdata/script/*.txtar. Besides the standard commands
// they use:
//
//	status N cmd args…   run a command and check its exit status is N
//	mode FILE PERM       check a file's permission bits (octal)
//	blankpng FILE        write a PNG image with no QR code in it
//	hc1fixture           write EU DCC test files (see hc1Fixture)
func TestScripts(t *testing.T) {
	t.Parallel() // beside TestCrash and TestWebCamera, which wait on processes too
	bin := filepath.Dir(hufuBinary(t))
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", bin+string(filepath.ListSeparator)+env.Getenv("PATH"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) < 2 {
					ts.Fatalf("usage: status N cmd args…")
				}
				want, err := strconv.Atoi(args[0])
				if err != nil {
					ts.Fatalf("status: %v", err)
				}
				err = ts.Exec(args[1], args[2:]...)
				got := 0
				if err != nil {
					if _, e := fmt.Sscanf(err.Error(), "exit status %d", &got); e != nil {
						ts.Fatalf("status: %v", err)
					}
				}
				if got != want {
					ts.Fatalf("exit status %d, want %d", got, want)
				}
			},
			"blankpng": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: blankpng FILE")
				}
				img := image.NewGray(image.Rect(0, 0, 200, 120))
				for i := range img.Pix {
					img.Pix[i] = 0xf0
				}
				f, err := os.Create(ts.MkAbs(args[0]))
				if err != nil {
					ts.Fatalf("%v", err)
				}
				defer f.Close()
				if err := png.Encode(f, img); err != nil {
					ts.Fatalf("%v", err)
				}
			},
			"hc1fixture": func(ts *testscript.TestScript, neg bool, args []string) {
				if err := hc1Fixture(ts.MkAbs(".")); err != nil {
					ts.Fatalf("hc1fixture: %v", err)
				}
			},
			"mode": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: mode FILE PERM")
				}
				st, err := os.Stat(ts.MkAbs(args[0]))
				if err != nil {
					ts.Fatalf("mode: %v", err)
				}
				want, _ := strconv.ParseUint(args[1], 8, 32)
				if uint64(st.Mode().Perm()) != want {
					ts.Fatalf("%s has mode %04o, want %s", args[0], st.Mode().Perm(), args[1])
				}
			},
		},
	})
}

type hinted struct {
	hint string
	err  error
}

func (h *hinted) Error() string { return "hinted" }
func (h *hinted) Hint() string  { return h.hint }
func (h *hinted) Unwrap() error { return h.err }

// TestHintOf: the first non-empty hint in the chain, through an error
// whose own hint is empty and through joined errors.
func TestHintOf(t *testing.T) {
	deep := &hinted{hint: "pin the root"}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("plain"), ""},
		{deep, "pin the root"},
		{fmt.Errorf("open: %w", deep), "pin the root"},
		{&hinted{err: deep}, "pin the root"},
		{&hinted{hint: "outer", err: deep}, "outer"},
		{errors.Join(errors.New("a"), &hinted{}, fmt.Errorf("b: %w", deep)), "pin the root"},
	} {
		if got := hintOf(tc.err); got != tc.want {
			t.Errorf("hintOf(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
