package source

import (
	"crypto"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/internal/atomicfile"
	"github.com/hufu-project/hufu/internal/humantime"
	"github.com/hufu-project/hufu/keys"
)

// The codes SignFile refuses a key with.
const (
	IssuerKey  Code = "issuer_key"   // the key signs passes for an issuer of the source
	NotRootKey Code = "not_root_key" // the key file is not marked as a bundle root key
)

// SignRequest is what SignFile signs: the source at Source with the root
// key Key (whose file, named KeyName in messages, "the key" if empty, is
// marked as a root key if RootMarked; an unmarked key is refused unless
// Force), sequence number Seq (0 for the source's last one plus 1),
// issued at IssuedAt, with NextUpdate and Expires after it. The bundle is
// written to Out ("-" for Stdout) with atomicfile.WriteOutput.
type SignRequest struct {
	Source, Out         string
	Key                 crypto.Signer
	KeyName             string
	RootMarked, Force   bool
	Seq                 uint64
	IssuedAt            time.Time
	NextUpdate, Expires time.Duration
	Stdout              io.Writer
}

// Signed is what SignFile did.
type Signed struct {
	Data          []byte           // the bundle file
	Contents      *bundle.Contents // its contents
	RevokedPasses int              // passes revoked in it
	Unmarked      bool             // the key file was not marked as a root key (signed with Force)
	LastSeq       uint64           // the source's sequence number before signing
	SeqNotAbove   bool             // Seq was given but not above LastSeq: verifiers holding that bundle refuse this one
	req           SignRequest
}

// Summary says what was signed, for people, in two lines: "wrote OUT: seq
// N, 2 issuers, 1 revoked pass, 0 revoked keys, 3 KiB (root KID)", then
// the issue, next update and expiry times.
func (r *Signed) Summary() []string {
	c := r.Contents
	kid, _ := keys.KID(r.req.Key.Public())
	return []string{
		fmt.Sprintf("wrote %s: seq %d, %s, %s, %s, %s (root %x)", r.req.Out, c.Seq, humantime.Plural(len(c.Issuers), "issuer"),
			humantime.Plural(r.RevokedPasses, "revoked pass"), humantime.Plural(len(c.RevokedKeys), "revoked key"), sizeText(len(r.Data)), kid),
		fmt.Sprintf("issued %s, next update %s, expires %s", c.IssuedAt.Format(time.RFC3339),
			c.NextUpdate.Format(time.RFC3339), c.Expires.Format(time.RFC3339)),
	}
}

// Warnings says, for people, what was signed although it may be a
// mistake: with an unmarked key (Unmarked), or a sequence number not
// above the last one (SeqNotAbove).
func (r *Signed) Warnings() []string {
	var w []string
	if r.Unmarked {
		w = append(w, fmt.Sprintf("%s is not marked as a bundle root key; signing anyway (-f)", r.req.KeyName))
	}
	if r.SeqNotAbove {
		w = append(w, fmt.Sprintf("-seq %d is not above the last sequence number signed from %s (%d): verifiers that installed that one will refuse this bundle",
			r.req.Seq, r.req.Source, r.LastSeq))
	}
	return w
}

// sizeText is a size in bytes for people: "900 bytes", "3 KiB", "2 MiB"
// (rounded to the nearest).
func sizeText(n int) string {
	switch {
	case n < 1<<10:
		return strconv.Itoa(n) + " bytes"
	case n < 1<<20:
		return strconv.Itoa((n+1<<9)>>10) + " KiB"
	}
	return strconv.Itoa((n+1<<19)>>20) + " MiB"
}

// SignFile reads the source, checks the key, signs the next bundle,
// writes it, and writes the source back with its new sequence number. A
// key of one of the source's issuers is an IssuerKey error ("KEYNAME is
// the key of issuer 310000 in SOURCE, not a root key"), an unmarked key
// without Force a NotRootKey error, each with a hint; a source that
// cannot be read is returned as Read returns it. Signed is non-nil once
// the key has been accepted, also with a later error.
func SignFile(r SignRequest) (*Signed, error) {
	s, err := Read(r.Source)
	if err != nil {
		return nil, err
	}
	if r.KeyName == "" {
		r.KeyName = "the key"
	}
	if ids := s.KeyIssuers(r.Key.Public()); len(ids) > 0 {
		return nil, fail(IssuerKey, nil, "%s is the key of issuer %s in %s, not a root key", r.KeyName, strings.Join(ids, ", "), r.Source).
			hinted("sign bundles with a root key (hufu keygen -root)")
	}
	if !r.RootMarked && !r.Force {
		return nil, fail(NotRootKey, nil, "%s is not marked as a bundle root key", r.KeyName).
			hinted("make root keys with \"hufu keygen -root\"; give -f to sign with this one anyway")
	}
	res := &Signed{Unmarked: !r.RootMarked, LastSeq: s.Seq, SeqNotAbove: r.Seq != 0 && r.Seq <= s.Seq, req: r}
	res.Data, res.Contents, err = s.Sign(r.Key, r.Seq, r.IssuedAt, r.NextUpdate, r.Expires)
	if err == nil {
		err = atomicfile.WriteOutput(r.Out, res.Data, 0o644, true, r.Stdout)
	}
	if err == nil {
		err = s.Write(r.Source)
	}
	res.RevokedPasses = s.RevokedPasses()
	return res, err
}
