package registry

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/internal/atomicfile"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
)

// Config configures a Service. The zero value of every field but Store is
// usable: such a Service manages tokens and issuers and publishes, but
// cannot register holders (no Secret) or issue passes (no Issuer).
type Config struct {
	Store Store
	// Issuer signs the passes, for issuer ID IssuerID. Its maximum
	// validity must be at least Validity.
	Issuer   *issuer.Issuer
	IssuerID string
	// Secret keys the hash of national ID numbers (at least 16 bytes).
	// The database remembers a check value of the first secret used with
	// it and refuses any other.
	Secret []byte
	// Validity is the lifetime of a pass; zero means 24 hours.
	Validity time.Duration
	// ReissueFraction: a pass is re-issued once less than this fraction
	// of its lifetime remains; zero means 0.25.
	ReissueFraction float64
	Now             func() time.Time // zero means time.Now
	Log             *slog.Logger     // zero means slog.Default()
}

// Service applies the registry's rules to a Store. It is safe for
// concurrent use.
type Service struct {
	cfg      Config
	perMille int64
	kid      string // hex key ID of the Issuer's passes

	authMu sync.Mutex
	auth   map[string]authEntry // token hash → who, for authTTL

	groupMu sync.Mutex     // guards queue and writing (passgroup.go)
	queue   []*pendingPass // passes to store, in arrival order
	writing bool           // a caller is storing queued passes
}

// authTTL is how long Authenticate remembers a token it has looked up;
// maxAuth bounds how many it remembers.
const (
	authTTL = 10 * time.Second
	maxAuth = 10000
)

type authEntry struct {
	p       Principal
	expires time.Time
}

// DefaultValidity and DefaultReissueFraction are the Config defaults.
const (
	DefaultValidity        = 24 * time.Hour
	DefaultReissueFraction = 0.25
)

// New returns a Service for cfg, checking the secret against the one the
// database was first used with.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Store == nil {
		panic("registry: New without a Store")
	}
	if cfg.Validity == 0 {
		cfg.Validity = DefaultValidity
	}
	if cfg.Validity < time.Minute || cfg.Validity%time.Second != 0 {
		return nil, fmt.Errorf("registry: validity %v must be whole seconds and at least a minute", cfg.Validity)
	}
	if cfg.ReissueFraction == 0 {
		cfg.ReissueFraction = DefaultReissueFraction
	}
	if !(cfg.ReissueFraction > 0 && cfg.ReissueFraction < 1) {
		return nil, fmt.Errorf("registry: re-issue fraction %v not in (0, 1)", cfg.ReissueFraction)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	s := &Service{cfg: cfg, perMille: int64(math.Round(cfg.ReissueFraction * 1000))}
	if cfg.Issuer != nil {
		if err := pass.CheckIssuer(cfg.IssuerID); err != nil {
			return nil, fmt.Errorf("registry: %w", err)
		}
		s.kid = hex.EncodeToString(cfg.Issuer.KID())
	}
	if cfg.Secret != nil {
		if len(cfg.Secret) < 16 {
			return nil, errors.New("registry: the secret is shorter than 16 bytes")
		}
		check := s.keyed("hufu registry secret check")
		err := cfg.Store.Update(ctx, func(tx Tx) error {
			v, ok, err := tx.Meta("secret_check")
			if err != nil {
				return err
			}
			if !ok {
				return tx.SetMeta("secret_check", check)
			}
			if !hmac.Equal([]byte(v), []byte(check)) {
				return errors.New("registry: the secret is not the one this database was first used with")
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Service) now() time.Time { return s.cfg.Now().Truncate(time.Second) }

// keyed returns hex HMAC-SHA-256(Secret, msg).
func (s *Service) keyed(msg string) string {
	m := hmac.New(sha256.New, s.cfg.Secret)
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

// HashToken returns the hex SHA-256 of a token: tokens are 256-bit random
// values, so an unkeyed hash is enough to make a stolen database useless
// for calling the API.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Token prefixes tell an operator's token from a holder's link token.
const (
	operatorPrefix = "hfo_"
	holderPrefix   = "hfh_"
)

func newToken(prefix string) string {
	var b [32]byte
	rand.Read(b[:])
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// CreateOperator adds an operator with the given role and returns its
// token, which the registry stores only hashed.
func (s *Service) CreateOperator(ctx context.Context, name string, role Role) (string, error) {
	if _, err := ParseRole(string(role)); err != nil {
		return "", err
	}
	if name == "" || len(name) > MaxOperatorName || strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return "", Errorf(InvalidField, "operator name must be 1 to %d printable characters", MaxOperatorName)
	}
	tok := newToken(operatorPrefix)
	err := s.cfg.Store.Update(ctx, func(tx Tx) error {
		ok, err := tx.InsertOperator(&Operator{Name: name, Role: role, TokenHash: HashToken(tok), CreatedAt: s.now()})
		if err == nil && !ok {
			err = Errorf(InvalidField, "an operator named %q exists", name)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	return tok, nil
}

// Authenticate returns who holds token: an operator, or a holder by its
// link token. It remembers a known token for 10 seconds. It returns an *Error with code Unauthorized if the registry
// does not know the token.
func (s *Service) Authenticate(ctx context.Context, token string) (Principal, error) {
	var p Principal
	if len(token) > 128 {
		return p, Errorf(Unauthorized, "unknown token")
	}
	h := HashToken(token)
	now := time.Now()
	s.authMu.Lock()
	e, ok := s.auth[h]
	s.authMu.Unlock()
	if ok && now.Before(e.expires) {
		return e.p, nil
	}
	err := s.cfg.Store.View(ctx, func(tx Tx) error {
		switch {
		case strings.HasPrefix(token, operatorPrefix):
			o, err := tx.OperatorByToken(h)
			if err != nil {
				return err
			}
			if o != nil {
				p = Principal{Operator: o.Name, Role: o.Role}
			}
		case strings.HasPrefix(token, holderPrefix):
			hd, err := tx.HolderByLink(h)
			if ErrorCode(err) == HolderNotFound {
				return nil
			}
			if err != nil {
				return err
			}
			p = Principal{HolderID: hd.ID}
		}
		return nil
	})
	if err != nil {
		return Principal{}, err
	}
	if p.Role == "" && p.HolderID == "" {
		return p, Errorf(Unauthorized, "unknown token")
	}
	s.authMu.Lock()
	if s.auth == nil || len(s.auth) >= maxAuth {
		s.auth = map[string]authEntry{}
	}
	s.auth[h] = authEntry{p, now.Add(authTTL)}
	s.authMu.Unlock()
	return p, nil
}

// NewHolder is what registering a holder takes.
type NewHolder struct {
	Name        string
	IDNumber    string // the national ID number: only its keyed hash is stored
	PhotoDigest string // hex pass.PhotoDigest of the photo file, optional
	PhotoRef    string // a short reference to the photo; needs PhotoDigest
	PublicKey   string // the holder key, base64 DER of a P-256 key; optional: passes are bound to it
}

// NormalizeIDNumber returns the canonical form of a national ID number:
// spaces removed, letters upper-case; it must then be 1 to MaxIDNumberLen
// characters of 0-9 and A-Z.
func NormalizeIDNumber(s string) (string, error) {
	s = strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	if s == "" || len(s) > MaxIDNumberLen {
		return "", Errorf(InvalidIDNumber, "id_number must be 1 to %d letters and digits", MaxIDNumberLen)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z') {
			return "", Errorf(InvalidIDNumber, "id_number may hold only letters and digits")
		}
	}
	return s, nil
}

// Register adds a holder, green with the health_registration hint, and
// returns its ID and its link token (which the registry stores only
// hashed). It returns an *Error with code HolderExists if a holder with the
// same national ID number is registered.
func (s *Service) Register(ctx context.Context, by Principal, nh NewHolder) (id, link string, err error) {
	if s.cfg.Secret == nil {
		return "", "", Errorf(Unavailable, "the registry has no secret to hash ID numbers with")
	}
	if _, err := pass.NormalizeName(nh.Name); err != nil {
		return "", "", &Error{Code: InvalidName, Err: err}
	}
	num, err := NormalizeIDNumber(nh.IDNumber)
	if err != nil {
		return "", "", err
	}
	if nh.PhotoDigest != "" {
		if d, err := hex.DecodeString(nh.PhotoDigest); err != nil || len(d) != pass.PhotoDigestSize || nh.PhotoDigest != strings.ToLower(nh.PhotoDigest) {
			return "", "", Errorf(InvalidField, "photo_digest must be %d bytes in lower-case hex", pass.PhotoDigestSize)
		}
	}
	if err := checkText(InvalidField, "photo_ref", nh.PhotoRef, MaxPhotoRefLen); err != nil {
		return "", "", err
	}
	if nh.PhotoRef != "" && nh.PhotoDigest == "" {
		return "", "", Errorf(InvalidField, "photo_ref needs photo_digest")
	}
	if nh.PublicKey != "" {
		// Passes bind it (SPEC §14.1), so it must be a P-256 key.
		if _, err := holderKey(nh.PublicKey); err != nil || len(nh.PublicKey) > 1024 {
			return "", "", Errorf(InvalidField, "public_key is not a base64 DER P-256 public key")
		}
	}
	now := s.now()
	link = newToken(holderPrefix)
	h := &Holder{
		ID: newID(), Name: nh.Name, IDHash: s.keyed("id:" + num),
		PhotoDigest: nh.PhotoDigest, PhotoRef: nh.PhotoRef, LinkHash: HashToken(link), PublicKey: nh.PublicKey,
		Status:    Status{Colour: pass.Green, Hints: pass.HealthRegistration},
		Version:   1,
		CreatedAt: now, ChangedAt: now,
	}
	err = s.cfg.Store.Update(ctx, func(tx Tx) error {
		ok, err := tx.InsertHolder(h)
		if err != nil {
			return err
		}
		if !ok {
			return Errorf(HolderExists, "a holder with this id_number is registered")
		}
		return tx.AddChanges([]Change{{HolderID: h.ID, Version: 1, At: now, Status: h.Status, Name: h.Name, Actor: by.Actor(), Why: "registered"}})
	})
	if err != nil {
		return "", "", err
	}
	return h.ID, link, nil
}

// StatusChange is a change of a holder's status, from the health feed or
// the status call.
type StatusChange struct {
	EventID  string
	HolderID string
	Status   Status
}

// Check reports whether c is well formed: an event ID, a holder ID, a
// valid colour, a known reason only on yellow or red (and one required
// there), and known hints.
func (c *StatusChange) Check() error {
	if err := checkEventID(c.EventID); err != nil {
		return err
	}
	if c.HolderID == "" || len(c.HolderID) > MaxHolderIDLen {
		return Errorf(HolderNotFound, "holder_id is missing or too long")
	}
	return c.Status.check()
}

func (st Status) check() error {
	if !st.Colour.Valid() {
		return Errorf(InvalidColour, "colour must be green, yellow or red")
	}
	if st.Colour == pass.Green && st.Reason != 0 {
		return Errorf(InvalidReason, "a green status has no reason")
	}
	if st.Colour != pass.Green {
		known := false
		for _, r := range pass.Reasons() {
			known = known || r == st.Reason
		}
		if !known {
			return Errorf(InvalidReason, "a %s status needs a known reason", st.Colour)
		}
	}
	if st.Hints&^(pass.HealthRegistration|pass.TestSuggested|pass.AppealPending) != 0 {
		return Errorf(InvalidHint, "unknown hint")
	}
	return nil
}

// ChangeResult is the outcome of a status change.
type ChangeResult struct {
	Revoked   int  // passes revoked
	Duplicate bool // the event ID was seen before; nothing was applied
	Changed   bool // the status differed from the current one
}

// SetStatus applies one status change in one transaction.
func (s *Service) SetStatus(ctx context.Context, by Principal, c StatusChange) (ChangeResult, error) {
	if err := c.Check(); err != nil {
		return ChangeResult{}, err
	}
	var res ChangeResult
	err := s.cfg.Store.Update(ctx, func(tx Tx) error {
		rs, errs, revoked, err := s.applyBatch(tx, by, []StatusChange{c}, s.now())
		if err != nil { // a fault of the database: rs and errs are nil
			return err
		}
		res = rs[0]
		res.Revoked = revoked
		return errs[0]
	})
	return res, err
}

// next is the one rule, in memory: the holder's status becomes st (with
// the registry's own hints from the facts) and its name name. If either
// differs, h takes them with the next version and next returns true.
func next(h *Holder, st Status, name string, now time.Time) bool {
	st.Hints &^= managedHints
	if !h.Registered {
		st.Hints |= pass.HealthRegistration
	}
	if h.OpenAppeals > 0 {
		st.Hints |= pass.AppealPending
	}
	if st == h.Status && name == h.Name {
		return false
	}
	h.Status, h.Name = st, name
	h.Version++
	h.ChangedAt = now
	return true
}

// apply applies the rule (next) and stores the outcome in the caller's
// transaction: the holder, and if it changed, the history row and the
// revocation of every unexpired earlier pass. It returns the number of
// passes revoked.
func (s *Service) apply(tx Tx, h *Holder, st Status, name string, now time.Time, actor, eventID, why string) (int, error) {
	changed := next(h, st, name, now)
	if err := tx.SaveHolders([]*Holder{h}); err != nil { // registration or appeal counts may have changed
		return 0, err
	}
	if !changed {
		return 0, nil
	}
	if err := tx.AddChanges([]Change{{HolderID: h.ID, Version: h.Version, At: now, Status: h.Status, Name: h.Name, Actor: actor, EventID: eventID, Why: why}}); err != nil {
		return 0, err
	}
	return tx.RevokePasses([]string{h.ID}, now)
}

// CompleteRegistration records that the holder completed health
// registration, which clears the health_registration hint. It returns the
// number of passes revoked.
func (s *Service) CompleteRegistration(ctx context.Context, by Principal, holderID string) (int, error) {
	var n int
	err := s.cfg.Store.Update(ctx, func(tx Tx) error {
		h, err := tx.Holder(holderID)
		if err != nil {
			return err
		}
		h.Registered = true
		n, err = s.apply(tx, h, h.Status, h.Name, s.now(), by.Actor(), "", "health registration completed")
		return err
	})
	return n, err
}

// OpenAppeal files an appeal for the holder, which sets appeal_pending.
// It returns the appeal's ID and the number of passes revoked.
func (s *Service) OpenAppeal(ctx context.Context, by Principal, holderID, text string) (string, int, error) {
	if strings.TrimSpace(text) == "" {
		return "", 0, Errorf(InvalidField, "the appeal text is empty")
	}
	if err := checkText(InvalidField, "the appeal text", text, MaxAppealTextLen); err != nil {
		return "", 0, err
	}
	var n int
	a := &Appeal{ID: newID(), HolderID: holderID, Text: text, State: AppealOpen}
	err := s.cfg.Store.Update(ctx, func(tx Tx) error {
		h, err := tx.Holder(holderID)
		if err != nil {
			return err
		}
		now := s.now()
		a.OpenedAt = now
		if err := tx.InsertAppeal(a); err != nil {
			return err
		}
		h.OpenAppeals++
		n, err = s.apply(tx, h, h.Status, h.Name, now, by.Actor(), "", "appeal "+a.ID+" opened")
		return err
	})
	if err != nil {
		return "", 0, err
	}
	return a.ID, n, nil
}

// Resolution is the outcome of an appeal. An upheld appeal sets the
// colour (with its reason), the name, or both.
type Resolution struct {
	Outcome AppealState // AppealUpheld or AppealRejected
	Colour  pass.Colour // upheld: the new colour, or 0 to keep it
	Reason  pass.Reason // with a yellow or red Colour
	Name    string      // upheld: the corrected name, or "" to keep it
	Note    string
}

// ResolveAppeal closes an open appeal. Upheld applies the new status or
// name; either way appeal_pending goes once no appeal of the holder is
// open. It returns the number of passes revoked.
func (s *Service) ResolveAppeal(ctx context.Context, by Principal, appealID string, r Resolution) (int, error) {
	switch r.Outcome {
	case AppealUpheld:
		if r.Colour == 0 && r.Name == "" {
			return 0, Errorf(InvalidField, "an upheld appeal needs a colour or a name")
		}
		if r.Colour != 0 {
			if err := (Status{Colour: r.Colour, Reason: r.Reason}).check(); err != nil {
				return 0, err
			}
		} else if r.Reason != 0 {
			return 0, Errorf(InvalidReason, "a reason needs a colour")
		}
		if r.Name != "" {
			if _, err := pass.NormalizeName(r.Name); err != nil {
				return 0, &Error{Code: InvalidName, Err: err}
			}
		}
	case AppealRejected:
		if r.Colour != 0 || r.Reason != 0 || r.Name != "" {
			return 0, Errorf(InvalidField, "a rejected appeal changes nothing")
		}
	default:
		return 0, Errorf(InvalidField, "outcome must be upheld or rejected")
	}
	if err := checkText(InvalidField, "note", r.Note, MaxNoteLen); err != nil {
		return 0, err
	}
	// Lock the holder before the appeal, as every change locks a holder
	// before its other rows (SPEC §15): first read whose appeal it is
	// (that never changes).
	var holderID string
	err := s.cfg.Store.View(ctx, func(tx Tx) error {
		a, err := tx.Appeal(appealID)
		if err == nil {
			holderID = a.HolderID
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	var n int
	err = s.cfg.Store.Update(ctx, func(tx Tx) error {
		h, err := tx.Holder(holderID)
		if err != nil {
			return err
		}
		a, err := tx.Appeal(appealID)
		if err != nil {
			return err
		}
		if a.State != AppealOpen {
			return Errorf(AppealResolved, "appeal %s was %s", a.ID, a.State)
		}
		now := s.now()
		a.State, a.Note, a.ResolvedAt, a.ResolvedBy = r.Outcome, r.Note, now, by.Actor()
		if err := tx.SaveAppeal(a); err != nil {
			return err
		}
		h.OpenAppeals--
		st, name := h.Status, h.Name
		if r.Colour != 0 {
			st.Colour, st.Reason = r.Colour, r.Reason
		}
		if r.Name != "" {
			name = r.Name
		}
		n, err = s.apply(tx, h, st, name, now, by.Actor(), "", "appeal "+a.ID+" "+string(r.Outcome))
		return err
	})
	return n, err
}

// Pass returns the holder's current pass, issuing a new one if there is
// none, if the status or name changed since it was issued, or if less than
// the re-issue fraction of its lifetime remains. fresh reports whether the
// pass was issued by this call.
func (s *Service) Pass(ctx context.Context, holderID string) (rec *PassRecord, fresh bool, err error) {
	if s.cfg.Issuer == nil {
		return nil, false, Errorf(Unavailable, "the registry has no issuer key")
	}
	// Read, sign outside any transaction (so that signing runs on every
	// core and holds no lock), then store the pass if the holder has not
	// changed meanwhile; if it has, start again.
	for range 5 {
		var h *Holder
		now := s.now()
		err = s.cfg.Store.View(ctx, func(tx Tx) error {
			var err error
			if h, err = tx.Holder(holderID); err != nil {
				return err
			}
			rec, err = tx.CurrentPass(h.ID)
			return err
		})
		if err != nil {
			return nil, false, err
		}
		if rec != nil && rec.Version == h.Version && !s.due(rec, now) {
			return rec, false, nil
		}
		if rec, err = s.issue(h, now); err != nil {
			return nil, false, err
		}
		// Store it, in one transaction with the passes of concurrent
		// calls (passgroup.go), if the holder is still as read.
		out := s.store(ctx, h, now, rec)
		if out.err != nil {
			return nil, false, out.err
		}
		if out.stored {
			return out.rec, out.fresh, nil
		}
	}
	return nil, false, Errorf(Unavailable, "the holder's status kept changing while a pass was issued; try again")
}

// due reports whether p should be re-issued at now.
func (s *Service) due(p *PassRecord, now time.Time) bool {
	life := p.ExpiresAt.Sub(p.IssuedAt)
	return p.ExpiresAt.Sub(now)*1000 <= life*time.Duration(s.perMille)
}

// issue signs a new pass for h's current status and name.
func (s *Service) issue(h *Holder, now time.Time) (*PassRecord, error) {
	var digest []byte
	if h.PhotoDigest != "" {
		digest, _ = hex.DecodeString(h.PhotoDigest)
	}
	c := issuer.Claims{
		Name: h.Name, PhotoDigest: digest, PhotoID: h.PhotoRef,
		Colour: h.Status.Colour, Reason: h.Status.Reason, Hints: h.Status.Hints,
		Validity: s.cfg.Validity, IssuedAt: now,
	}
	if h.PublicKey != "" {
		// A holder with a key has only passes bound to it (SPEC §15).
		k, err := holderKey(h.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("registry: holder %s: %w", h.ID, err)
		}
		c.HolderKey = k
	}
	text, p, err := s.cfg.Issuer.IssuePass(c)
	if err != nil {
		return nil, fmt.Errorf("registry: issuing for holder %s: %w", h.ID, err)
	}
	return &PassRecord{
		ID: p.ID.String(), HolderID: h.ID, Issuer: p.Issuer, KID: s.kid,
		IssuedAt: p.IssuedAt.UTC(), ExpiresAt: p.ExpiresAt.UTC(), Status: h.Status, Version: h.Version, Text: text,
	}, nil
}

// Holder returns a holder, its history, passes and appeals, for reading.
func (s *Service) Holder(ctx context.Context, id string) (h *Holder, hist []Change, passes []PassRecord, appeals []Appeal, err error) {
	err = s.cfg.Store.View(ctx, func(tx Tx) error {
		var err error
		if h, err = tx.Holder(id); err != nil {
			return err
		}
		if hist, err = tx.History(id); err != nil {
			return err
		}
		if passes, err = tx.Passes(id); err != nil {
			return err
		}
		appeals, err = tx.Appeals(id)
		return err
	})
	return
}

// AddIssuer adds or replaces an issuer (with its keys) that bundles this
// registry publishes trust, and whose revocation exports it accepts.
func (s *Service) AddIssuer(ctx context.Context, is bundle.Issuer) error {
	if err := pass.CheckIssuer(is.ID); err != nil {
		return &Error{Code: InvalidField, Err: err}
	}
	return s.cfg.Store.Update(ctx, func(tx Tx) error { return tx.PutIssuer(&is) })
}

// EnsureIssuerKey makes sure issuer iss is known with key pub: it adds the
// issuer (named by its ID, with the default lifetime and all colours) if it
// is missing, and the key if the issuer lacks it.
func (s *Service) EnsureIssuerKey(ctx context.Context, iss string, pub crypto.PublicKey) error {
	der, err := keys.MarshalPublic(pub)
	if err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	return s.cfg.Store.Update(ctx, func(tx Tx) error {
		all, err := tx.Issuers()
		if err != nil {
			return err
		}
		for _, is := range all {
			if is.ID != iss {
				continue
			}
			for _, k := range is.Keys {
				if d, _ := keys.MarshalPublic(k.Public); string(d) == string(der) {
					return nil
				}
			}
			is.Keys = append(is.Keys, bundle.IssuerKey{Public: pub})
			return tx.PutIssuer(&is)
		}
		return tx.PutIssuer(&bundle.Issuer{
			ID: iss, Name: bundle.Label{ZH: iss, EN: iss}, Keys: []bundle.IssuerKey{{Public: pub}},
			MaxLifetime: 7 * 24 * time.Hour, Colours: []pass.Colour{pass.Green, pass.Yellow, pass.Red},
		})
	})
}

// LoadSecret reads the registry secret from path, creating the file (32
// random bytes, mode 0600) if it does not exist; created reports that.
func LoadSecret(path string) (secret []byte, created bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		data = make([]byte, 32)
		rand.Read(data)
		if err := atomicfile.Create(path, data, 0o600); err != nil {
			return nil, false, fmt.Errorf("registry: creating the secret: %w", err)
		}
		return data, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("registry: %w", err)
	}
	return data, false, nil
}

// holderKey returns the P-256 key of a holder's public_key (base64 DER).
func holderKey(b64 string) (*ecdsa.PublicKey, error) {
	der, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errors.New("public_key is not base64")
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("public_key: %w", err)
	}
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok || k.Curve != elliptic.P256() {
		return nil, fmt.Errorf("public_key is a %T, not a P-256 key a pass can bind", pub)
	}
	return k, nil
}

// HolderByLink returns the ID of the holder whose link token is link. It
// returns an *Error with code HolderNotFound if there is none.
func (s *Service) HolderByLink(ctx context.Context, link string) (string, error) {
	if len(link) > 128 {
		return "", Errorf(HolderNotFound, "no holder has this link token")
	}
	var id string
	err := s.cfg.Store.View(ctx, func(tx Tx) error {
		h, err := tx.HolderByLink(HashToken(link))
		if err == nil {
			id = h.ID
		}
		return err
	})
	return id, err
}

// Enrol binds the holder key key (a compressed P-256 point, SPEC §14.1)
// to the holder and returns the holder's pass, bound to it. A holder
// without a key takes key in one transaction: the key, a new version with
// a history row, the revocation of every earlier pass (they are not
// bound to the key), and the new pass. Enrolling the key the holder
// already has returns its current pass, as Pass does. A holder whose key
// is another one is refused with code AlreadyEnrolled: a holder moves to
// a new phone only by a new link (SPEC §15).
func (s *Service) Enrol(ctx context.Context, holderID string, key []byte) (*PassRecord, error) {
	if s.cfg.Issuer == nil {
		return nil, Errorf(Unavailable, "the registry has no issuer key")
	}
	pub, err := pass.ParseHolderKey(key)
	if err != nil {
		return nil, &Error{Code: InvalidField, Err: err}
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	b64 := base64.StdEncoding.EncodeToString(der)
	var rec *PassRecord
	same := false
	err = s.cfg.Store.Update(ctx, func(tx Tx) error {
		h, err := tx.Holder(holderID)
		if err != nil {
			return err
		}
		if h.PublicKey != "" {
			if !sameKey(h.PublicKey, der) {
				return Errorf(AlreadyEnrolled, "the holder has another holder key")
			}
			same = true
			return nil
		}
		now := s.now()
		h.PublicKey = b64
		h.Version++
		h.ChangedAt = now
		if err := tx.SaveHolders([]*Holder{h}); err != nil {
			return err
		}
		if err := tx.AddChanges([]Change{{HolderID: h.ID, Version: h.Version, At: now, Status: h.Status, Name: h.Name, Actor: Principal{HolderID: h.ID}.Actor(), Why: "holder key enrolled"}}); err != nil {
			return err
		}
		if _, err := tx.RevokePasses([]string{h.ID}, now); err != nil {
			return err
		}
		if rec, err = s.issue(h, now); err != nil {
			return err
		}
		ok, err := tx.InsertPasses([]*PassRecord{rec})
		if err == nil && !ok[0] {
			err = fmt.Errorf("registry: the enrolment pass of holder %s was not stored", h.ID)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if same {
		rec, _, err = s.Pass(ctx, holderID)
	}
	return rec, err
}

// Renew returns the holder's current pass (as Pass) if key is the
// holder's holder key, and otherwise an *Error with code NotEnrolled.
func (s *Service) Renew(ctx context.Context, holderID string, key []byte) (*PassRecord, error) {
	var h *Holder
	err := s.cfg.Store.View(ctx, func(tx Tx) error {
		var err error
		h, err = tx.Holder(holderID)
		return err
	})
	if err != nil {
		return nil, err
	}
	pub, err := pass.ParseHolderKey(key)
	if err != nil {
		return nil, &Error{Code: InvalidField, Err: err}
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil || h.PublicKey == "" || !sameKey(h.PublicKey, der) {
		return nil, Errorf(NotEnrolled, "the key is not the holder's holder key")
	}
	rec, _, err := s.Pass(ctx, holderID)
	return rec, err
}

// sameKey reports whether the base64 DER key b64 is the key der.
func sameKey(b64 string, der []byte) bool {
	d, err := base64.StdEncoding.DecodeString(b64)
	return err == nil && bytes.Equal(d, der)
}
