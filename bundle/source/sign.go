package source

import (
	"crypto"
	"io"
	"strings"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/internal/atomicfile"
)

// The codes SignFile refuses a key with.
const (
	IssuerKey  Code = "issuer_key"   // the key signs passes for an issuer of the source
	NotRootKey Code = "not_root_key" // the key file is not marked as a bundle root key
)

// SignRequest is what SignFile signs: the source at Source with the root
// key Key (whose file is marked as a root key if RootMarked; an unmarked
// key is refused unless Force), sequence number Seq (0 for the source's
// last one plus 1), issued at IssuedAt, with NextUpdate and Expires after
// it. The bundle is written to Out ("-" for Stdout) with
// atomicfile.WriteOutput.
type SignRequest struct {
	Source, Out         string
	Key                 crypto.Signer
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
}

// SignFile reads the source, checks the key, signs the next bundle,
// writes it, and writes the source back with its new sequence number. A
// key of one of the source's issuers is an IssuerKey error (its detail
// lists the issuers), an unmarked key without Force a NotRootKey error; a
// source that cannot be read is returned as Read returns it. Signed is
// non-nil once the key has been accepted, also with a later error.
func SignFile(r SignRequest) (*Signed, error) {
	s, err := Read(r.Source)
	if err != nil {
		return nil, err
	}
	if ids := s.KeyIssuers(r.Key.Public()); len(ids) > 0 {
		return nil, fail(IssuerKey, nil, "%s", strings.Join(ids, ", "))
	}
	if !r.RootMarked && !r.Force {
		return nil, fail(NotRootKey, nil, "")
	}
	res := &Signed{Unmarked: !r.RootMarked, LastSeq: s.Seq, SeqNotAbove: r.Seq != 0 && r.Seq <= s.Seq}
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
