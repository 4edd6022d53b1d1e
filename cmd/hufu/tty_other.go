//go:build !unix

package main

import "os"

// ttyWidth returns 0: the width comes from $COLUMNS.
func ttyWidth(f *os.File) int { return 0 }

// inBackground reports false: there is no job control to ask.
func inBackground(f *os.File) bool { return false }
