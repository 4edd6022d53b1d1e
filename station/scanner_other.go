//go:build !linux

package station

import "os"

// openScanner opens path read-only; the device is set up by the user.
func openScanner(path string) (*os.File, error) { return os.Open(path) }
