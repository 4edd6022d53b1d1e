// Package store keeps the trust state of a guard's computer in a state
// directory: the pinned bundle roots (roots.pem), the trust bundle in force
// (bundle.hfb) and its high-water mark (bundle.mark).
//
// The high-water mark is the highest sequence number ever installed or
// opened here, with that bundle's issue time and the SHA-256 of its file.
// It is kept apart from the bundle so that replacing or deleting
// bundle.hfb does not undo it: [Store.Install] refuses a bundle below the
// mark, and [Store.Load] refuses to use an installed bundle below it (SPEC
// §12.9). Removing the mark file itself resets it; the directory must be
// writable only by whoever may install bundles.
//
// [Store.Open] opens what a verifier checks passes against (a trust file,
// a bundle file, the installed bundle, EU DSCs beside them), as "hufu
// verify" and "hufu scan" do; a running station passes the bundle it uses
// as Selection.Current when it opens a newly installed one, and keeps its
// own if that is refused.
//
// A Store is safe for use by several processes at once: installs are
// serialized by a lock file (flock on Unix).
package store

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/internal/atomicfile"
	"github.com/hufu-project/hufu/internal/strictjson"
	"github.com/hufu-project/hufu/keys"
)

// The files in a state directory.
const (
	RootsFile  = "roots.pem"
	BundleFile = "bundle.hfb"
	MarkFile   = "bundle.mark"
	lockFile   = ".lock"
	maxRoots   = 1 << 20
	maxMark    = 4 << 10
)

// Code is a stable, snake_case reason why the store refused something. A
// Code is itself an error, so errors.Is(err, store.NoRoots) works.
type Code string

const (
	NoRoots   Code = "no_roots"   // no root is pinned
	NoBundle  Code = "no_bundle"  // no bundle is installed
	NotPinned Code = "not_pinned" // Unpin: no pinned root has that kid
	LastRoot  Code = "last_root"  // Unpin: it is the last root, and force is false
	Rollback  Code = "rollback"   // the bundle is below the high-water mark, or older than the one in use
	BadState  Code = "bad_state"  // a file of the state directory is unreadable or malformed
	NoState   Code = "no_state"   // there is no state directory (DefaultDir, Open)
	// BadFile: a file given to the store (a root key file, a trust file)
	// is not what it should be; Detail says what it is instead ("p.txt is
	// a pass, not a public key"), or names it before why it does not parse.
	BadFile Code = "bad_file"
	// Refused: a bundle was refused (Err is why: the *bundle.Error, or a
	// Rollback), and Detail names the file or says what it is instead
	// ("p.txt is a pass, not a trust bundle"): from InstallFile,
	// InstalledStatus, and as Trust.Err from Open.
	Refused Code = "refused"
	// BadSelection: the parts of a Selection do not go together.
	BadSelection Code = "bad_selection"
)

func (c Code) Error() string { return string(c) }

// Error is the error the store returns for a refusal; it also matches
// bundle.Rollback for Rollback, so that errors.Is(err, bundle.Rollback)
// holds for every rollback, at install or at open.
type Error struct {
	Code   Code
	Detail string
	Err    error
	hint   string
}

// Hint says what the operator can do about the error, naming the hufu
// command or flag that does it ("pin the root first: hufu bundle pin
// ROOT.pub"): its own, else that of the error it wraps, else "".
func (e *Error) Hint() string {
	var h interface{ Hint() string }
	if e.hint == "" && errors.As(e.Err, &h) {
		return h.Hint()
	}
	return e.hint
}

func (e *Error) Error() string {
	msg := "store: " + string(e.Code)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the code, bundle.Rollback for a rollback, and the
// underlying error.
func (e *Error) Unwrap() []error {
	errs := []error{e.Code}
	if e.Code == Rollback {
		errs = append(errs, bundle.Rollback)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

func fail(c Code, err error, format string, args ...any) *Error {
	return &Error{Code: c, Err: err, Detail: fmt.Sprintf(format, args...)}
}

// hinted sets the error's hint and returns it.
func (e *Error) hinted(format string, args ...any) *Error {
	e.hint = fmt.Sprintf(format, args...)
	return e
}

// DefaultDir returns the state directory named by the environment:
// $HUFU_STATE, else $XDG_STATE_HOME/hufu, else $HOME/.local/state/hufu;
// NoState if none of them is set.
func DefaultDir(getenv func(string) string) (string, error) {
	switch {
	case getenv("HUFU_STATE") != "":
		return getenv("HUFU_STATE"), nil
	case getenv("XDG_STATE_HOME") != "":
		return filepath.Join(getenv("XDG_STATE_HOME"), "hufu"), nil
	case getenv("HOME") != "":
		return filepath.Join(getenv("HOME"), ".local", "state", "hufu"), nil
	}
	return "", fail(NoState, nil, "no state directory: HUFU_STATE, XDG_STATE_HOME and HOME are unset").hinted("set HUFU_STATE or give -state DIR")
}

// Store is a state directory. The zero value is not usable; set Dir.
type Store struct {
	Dir string
}

// New returns the store in dir, or, if dir is empty, in the directory the
// environment names (DefaultDir): NoState if it names none.
func New(dir string, getenv func(string) string) (*Store, error) {
	if dir == "" {
		var err error
		if dir, err = DefaultDir(getenv); err != nil {
			return nil, err
		}
	}
	return &Store{Dir: dir}, nil
}

// BundlePath is the path of the installed bundle.
func (s *Store) BundlePath() string { return filepath.Join(s.Dir, BundleFile) }

// Roots returns the pinned roots: none if there is no roots file.
func (s *Store) Roots() ([]crypto.PublicKey, error) {
	path := filepath.Join(s.Dir, RootsFile)
	data, err := readLimited(path, maxRoots)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	roots, err := ParsePEMKeys(data)
	if err != nil {
		return nil, fail(BadState, err, "%s", path)
	}
	return roots, nil
}

// ParsePEMKeys parses a sequence of "PUBLIC KEY" PEM blocks.
func ParsePEMKeys(data []byte) ([]crypto.PublicKey, error) {
	const end = "-----END PUBLIC KEY-----"
	var out []crypto.PublicKey
	rest := bytes.TrimSpace(data)
	for len(rest) > 0 {
		i := bytes.Index(rest, []byte(end))
		if i < 0 {
			return nil, errors.New("store: not a sequence of PUBLIC KEY PEM blocks")
		}
		pub, err := keys.ParsePublicPEM(rest[:i+len(end)])
		if err != nil {
			return nil, err
		}
		out = append(out, pub)
		rest = bytes.TrimSpace(rest[i+len(end):])
	}
	return out, nil
}

func (s *Store) writeRoots(roots []crypto.PublicKey) error {
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return err
	}
	var b []byte
	for _, r := range roots {
		p, err := keys.EncodePublicPEM(r)
		if err != nil {
			return err
		}
		b = append(b, p...)
	}
	return atomicfile.WriteFile(filepath.Join(s.Dir, RootsFile), b, 0o644)
}

func sameKey(a, b crypto.PublicKey) bool {
	da, err1 := keys.MarshalPublic(a)
	db, err2 := keys.MarshalPublic(b)
	return err1 == nil && err2 == nil && bytes.Equal(da, db)
}

// Pinned is what Pin did with one root: its kid (hex) and algorithm, and
// whether it was added (false: it was pinned already).
type Pinned struct {
	KID, Alg string
	Added    bool
	Dir      string // the state directory
}

// String says it for people: "pinned root KID (ALG) in DIR", or "root KID
// is already pinned".
func (p Pinned) String() string {
	if !p.Added {
		return "root " + p.KID + " is already pinned"
	}
	return "pinned root " + p.KID + " (" + p.Alg + ") in " + p.Dir
}

// Pin adds roots, creating the directory if need be; it returns what it
// did with each, in order.
func (s *Store) Pin(roots ...crypto.PublicKey) ([]Pinned, error) {
	unlock, err := s.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	have, err := s.Roots()
	if err != nil {
		return nil, err
	}
	var out []Pinned
	added := false
	for _, r := range roots {
		alg, err := keys.AlgOf(r)
		if err != nil {
			return nil, err
		}
		p := Pinned{KID: kidHex(r), Alg: string(alg), Dir: s.Dir}
		if !slices.ContainsFunc(have, func(h crypto.PublicKey) bool { return sameKey(h, r) }) {
			have = append(have, r)
			p.Added, added = true, true
		}
		out = append(out, p)
	}
	if !added {
		return out, nil
	}
	return out, s.writeRoots(have)
}

// Unpinned is what Unpin did: the kid (hex) unpinned, and how many roots
// are left pinned.
type Unpinned struct {
	KID  string
	Left int
}

// String says it for people: "unpinned root KID; N left".
func (u Unpinned) String() string { return fmt.Sprintf("unpinned root %s; %d left", u.KID, u.Left) }

// Warning says, for people, what follows when no root is left: every
// verify stops with "no trust configured". It is "" while roots are left.
func (u Unpinned) Warning() string {
	if u.Left > 0 {
		return ""
	}
	return "no root is pinned now: verify will stop with \"no trust configured\" until one is pinned"
}

// Unpin removes the pinned roots whose kid (hex) is kid. It refuses to
// remove the last root (LastRoot) unless force is set: with no root, no
// bundle can be opened and every verification stops. NotPinned if no
// pinned root has kid.
func (s *Store) Unpin(kid string, force bool) (Unpinned, error) {
	unlock, err := s.lock()
	if err != nil {
		return Unpinned{}, err
	}
	defer unlock()
	roots, err := s.Roots()
	if err != nil {
		return Unpinned{}, err
	}
	kept := slices.DeleteFunc(slices.Clone(roots), func(r crypto.PublicKey) bool { return kidHex(r) == kid })
	switch {
	case len(kept) == len(roots):
		return Unpinned{}, fail(NotPinned, nil, "no pinned root has kid %s", kid)
	case len(kept) == 0 && !force:
		return Unpinned{}, fail(LastRoot, nil, "root %s is the last one pinned: without a root, no bundle can be checked and every verify stops", kid).
			hinted("pin the new root first (hufu bundle pin NEW.pub), or give -f to unpin it anyway")
	}
	return Unpinned{KID: kid, Left: len(kept)}, s.writeRoots(kept)
}

func kidHex(pub crypto.PublicKey) string {
	kid, _ := keys.KID(pub)
	return hex.EncodeToString(kid)
}

// Mark is the high-water mark: the highest sequence number installed or
// opened in the directory, with that bundle's issue time and file digest.
type Mark struct {
	Seq      uint64    `json:"seq"`
	IssuedAt time.Time `json:"issued_at"`
	SHA256   string    `json:"sha256"` // of the bundle file, in hex
}

type markFile struct {
	Version int `json:"hufu_bundle_mark"`
	Mark
}

// Mark returns the high-water mark; the zero Mark if there is none.
func (s *Store) Mark() (Mark, error) {
	path := filepath.Join(s.Dir, MarkFile)
	data, err := readLimited(path, maxMark)
	if errors.Is(err, fs.ErrNotExist) {
		return Mark{}, nil
	}
	if err != nil {
		return Mark{}, err
	}
	var m markFile
	if err := strictjson.Unmarshal(data, &m, maxMark); err != nil || m.Version != 1 || m.Seq == 0 || len(m.SHA256) != 64 {
		return Mark{}, fail(BadState, err, "%s is malformed", path)
	}
	return m.Mark, nil
}

func (s *Store) writeMark(m Mark) error {
	data, err := json.Marshal(markFile{1, m})
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(s.Dir, MarkFile), append(data, '\n'), 0o644)
}

func markOf(b *bundle.Bundle, data []byte) Mark {
	d := sha256.Sum256(data)
	return Mark{Seq: b.Seq, IssuedAt: b.IssuedAt.UTC(), SHA256: hex.EncodeToString(d[:])}
}

// below reports why a bundle with mark m may not be used where the mark is
// hw, or nil if it may: its seq must be higher, or it must be the very
// bundle the mark was taken from.
func below(m, hw Mark) *Error {
	switch {
	case m.Seq > hw.Seq || hw.Seq == 0:
		return nil
	case m.Seq < hw.Seq:
		return fail(Rollback, nil, "sequence number %d is lower than %d, the highest installed here", m.Seq, hw.Seq)
	case m.SHA256 != hw.SHA256:
		return fail(Rollback, nil, "a different bundle with the sequence number %d already installed here", m.Seq)
	}
	return nil
}

func (s *Store) lock() (func(), error) {
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return nil, err
	}
	unlock, err := lock(s.Dir)
	if err != nil {
		return nil, fmt.Errorf("store: locking %s: %w", s.Dir, err)
	}
	return unlock, nil
}

// Install checks data against the pinned roots and makes it the bundle in
// force, atomically, if its sequence number is above the high-water mark
// and above that of the installed bundle (or it is the very same file,
// when same is true and nothing changes). It fails with NoRoots, with a
// *bundle.Error from bundle.Open, or with Rollback; the bundle in force
// then stays.
func (s *Store) Install(data []byte) (b *bundle.Bundle, same bool, err error) {
	roots, err := s.Roots()
	if err != nil {
		return nil, false, err
	}
	if len(roots) == 0 {
		return nil, false, fail(NoRoots, nil, "no bundle roots are pinned in %s", s.Dir).hinted("pin the root first: hufu bundle pin ROOT.pub")
	}
	if b, err = bundle.Open(data, roots); err != nil {
		return nil, false, err
	}
	unlock, err := s.lock()
	if err != nil {
		return nil, false, err
	}
	defer unlock()
	hw, err := s.Mark()
	if err != nil {
		return nil, false, err
	}
	m := markOf(b, data)
	if err := below(m, hw); err != nil {
		return nil, false, err.hinted("refusing to roll back: seq %d was installed here and stays in force", hw.Seq)
	}
	old, err := readLimited(s.BundlePath(), bundle.MaxSize)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, false, err
	default:
		// The installed file was checked when it was installed; its root
		// may have been unpinned since, so read it without the signature.
		ob, err := bundle.InspectUnverified(old)
		if err != nil {
			return nil, false, fail(BadState, err, "the installed bundle %s is unreadable; remove it to install another", s.BundlePath())
		}
		if err := b.Replaces(ob); err != nil {
			var be *bundle.Error
			errors.As(err, &be)
			return nil, false, fail(Rollback, nil, "%s", be.Detail).hinted("refusing to roll back: seq %d is installed here and stays in force", ob.Seq)
		}
		same = bytes.Equal(old, data)
	}
	if !same {
		if err := atomicfile.WriteFile(s.BundlePath(), data, 0o644); err != nil {
			return nil, false, err
		}
	}
	if m.Seq > hw.Seq {
		if err := s.writeMark(m); err != nil {
			return nil, false, err
		}
	}
	return b, same, nil
}

// Load opens the installed bundle against the pinned roots and checks it
// against the high-water mark: NoBundle if none is installed, NoRoots if no
// root is pinned, a *bundle.Error if it does not open, Rollback if it is
// below the mark (an older file put in its place). A bundle above the
// mark (from an install cut short, or a directory that predates the mark)
// raises the mark, if the directory is writable.
func (s *Store) Load() (*bundle.Bundle, error) {
	data, err := readLimited(s.BundlePath(), bundle.MaxSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fail(NoBundle, nil, "no trust bundle is installed in %s", s.Dir)
	}
	if err != nil {
		return nil, err
	}
	roots, err := s.Roots()
	if err != nil {
		return nil, err
	}
	if len(roots) == 0 {
		return nil, fail(NoRoots, nil, "no bundle root is pinned in %s, so the installed bundle cannot be checked", s.Dir)
	}
	b, err := bundle.Open(data, roots)
	if err != nil {
		return nil, err
	}
	hw, err := s.Mark()
	if err != nil {
		return nil, err
	}
	m := markOf(b, data)
	if err := below(m, hw); err != nil {
		return nil, err.hinted("the file was replaced by an older one; install the newest bundle again: hufu bundle install FILE")
	}
	if m.Seq > hw.Seq {
		s.raise(m) // best effort: a reader may not be able to write here
	}
	return b, nil
}

// raise sets the mark to m unless it is already as high.
func (s *Store) raise(m Mark) error {
	unlock, err := lock(s.Dir)
	if err != nil {
		return err
	}
	defer unlock()
	hw, err := s.Mark()
	if err != nil || hw.Seq >= m.Seq {
		return err
	}
	return s.writeMark(m)
}

// Reload is Load for a program that already uses cur (nil for none): it
// also refuses (Rollback) a bundle that may not replace cur, so that a
// running verifier never goes back even if the mark file is removed.
func (s *Store) Reload(cur *bundle.Bundle) (*bundle.Bundle, error) {
	b, err := s.Load()
	if err != nil || cur == nil {
		return b, err
	}
	if err := b.Replaces(cur); err != nil {
		return nil, fail(Rollback, nil, "the installed bundle, seq %d, may not replace seq %d in use", b.Seq, cur.Seq)
	}
	return b, nil
}

// ReadBundleFile reads a bundle file, at most one byte more than the
// largest bundle (so that bundle.Open reports an oversize file as
// too_large).
func ReadBundleFile(path string) ([]byte, error) { return readUpTo(path, bundle.MaxSize+1) }

func readUpTo(path string, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, n))
}

// readLimited reads a file of the state directory: BadState if it is
// larger than max.
func readLimited(path string, max int64) ([]byte, error) {
	data, err := readUpTo(path, max+1)
	if err == nil && int64(len(data)) > max {
		err = fail(BadState, nil, "%s is larger than %d bytes", path, max)
	}
	return data, err
}
