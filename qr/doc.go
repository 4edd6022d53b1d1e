// Package qr renders hufu passes as QR codes and reads QR codes back from
// images.
//
// It is the only package of hufu that imports QR libraries
// (github.com/skip2/go-qrcode to encode, github.com/makiuchi-d/gozxing to
// decode). It knows nothing about passes: it turns text into pictures and
// pictures into text, and leaves checking the text to the verifier.
//
// # Rendering
//
// [Matrix], [PNG] and [SVG] encode a text at an error correction [Level]
// (M when zero). Every module is a whole number of pixels and the quiet zone
// is 4 modules. An uppercase Base45 pass stays in the QR alphanumeric mode, so
// a 259-character text fits version 9 at level M. Each rendering is decoded
// again before it is returned; a mismatch is an error, so a broken picture
// never leaves the package.
//
// # Reading
//
// [Decode] returns every QR text found in an image, [DecodeBytes] does the
// same for PNG, JPEG or GIF data, recognised by content. Grey, YCbCr (JPEG,
// camera frames), RGBA and NRGBA images are read straight from their pixel
// slices. When the first attempt fails, Decode tries other binarizers, an
// inverted picture (light code on a dark screen), smaller and sharpened
// copies, and stops at the first success or when its time budget
// ([DefaultBudget]) is spent.
//
// Errors: [ErrNotFound] when no QR code is seen, [ErrUnreadable] when one is
// seen but cannot be read, [ErrImage] for data that is not a supported image
// or too large ([MaxPixels]), and [ErrRender] when a text cannot be encoded.
package qr
