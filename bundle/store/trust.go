package store

import (
	"crypto"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/internal/filekind"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/verifier"
)

// Selection says where a verifier's trust comes from. With neither
// TrustFile nor BundleFile, it is the bundle installed in the store (not
// with DSCFiles alone, which then are the whole trust).
type Selection struct {
	TrustFile  string             // an unsigned trust file
	BundleFile string             // a bundle file, checked against Roots and RootFiles, else the pinned roots
	Roots      []crypto.PublicKey // roots for BundleFile
	RootFiles  []string           // files of more roots for BundleFile, read with ReadRoots
	DSCFiles   []string           // EU document-signer certificates, trusted beside the rest
	// Current is the installed bundle a running verifier uses, if any: an
	// installed bundle that may not replace it is refused (Rollback), so
	// that it never goes back, even if the mark file is removed.
	Current *bundle.Bundle
}

// Installed reports whether sel selects the bundle installed in the store
// (no trust file, bundle file or DSC files): the trust that changes when
// a bundle is installed, so a running verifier opens it again then.
func (sel Selection) Installed() bool {
	return sel.TrustFile == "" && sel.BundleFile == "" && len(sel.DSCFiles) == 0
}

// check refuses a selection whose parts do not go together
// (BadSelection): a trust file and a bundle file, or roots without a
// bundle file (the installed bundle is checked against the pinned roots
// only, and a trust file is not signed).
func (sel Selection) check() error {
	switch {
	case sel.TrustFile != "" && sel.BundleFile != "":
		return fail(BadSelection, nil, "a trust file or a bundle file, not both").hinted("give -trust FILE or -bundle FILE, not both")
	case sel.BundleFile == "" && (len(sel.Roots) > 0 || len(sel.RootFiles) > 0):
		return fail(BadSelection, nil, "roots go with a bundle file; the installed bundle is checked against the pinned roots").
			hinted("-root goes with -bundle FILE; to check the installed bundle with a root, pin it: hufu bundle pin ROOT.pub")
	}
	return nil
}

// Trust is an opened trust: what passes are checked against.
type Trust struct {
	verifier.Trust                // nil if Err is set
	Bundle         *bundle.Bundle // the bundle, if the trust is one
	Path           string         // the bundle's file (the installed one, or Selection.BundleFile); "" for no bundle
	Label          string         // where the trust comes from, for verdicts
	// Err is set when the bundle was refused (IsRefused: a *bundle.Error,
	// or Rollback for an installed bundle below the high-water mark), or
	// the bundle file is something else (Refused, "p.txt is a pass, not a
	// trust bundle"): nothing can be decided, every verdict is "cannot
	// decide" (trust_unavailable).
	Err error
}

// Open opens the trust sel selects. It returns an error when there is
// nothing to decide with: BadSelection; NoState, NoBundle or NoRoots, each
// saying "no trust configured" with a hint of what to give or install;
// BadFile for a root or trust file that is something else; or one from
// reading a file. A bundle that is there but refused gives a Trust with
// Err set. s may be nil if sel needs no state directory. A bundle's time
// applies to the DSCs beside it too (bundle.Alongside).
func (s *Store) Open(sel Selection) (*Trust, error) {
	if err := sel.check(); err != nil {
		return nil, err
	}
	if len(sel.RootFiles) > 0 {
		roots, err := ReadRoots(sel.RootFiles...)
		if err != nil {
			return nil, err
		}
		sel.Roots = append(slices.Clip(sel.Roots), roots...)
	}
	if sel.TrustFile != "" || (sel.BundleFile == "" && len(sel.DSCFiles) > 0) {
		return openTrustFile(sel.TrustFile, sel.DSCFiles)
	}
	t, err := s.openBundle(sel)
	if err != nil || t.Err != nil || len(sel.DSCFiles) == 0 {
		return t, err
	}
	dsc, err := openTrustFile("", sel.DSCFiles)
	if err != nil {
		return nil, err
	}
	t.Trust = bundle.Alongside(t.Bundle, dsc.Trust)
	t.Label += "; " + dsc.Label
	return t, nil
}

// The hints of Open when there is no trust to decide with.
const (
	hintNoBundle = "install one with \"hufu bundle install FILE\", or give -bundle FILE or -trust FILE (or -dsc FILE for EU DCCs)"
	hintNoRoots  = "pin the root with \"hufu bundle pin ROOT.pub\", give -root ROOT.pub with -bundle, or use -trust FILE"
)

func (s *Store) openBundle(sel Selection) (*Trust, error) {
	if s == nil && (sel.BundleFile == "" || len(sel.Roots) == 0) {
		return nil, fail(NoState, nil, "no trust configured: no state directory").hinted("set HUFU_STATE or give -state DIR")
	}
	path, roots := sel.BundleFile, sel.Roots
	var b *bundle.Bundle
	var err error
	var se *Error
	if path == "" {
		path = s.BundlePath()
		b, err = s.Reload(sel.Current)
		switch {
		case errors.As(err, &se) && se.Code == NoBundle:
			return nil, fail(NoBundle, nil, "no trust configured: %s", se.Detail).hinted(hintNoBundle)
		case errors.As(err, &se) && se.Code == NoRoots:
			return nil, fail(NoRoots, nil, "no trust configured: %s", se.Detail).hinted(hintNoRoots)
		case err != nil && !IsRefused(err):
			return nil, err
		}
	} else {
		if len(roots) == 0 {
			if roots, err = s.Roots(); err != nil {
				return nil, err
			}
			if len(roots) == 0 {
				return nil, fail(NoRoots, nil, "no trust configured: no bundle root is pinned in %s to check %s with", s.Dir, path).hinted(hintNoRoots)
			}
		}
		data, err := ReadBundleFile(path)
		if err != nil {
			return nil, err
		}
		b, err = bundle.Open(data, roots)
		if err != nil {
			if w := wrongKind(Refused, path, data, filekind.Bundle); w != nil {
				w.Err, err = err, w
			}
			return &Trust{Path: path, Label: "trust bundle " + path, Err: err}, nil
		}
	}
	if err != nil {
		return &Trust{Path: path, Label: "trust bundle " + path, Err: err}, nil
	}
	return &Trust{Trust: b, Bundle: b, Path: path, Label: fmt.Sprintf("trust bundle %s (seq %d, root %x)", path, b.Seq, b.Signer)}, nil
}

// openTrustFile reads the trust file, if any, and adds the keys of the DSC
// files to it.
func openTrustFile(path string, dscFiles []string) (*Trust, error) {
	var labels []string
	tf, err := keys.NewTrust()
	if path != "" {
		tf, err = readTrustFile(path)
		labels = append(labels, "trust file "+path+" (unsigned)")
	}
	if err != nil {
		return nil, err
	}
	for _, p := range dscFiles {
		ks, err := keys.ReadDSCFile(p)
		if err != nil {
			return nil, err
		}
		for _, k := range ks {
			if err := tf.Add(k); err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
		}
	}
	if len(dscFiles) > 0 {
		labels = append(labels, "DSC file "+strings.Join(dscFiles, ", "))
	}
	return &Trust{Trust: tf, Label: strings.Join(labels, "; ")}, nil
}

// Description is a bundle as "hufu bundle show -json" and "status -json"
// print it: every key always present, null where unknown.
type Description struct {
	Version       int          `json:"hufu_bundle"`
	Path          *string      `json:"path"`  // status: the installed file
	State         *string      `json:"state"` // status: see State
	Seq           uint64       `json:"seq"`
	Signer        string       `json:"signer"` // the root's kid, hex
	Verified      bool         `json:"verified"`
	IssuedAt      time.Time    `json:"issued_at"`
	NextUpdate    time.Time    `json:"next_update"`
	Expires       time.Time    `json:"expires"`
	Issuers       []IssuerDesc `json:"issuers"`
	RevokedPasses int          `json:"revoked_passes"` // how many
	RevokedKeys   []KeyDesc    `json:"revoked_keys"`
	Labels        int          `json:"labels"` // how many
}

// IssuerDesc describes an issuer of a bundle.
type IssuerDesc struct {
	ID          string    `json:"id"`
	NameZH      string    `json:"name_zh"`
	NameEN      string    `json:"name_en"`
	MaxLifetime int64     `json:"max_lifetime_seconds"`
	Colours     []string  `json:"colours"`
	Keys        []KeyDesc `json:"keys"`
}

// KeyDesc describes a key of a bundle.
type KeyDesc struct {
	KID        string     `json:"kid"`
	Alg        string     `json:"alg"`
	ValidFrom  *time.Time `json:"valid_from"`
	ValidUntil *time.Time `json:"valid_until"`
}

func keyDesc(pub crypto.PublicKey, from, until time.Time) KeyDesc {
	alg, _ := keys.AlgOf(pub)
	d := KeyDesc{KID: kidHex(pub), Alg: string(alg)}
	if !from.IsZero() {
		t := from.UTC()
		d.ValidFrom = &t
	}
	if !until.IsZero() {
		t := until.UTC()
		d.ValidUntil = &t
	}
	return d
}

// Describe describes b.
func Describe(b *bundle.Bundle) *Description {
	d := &Description{Version: 1, Seq: b.Seq, Signer: fmt.Sprintf("%x", b.Signer), Verified: b.Verified,
		IssuedAt: b.IssuedAt.UTC(), NextUpdate: b.NextUpdate.UTC(), Expires: b.Expires.UTC(),
		Issuers: []IssuerDesc{}, RevokedPasses: b.RevokedPasses(), RevokedKeys: []KeyDesc{}, Labels: len(b.Labels)}
	for _, is := range b.Issuers {
		id := IssuerDesc{ID: is.ID, NameZH: is.Name.ZH, NameEN: is.Name.EN, MaxLifetime: int64(is.MaxLifetime / time.Second),
			Colours: []string{}, Keys: []KeyDesc{}}
		for _, c := range is.Colours {
			id.Colours = append(id.Colours, c.String())
		}
		for _, k := range is.Keys {
			id.Keys = append(id.Keys, keyDesc(k.Public, k.ValidFrom, k.ValidUntil))
		}
		d.Issuers = append(d.Issuers, id)
	}
	for _, k := range b.RevokedKeys {
		d.RevokedKeys = append(d.RevokedKeys, keyDesc(k, time.Time{}, time.Time{}))
	}
	return d
}

// The states of a bundle at a time (State).
const (
	Fresh       = "fresh"        // before its next update
	Stale       = "stale"        // past its next update: passes verify with a warning
	Expired     = "expired"      // past its expiry: nothing is decided
	ClockBehind = "clock_behind" // the clock is before its issue time: nothing is decided
)

// State returns the state of b at now, with clock skew tolerance skew.
func State(b *bundle.Bundle, now time.Time, skew time.Duration) string {
	warnings, err := b.CheckTime(now, skew)
	var ve *verifier.Error
	switch {
	case errors.As(err, &ve) && ve.Reason == verifier.ClockBehind:
		return ClockBehind
	case err != nil:
		return Expired
	case slices.Contains(warnings, bundle.WarningStale):
		return Stale
	}
	return Fresh
}

// Status describes the installed bundle b, read from path, at now with
// clock skew tolerance skew, as "hufu bundle status" shows it: its
// Description with Path and State set. undecided reports that verify
// decides nothing with it now (State Expired or ClockBehind).
func Status(b *bundle.Bundle, path string, now time.Time, skew time.Duration) (d *Description, undecided bool) {
	d = Describe(b)
	st := State(b, now, skew)
	d.Path, d.State = &path, &st
	return d, st == Expired || st == ClockBehind
}

// Inspect opens the bundle file at path for showing it: checked against
// roots, else against the roots pinned in s (s may be nil: none pinned),
// else decoded unverified (b.Verified false). err is an error reading the
// pinned roots or the file, or BadFile for a file that is something else
// ("k.pub is a public key, not a trust bundle"); refused is the bundle's
// own error when it does not open.
func (s *Store) Inspect(path string, roots []crypto.PublicKey) (b *bundle.Bundle, refused, err error) {
	if len(roots) == 0 && s != nil {
		if roots, err = s.Roots(); err != nil {
			return nil, nil, err
		}
	}
	data, err := ReadBundleFile(path)
	if err != nil {
		return nil, nil, err
	}
	if len(roots) == 0 {
		b, refused = bundle.InspectUnverified(data)
	} else {
		b, refused = bundle.Open(data, roots)
	}
	if refused != nil {
		if w := wrongKind(BadFile, path, data, filekind.Bundle); w != nil {
			return nil, nil, w
		}
	}
	return b, refused, nil
}
