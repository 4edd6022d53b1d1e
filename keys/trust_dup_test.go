package keys

import (
	"strings"
	"testing"
)

func TestTrustRejectsSameKeyUnderAnotherKID(t *testing.T) {
	tf, ks := testTrust(t)
	again := *ks[0]
	again.KID = []byte{1, 2, 3, 4, 5, 6, 7, 8}
	if err := tf.Add(&again); err == nil {
		t.Fatal("the same public key under a second kid was accepted")
	}
}

func TestTrustRejectsNonCanonicalBase64(t *testing.T) {
	tf, _ := testTrust(t)
	b, err := tf.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseTrust(b); err != nil {
		t.Fatalf("canonical file: %v", err)
	}
	// Break the first public key's Base64 with an escaped line break.
	s := string(b)
	i := strings.Index(s, `"public_key": "`) + len(`"public_key": "`) + 10
	if _, err := ParseTrust([]byte(s[:i] + `\n` + s[i:])); err == nil {
		t.Fatal("public_key with a line break was accepted")
	}
}
