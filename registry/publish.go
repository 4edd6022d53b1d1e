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
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
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
// database first, so two publishers on one database (or a publisher and
// Source) never sign two different bundles with one number.
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
	var c *bundle.Contents
	err := s.cfg.Store.Update(ctx, func(tx Tx) error {
		var err error
		c, _, err = nextBundle(tx, now, o.Merge, nil)
		return err
	})
	if err != nil {
		return PublishResult{}, err
	}
	c.IssuedAt, c.NextUpdate, c.Expires = now, now.Add(o.NextUpdate), now.Add(o.Expires)
	revoked := 0
	for _, is := range c.Issuers {
		revoked += len(is.RevokedPasses)
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
	if err := linkOrWrite(file, filepath.Join(o.Dir, "bundle.hfb"), data); err != nil {
		return PublishResult{}, fmt.Errorf("registry: %w", err)
	}
	return PublishResult{Seq: c.Seq, Revoked: revoked, File: file, Size: len(data)}, nil
}

// nextBundle reads, in tx, what the registry's next bundle lists at now,
// and takes its sequence number: it returns the contents, without times
// or labels, with every issuer the registry knows, its keys and its
// revoked passes that have not expired (the registry's own, and those of
// the exports in merge, opened against every known issuer key and merged
// with Contents.MergeRevocations), and Seq the next bundle number
// (takeBundleSeq), recorded in tx as taken; and the opened exports.
// Each export's sequence number is recorded per issuer, and one lower
// than that recorded before is refused. own, if not nil, is called with
// each of the registry's own revoked passes (its full ID) as it is read.
func nextBundle(tx Tx, now time.Time, merge [][]byte, own func(iss string, id pass.ID)) (*bundle.Contents, []*bundle.Revocations, error) {
	c := &bundle.Contents{}
	var err error
	// The number first, so that publishers take their turns.
	if c.Seq, err = takeBundleSeq(tx); err != nil {
		return nil, nil, err
	}
	if c.Issuers, err = tx.Issuers(); err != nil {
		return nil, nil, err
	}
	if len(c.Issuers) == 0 {
		return nil, nil, Errorf(Unavailable, "the registry knows no issuer to put in a bundle")
	}
	// Each export must be signed by a key of the issuer it names:
	// OpenRevocations checks the signature against every known issuer
	// key, MergeRevocations that the key is listed under that issuer.
	all := issuerKeys(c.Issuers)
	var exports []*bundle.Revocations
	for i, data := range merge {
		r, err := openExport(tx, i, data, all)
		if err != nil {
			return nil, nil, err
		}
		if err := tx.SetMeta(mergedSeqKey(r.Issuer), strconv.FormatUint(r.Seq, 10)); err != nil {
			return nil, nil, err
		}
		exports = append(exports, r)
	}
	for i := range c.Issuers {
		is := &c.Issuers[i]
		err := tx.RevokedPasses(is.ID, now, func(id string, _ time.Time) error {
			b, err := hex.DecodeString(id)
			if err != nil || len(b) < pass.MinIDSize || len(b) > pass.MaxIDSize {
				return fmt.Errorf("registry: bad pass ID %q in the database", id)
			}
			is.RevokedPasses = append(is.RevokedPasses, bundle.RevocationID(b))
			if own != nil {
				own(is.ID, b)
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
		slices.Sort(is.RevokedPasses)
		is.RevokedPasses = slices.Compact(is.RevokedPasses)
	}
	if err := c.MergeRevocations(now, exports...); err != nil {
		return nil, nil, &Error{Code: InvalidField, Detail: "merging revocation exports", Err: err}
	}
	ok, err := tx.AddBundle(c.Seq, now)
	if err == nil && !ok {
		err = fmt.Errorf("registry: bundle %d was published concurrently", c.Seq)
	}
	return c, exports, err
}

// issuerKeys returns the keys of every issuer in issuers.
func issuerKeys(issuers []bundle.Issuer) []crypto.PublicKey {
	var all []crypto.PublicKey
	for _, is := range issuers {
		for _, k := range is.Keys {
			all = append(all, k.Public)
		}
	}
	return all
}

// mergedSeqKey is the meta key under which the number of the last export
// of issuer iss that was merged is kept.
func mergedSeqKey(iss string) string { return "merged_seq:" + iss }

// openExport opens data, the revocation export numbered i (from 0) of a
// merge, with its signature checked against every key in keys, and refuses
// an export older than the last one of its issuer merged before (a replay
// of a list from before some revocations). Its errors are *Error with
// code InvalidField, or faults of the database.
func openExport(tx Tx, i int, data []byte, keys []crypto.PublicKey) (*bundle.Revocations, error) {
	r, err := bundle.OpenRevocations(data, keys)
	if err != nil {
		return nil, &Error{Code: InvalidField, Detail: fmt.Sprintf("revocation export %d", i+1), Err: err}
	}
	if v, ok, err := tx.Meta(mergedSeqKey(r.Issuer)); err != nil {
		return nil, err
	} else if last, _ := strconv.ParseUint(v, 10, 64); ok && r.Seq < last {
		return nil, Errorf(InvalidField, "revocation export %d: issuer %s's export %d is older than the %d merged before", i+1, r.Issuer, r.Seq, last)
	}
	return r, nil
}

// takeBundleSeq takes the next bundle number in tx: one more than the
// counter bundle_seq, in one statement (Tx.NextSeq), so that two
// publishers at once never read the same last number (PostgreSQL runs
// them side by side: one of them failed) and the second waits for the
// first to commit before it reads what its bundle lists. A database whose
// bundles predate the counter has the counter raised to its last bundle.
func takeBundleSeq(tx Tx) (uint64, error) {
	seq, err := tx.NextSeq("bundle_seq")
	if err != nil {
		return 0, err
	}
	last, err := tx.LastBundle()
	if err != nil {
		return 0, err
	}
	if seq <= last {
		seq = last + 1
		if err := tx.SetMeta("bundle_seq", strconv.FormatUint(seq, 10)); err != nil {
			return 0, err
		}
	}
	return seq, nil
}

// Export returns this registry's live revocations of issuer iss's passes
// (those revoked that have not expired) as a revocation export signed with
// key, one of the issuer's keys, for a publisher to merge (PublishOptions
// Merge). An empty iss means the issuer that key is listed under. Each
// export has a higher sequence number than the last. It also returns the
// number of passes in the export.
func (s *Service) Export(ctx context.Context, iss string, key crypto.Signer) ([]byte, int, error) {
	if iss == "" {
		der, err := keys.MarshalPublic(key.Public())
		if err != nil {
			return nil, 0, fmt.Errorf("registry: %w", err)
		}
		err = s.cfg.Store.View(ctx, func(tx Tx) error {
			all, err := tx.Issuers()
			for _, is := range all {
				for _, k := range is.Keys {
					if d, _ := keys.MarshalPublic(k.Public); string(d) == string(der) {
						iss = is.ID
					}
				}
			}
			return err
		})
		if err != nil {
			return nil, 0, err
		}
		if iss == "" {
			return nil, 0, Errorf(InvalidField, "the key is not listed under any issuer this registry knows")
		}
	}
	if err := pass.CheckIssuer(iss); err != nil {
		return nil, 0, &Error{Code: InvalidField, Err: err}
	}
	now := s.now()
	r := &bundle.Revocations{Issuer: iss, IssuedAt: now}
	err := s.cfg.Store.Update(ctx, func(tx Tx) error {
		// One statement, so that two exports at once (PostgreSQL runs
		// them side by side) never share a sequence number.
		var err error
		if r.Seq, err = tx.NextSeq("export_seq"); err != nil {
			return err
		}
		return tx.RevokedPasses(iss, now, func(id string, exp time.Time) error {
			b, err := hex.DecodeString(id)
			if err != nil || len(b) < 8 {
				return fmt.Errorf("registry: bad pass ID %q in the database", id)
			}
			r.Passes = append(r.Passes, bundle.RevokedPass{ID: b, ExpiresAt: exp})
			return nil
		})
	})
	if err != nil {
		return nil, 0, err
	}
	data, err := bundle.SignRevocations(r, key)
	if err != nil {
		return nil, 0, fmt.Errorf("registry: signing the revocation export: %w", err)
	}
	return data, len(r.Passes), nil
}

// linkOrWrite atomically makes path the same file as src (already written
// and synced, with contents data): a hard link renamed into place, so a
// large bundle is not written twice; where links do not work, a copy.
func linkOrWrite(src, path string, data []byte) error {
	tmp := path + ".link-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if err := os.Link(src, tmp); err == nil {
		if err := os.Rename(tmp, path); err != nil {
			os.Remove(tmp)
			return err
		}
		return atomicfile.SyncDir(filepath.Dir(path))
	}
	return atomicfile.WriteFile(path, data, 0o644)
}
