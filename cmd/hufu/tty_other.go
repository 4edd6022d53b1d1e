//go:build !unix

package main

import "os"

// ttyWidth returns 0: the width comes from $COLUMNS.
func ttyWidth(f *os.File) int { return 0 }
