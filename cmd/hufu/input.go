package main

import (
	"fmt"

	"github.com/hufu-project/hufu/input"
)

// readScans reads the codes in path (input.Read), or on standard input
// for "-" (input.ReadStream: at a terminal, one line ended by Enter).
func readScans(e *env, path string) ([]input.Code, error) {
	if path != "-" {
		return input.Read(path)
	}
	return input.ReadStream(e.stdin, func() { fmt.Fprintln(e.stderr, "hufu: paste or scan a code, then Enter") })
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

// wrongKind is input.WrongKind.
func wrongKind(path, want, hint string) string { return input.WrongKind(path, want, hint) }
