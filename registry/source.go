package registry

import (
	"context"
	"fmt"

	"github.com/hufu-project/hufu/bundle/source"
	"github.com/hufu-project/hufu/pass"
)

// SourceOptions configure Source.
type SourceOptions struct {
	// Merge are revocation exports of other registries, checked and
	// merged as PublishOptions.Merge.
	Merge [][]byte
}

// sourceMaxSize is the largest source Source returns: source.MaxSize,
// lowered by tests.
var sourceMaxSize int64 = source.MaxSize

// SourceTooLargeError is the underlying error of Source's *Error with
// Code TooLarge: the source would not fit in source.MaxSize bytes, so
// "hufu bundle sign" could not read it.
type SourceTooLargeError struct {
	Size    int64 // bytes the source would take
	Max     int64 // the limit
	Revoked int   // revoked passes it would list
}

func (e *SourceTooLargeError) Error() string {
	return fmt.Sprintf("a bundle source with %d revoked passes would be %d bytes, over the %d a source may be", e.Revoked, e.Size, e.Max)
}

// Hint says what the office can do. Publishing online does not help: a
// source this large lists more revocations than a bundle can carry (128
// MiB, about 25 million), so hufu registry publish would fail too.
func (e *SourceTooLargeError) Hint() string {
	return "no bundle can carry so many revocations (about 25 million); they drop out as their passes expire: issue passes with a shorter -validity (hufu registry serve)"
}

// Source returns what Publish would sign now, as a bundle source
// (package bundle/source) for an office whose root key is kept offline:
// the source is carried to the machine that holds the root and signed
// there with "hufu bundle sign -key ROOT.key -in SRC.json -o bundle.hfb"
// (or source.Source.Sign). It lists every issuer the registry knows, with
// its names, longest lifetime, colours and keys with their windows, and
// under each the revoked passes that have not expired, the registry's
// own and those of the merged exports (checked as Publish checks them:
// each export's sequence number is recorded, so an older one is refused
// afterwards). Signed, it gives the bundle Publish would give at the same
// time, but for its sequence number, times and signature; it has no
// labels, as Publish's bundles have none. The source is built with the
// source's own methods, so their checks apply.
//
// The sequence number: Source takes the registry's next bundle number N,
// as Publish does, and records it as taken, in the same transaction; the
// source's Seq is N−1, the "last signed", so that "bundle sign" without
// -seq signs bundle N. A later Publish or Source takes N+1 or above, so
// the registry never gives one number to two bundles. Sign each source
// once: "bundle sign" writes N back into the source, and a second bundle
// from the same file would take N+1, which the registry may have given to
// another bundle; write a new source instead. A bundle signed from an
// older source after a newer one is installed is refused (rollback), so
// an office publishes either online or offline at a time.
//
// A source lists a revoked pass in about 28 bytes: 1 000 000 revoked
// passes of 8-byte IDs take 28 000 355 bytes, with one issuer (measured
// with source.RevokePasses and Marshal; bundle/source's
// TestBytesPerRevokedPass checks it), so source.MaxSize (1 GiB) holds about
// 38 million, more than a bundle (128 MiB, about 5.3 bytes a revocation)
// can carry. A larger source is an *Error with Code TooLarge wrapping a
// *SourceTooLargeError, and then nothing is recorded.
func (s *Service) Source(ctx context.Context, o SourceOptions) (*source.Source, error) {
	now := s.now()
	var src *source.Source
	err := s.cfg.Store.Update(ctx, func(tx Tx) error {
		own := map[string][]pass.ID{}
		c, exports, err := nextBundle(tx, now, o.Merge, func(iss string, id pass.ID) { own[iss] = append(own[iss], id) })
		if err != nil {
			return err
		}
		src = source.New()
		src.Labels = map[string]source.Label{}
		src.Seq = c.Seq - 1
		for _, is := range c.Issuers {
			if err := src.AddIssuer(is.ID, is.Name, is.MaxLifetime, is.Colours); err != nil {
				return fmt.Errorf("registry: issuer %s in the database: %w", is.ID, err)
			}
			for _, k := range is.Keys {
				if _, err := src.AddKey(is.ID, k.Public, k.ValidFrom, k.ValidUntil); err != nil {
					return fmt.Errorf("registry: issuer %s in the database: %w", is.ID, err)
				}
			}
			if _, err := src.RevokePasses(is.ID, own[is.ID]); err != nil {
				return fmt.Errorf("registry: issuer %s in the database: %w", is.ID, err)
			}
		}
		// The passes MergeRevocations merged into c: those of each
		// export that expire after now.
		for i, r := range exports {
			var ids []pass.ID
			for _, p := range r.Passes {
				if p.ExpiresAt.After(now) {
					ids = append(ids, p.ID)
				}
			}
			if _, err := src.RevokePasses(r.Issuer, ids); err != nil {
				return &Error{Code: InvalidField, Detail: fmt.Sprintf("revocation export %d", i+1), Err: err}
			}
		}
		if _, err := src.Contents(); err != nil {
			return fmt.Errorf("registry: the bundle source: %w", err)
		}
		data, err := src.Marshal()
		if err != nil {
			return fmt.Errorf("registry: the bundle source: %w", err)
		}
		if int64(len(data)) > sourceMaxSize {
			return &Error{Code: TooLarge, Err: &SourceTooLargeError{Size: int64(len(data)), Max: sourceMaxSize, Revoked: src.RevokedPasses()}}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return src, nil
}
