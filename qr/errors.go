package qr

import "errors"

// Errors returned by this package. Each error returned wraps exactly one of
// them; test with errors.Is.
var (
	// ErrNotFound means no QR code was seen in the image.
	ErrNotFound = errors.New("qr: no qr code found")
	// ErrUnreadable means a QR code was seen but could not be read: too
	// damaged, blurred or distorted, or its error correction failed.
	ErrUnreadable = errors.New("qr: qr code found but unreadable")
	// ErrImage means the data is not a PNG, JPEG or GIF image this package
	// can read, or the image is larger than MaxPixels.
	ErrImage = errors.New("qr: unsupported image")
	// ErrRender means the text could not be encoded, or its rendering did
	// not decode back to the same text.
	ErrRender = errors.New("qr: cannot render")
)
