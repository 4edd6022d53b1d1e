// Package filekind tells what a file holds, by its content, so that an
// error can say "g.txt is a pass, not a trust bundle" instead of quoting a
// decoder.
package filekind

import (
	"bytes"

	"github.com/hufu-project/hufu/bundle"
)

// Kind is what a file holds, as a noun phrase for messages.
type Kind string

const (
	Unknown    Kind = ""
	Empty      Kind = "empty"
	Pass       Kind = "a pass"
	DCC        Kind = "an EU DCC"
	Bundle     Kind = "a trust bundle"
	PublicKey  Kind = "a public key"
	PrivateKey Kind = "a private key"
	Cert       Kind = "a certificate"
	TrustFile  Kind = "a trust file"
	Source     Kind = "a bundle source"
	Image      Kind = "an image"
)

// IsImage reports whether data starts like a PNG, JPEG or GIF file.
func IsImage(data []byte) bool {
	return bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) ||
		bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}) ||
		bytes.HasPrefix(data, []byte("GIF87a")) || bytes.HasPrefix(data, []byte("GIF89a"))
}

// Of returns the kind of data: by its first bytes, its PEM type or its
// JSON version key, and for a trust bundle by decoding it (without its
// signature).
func Of(data []byte) Kind {
	t := bytes.TrimSpace(data)
	switch {
	case len(t) == 0:
		return Empty
	case bytes.HasPrefix(t, []byte("HF1:")):
		return Pass
	case bytes.HasPrefix(t, []byte("HC1:")):
		return DCC
	case IsImage(data):
		return Image
	case bytes.Contains(t, []byte("-----BEGIN PUBLIC KEY-----")):
		return PublicKey
	case bytes.Contains(t, []byte("PRIVATE KEY-----")):
		return PrivateKey
	case bytes.Contains(t, []byte("-----BEGIN CERTIFICATE-----")):
		return Cert
	case t[0] == '{' && bytes.Contains(t, []byte(`"hufu_trust"`)):
		return TrustFile
	case t[0] == '{' && bytes.Contains(t, []byte(`"hufu_bundle_source"`)):
		return Source
	}
	if _, err := bundle.InspectUnverified(data); err == nil {
		return Bundle
	}
	return Unknown
}

// Mismatch says that the file at path, holding data, is another kind than
// want: "PATH is KIND, not WANT". It is "" if data is of the kind wanted
// (it may still be malformed) or of no kind hufu knows.
func Mismatch(path string, data []byte, want Kind) string {
	kind := Of(data)
	if kind == Unknown || kind == want {
		return ""
	}
	return path + " is " + string(kind) + ", not " + string(want)
}
