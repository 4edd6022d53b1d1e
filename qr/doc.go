// Package qr renders hufu passes as QR codes and reads QR codes back from
// images.
//
// It is the only package of hufu that imports QR libraries
// (github.com/makiuchi-d/gozxing, github.com/skip2/go-qrcode). It knows
// nothing about passes: it turns text into pictures and pictures into text,
// and leaves checking the text to the verifier.
//
// # Rendering
//
// [Matrix], [PNG] and [SVG] encode a text at an error correction [Level]
// (M when zero). Every module is a whole number of pixels and the quiet zone
// is 4 modules. Text in the QR alphanumeric alphabet, which uppercase Base45
// passes are, is encoded by this package in alphanumeric mode, in the
// smallest version that holds it (a 259-character text is version 9 at
// level M); other text goes through skip2. Each rendering is decoded again
// with gozxing before it is returned, a PNG from its own pixel rows; a
// mismatch is an [ErrRender], so a broken picture never leaves the package.
//
// # Reading
//
// [Decode] returns every QR text found in an image, each once; [DecodeBytes]
// does the same for PNG, JPEG or GIF data, recognised by content and refused
// from its header, before decoding, above [MaxPixels] or when decoding it
// would take more than [MaxDecodeBytes] of memory. Grey, YCbCr (JPEG, camera frames), RGBA,
// NRGBA and paletted images are read from their pixel slices, never pixel
// by pixel through At.
//
// Decode binarizes the luminance, finds finder patterns with gozxing, and
// then does its own geometry: it tries the neighbouring symbol sizes, fits
// the perspective to every alignment pattern it finds, and samples the
// modules both from the binarized picture and from the grey picture against
// a local mean, before gozxing's decoder corrects errors. When a picture
// yields nothing it retries, in order: an inverted picture (light code on a
// dark screen), a small-window binarizer (low contrast, 2-pixel modules),
// gozxing's try-harder scan, a global-histogram binarizer (faded prints),
// the picture stretched along four directions (strong perspective), a
// two-times enlargement and a sharpened copy. Photos of 5 megapixels or
// more are first read at half size; pictures above [MaxWorkPixels] are
// shrunk to it as their luminance is extracted. It stops at the first
// attempt that reads something, or when an attempt ends after
// [DefaultBudget]; on pictures above 2.1 megapixels every attempt stops
// at [MaxDecodeTime], and DecodeBytes refuses an image whose decoding
// alone takes a second.
// [DecodeFrame], for live camera frames, makes only the first two attempts
// (as it is, inverted): the next frame is the next chance.
//
// Errors wrap one of [ErrNotFound] (no QR code seen), [ErrUnreadable] (a
// code seen but not read), [ErrImage] (not a supported image, or too large)
// and [ErrRender]; test them with errors.Is.
package qr
