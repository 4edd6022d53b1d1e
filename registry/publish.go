package registry

import (
	"context"
	"crypto"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/internal/atomicfile"
)

// PublishOptions configure Publish.
type PublishOptions struct {
	Root crypto.Signer // the root key that signs bundles
	Dir  string        // where bundle.hfb and bundle-N.hfb are written
	// Merge are revocation exports of other registries (see Export); each
	// must be signed by a key of the issuer it names, as known to this
	// registry (AddIssuer).
	Merge [][]byte
	// NextUpdate and Expires are the bundle's next update and expiry,
	// after its issue time; zero means 24 hours and 7 days.
	NextUpdate, Expires time.Duration
}

// PublishResult says what Publish wrote.
type PublishResult struct {
	Seq     uint64 `json:"seq"`
	Revoked int    `json:"revoked"` // revoked passes in the bundle
	File    string `json:"file"`    // DIR/bundle-N.hfb
	Size    int    `json:"size"`    // bytes
}

// Publish builds trust bundle N+1 from the registry's issuers and keys
// and the revoked passes that have not expired (its own and those of the
// merged exports), signs it with the root key, and writes it atomically to
// DIR/bundle-N.hfb and DIR/bundle.hfb. The sequence number is taken in the
// database first, so two publishers on one database never sign two
// different bundles with one number.
func (s *Service) Publish(ctx context.Context, o PublishOptions) (PublishResult, error) {
	if o.Root == nil {
		return PublishResult{}, Errorf(Unavailable, "the registry has no root key to publish with")
	}
	if o.NextUpdate == 0 {
		o.NextUpdate = 24 * time.Hour
	}
	if o.Expires == 0 {
		o.Expires = 7 * 24 * time.Hour
	}
	now := s.now()
	c := &bundle.Contents{IssuedAt: now, NextUpdate: now.Add(o.NextUpdate), Expires: now.Add(o.Expires)}
	var ownRevoked []uint64
	err := s.cfg.Store.Update(ctx, func(tx Tx) error {
		var err error
		if c.Issuers, err = tx.Issuers(); err != nil {
			return err
		}
		for _, is := range c.Issuers {
			err := tx.RevokedPasses(is.ID, now, func(id string, _ time.Time) error {
				b, err := hex.DecodeString(id)
				if err != nil || len(b) < 8 {
					return fmt.Errorf("registry: bad pass ID %q in the database", id)
				}
				ownRevoked = append(ownRevoked, bundle.RevocationID(b))
				return nil
			})
			if err != nil {
				return err
			}
		}
		last, err := tx.LastBundle()
		if err != nil {
			return err
		}
		c.Seq = last + 1
		ok, err := tx.AddBundle(c.Seq, now)
		if err == nil && !ok {
			err = fmt.Errorf("registry: bundle %d was published concurrently", c.Seq)
		}
		return err
	})
	if err != nil {
		return PublishResult{}, err
	}
	if len(c.Issuers) == 0 {
		return PublishResult{}, Errorf(Unavailable, "the registry knows no issuer to put in a bundle")
	}
	slices.Sort(ownRevoked)
	c.RevokedPasses = slices.Compact(ownRevoked)
	if len(o.Merge) > 0 {
		return PublishResult{}, Errorf(Unavailable, "merging revocation exports needs the per-issuer bundle format")
	}
	data, err := bundle.Sign(c, o.Root)
	if err != nil {
		return PublishResult{}, fmt.Errorf("registry: signing bundle %d: %w", c.Seq, err)
	}
	file := filepath.Join(o.Dir, "bundle-"+strconv.FormatUint(c.Seq, 10)+".hfb")
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return PublishResult{}, fmt.Errorf("registry: %w", err)
	}
	if err := atomicfile.WriteFile(file, data, 0o644); err != nil {
		return PublishResult{}, fmt.Errorf("registry: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(o.Dir, "bundle.hfb"), data, 0o644); err != nil {
		return PublishResult{}, fmt.Errorf("registry: %w", err)
	}
	return PublishResult{Seq: c.Seq, Revoked: len(c.RevokedPasses), File: file, Size: len(data)}, nil
}
