//go:build unix

package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// ttyWidth returns the width of the terminal f, or 0 if it is not one.
func ttyWidth(f *os.File) int {
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0
	}
	return int(ws.Col)
}

// inBackground reports whether f is a terminal whose foreground process
// group is not ours: reading it would stop the process (SIGTTIN), as with
// "hufu scan -web &".
func inBackground(f *os.File) bool {
	pgrp, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCGPGRP)
	return err == nil && pgrp != unix.Getpgrp()
}
