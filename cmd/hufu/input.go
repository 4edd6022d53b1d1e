package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/hufu-project/hufu/input"
)

// readScans reads the codes in path (input.Read), or on standard input
// for "-": at a terminal, one line ended by Enter.
func readScans(e *env, path string) ([]input.Code, error) {
	if path != "-" {
		return input.Read(path)
	}
	var b []byte
	var err error
	if f, ok := e.stdin.(*os.File); ok && isTerminal(f) {
		// A guard at a terminal: one line, ended by Enter.
		fmt.Fprintln(e.stderr, "hufu: paste or scan a code, then Enter")
		b, err = bufio.NewReader(io.LimitReader(f, input.MaxText+1)).ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			err = nil
		}
	} else {
		b, err = io.ReadAll(io.LimitReader(e.stdin, input.MaxFile+1))
	}
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errors.New("no code given: paste or scan a code, then Enter (or give a file)")
	}
	return input.Codes("", b), nil
}

// worst combines exit statuses of several verdicts: the most serious wins,
// in the order error, invalid, undecided, deny, observe, valid EU DCC,
// admit.
func worst(a, b int) int {
	rank := map[int]int{exitOK: 0, exitValid: 1, exitObserve: 2, exitDeny: 3, exitUndecid: 4, exitInvalid: 5, exitUsage: 6}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// wrongKind is input.WrongKind.
func wrongKind(path, want, hint string) string { return input.WrongKind(path, want, hint) }
