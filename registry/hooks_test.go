package registry

// SetSourceMaxSize lowers the largest source Source returns, for a test
// of SourceTooLargeError without millions of passes; it returns a
// function that restores it.
func SetSourceMaxSize(n int64) (restore func()) {
	old := sourceMaxSize
	sourceMaxSize = n
	return func() { sourceMaxSize = old }
}
