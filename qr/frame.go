package qr

import (
	"image"
	"time"
)

// frameTries is how many of Decode's attempts DecodeFrame makes: the
// picture as it is, and inverted (a light code on a dark phone screen).
const frameTries = 2

// DecodeFrame is Decode for one frame of a live camera: it makes only the
// two cheap first attempts and leaves the retries to the frames that
// follow, so that a frame with no code in it (the usual case at an empty
// desk) costs milliseconds, not the full DefaultBudget, and a code held up
// to the camera is read from the next frame without waiting for a retry
// to end. When the picture the attempts work on has up to 2.1 million
// pixels (a 1080p frame, or a 4K frame once shrunk to MaxWorkPixels) the
// two attempts are bounded by their number alone, not by DefaultBudget,
// so a busy machine reads the same codes as an idle one; larger working
// pictures (such as a 1440p frame, not shrunk) keep Decode's budget and
// hard deadline. Results and errors are as for Decode.
func DecodeFrame(img image.Image) ([]string, error) {
	return decodeTries(img, DefaultBudget, frameTries, time.Now().Add(MaxDecodeTime))
}
