package main

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"hufu": func() {
			os.Exit(run(&env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:]))
		},
	})
}

// TestScripts runs testdata/script/*.txtar. Besides the standard commands
// they use:
//
//	status N cmd args…   run a command and check its exit status is N
//	mode FILE PERM       check a file's permission bits (octal)
//	blankpng FILE        write a PNG image with no QR code in it
//	hc1fixture           write EU DCC test files (see hc1Fixture)
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
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
