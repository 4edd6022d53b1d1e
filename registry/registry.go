// Package registry is the dynamic half of an issuing office: it remembers
// holders, their current status and its history, every pass issued to
// them, appeals and operators, and turns status changes into revocations
// in the next trust bundle that guards install.
//
// The package holds the domain types, the rules and the storage interface
// ([Store]); it imports no database driver and no HTTP code. Sub-packages
// implement the rest: registry/sqldb (the SQL, one set of migrations for
// both databases), registry/sqlite and registry/postgres (the drivers),
// and registry/server (the HTTP API). SPEC.md section 15 specifies the
// API, the feed format and the revocation rule.
//
// The rules, all enforced by [Service] inside one database transaction
// each:
//
//   - A status change (colour, reason or hints) or a name change is stored
//     with its history row, and revokes every unexpired pass the holder
//     was issued before it. A holder has at most one live pass.
//   - Two hints are the registry's own: health_registration is set until
//     the holder completes health registration, and appeal_pending while
//     the holder has an open appeal. Whatever a status change asks for,
//     these two follow those facts.
//   - A holder's pass is re-issued when the status or name changed since
//     it was issued, or when less than a configured fraction of its
//     lifetime remains; otherwise the same pass comes back.
//   - Each status change carries an event ID; an event ID seen before is a
//     duplicate and is never applied twice.
//
// [Service.Check] checks a code for the help desk: the verdict (package
// verdict) a guard with the bundle the registry would publish now would
// get, and the registry's record of the pass.
package registry

import (
	"strings"
	"time"

	"github.com/hufu-project/hufu/pass"
)

// Role is what an operator's token may do.
type Role string

// The roles, each allowed the calls SPEC.md section 15 lists.
const (
	Registrar Role = "registrar" // registers holders, records health registration, files appeals
	Health    Role = "health"    // sets statuses, one by one or as a feed
	Appeals   Role = "appeals"   // resolves appeals
	Publisher Role = "publisher" // publishes trust bundles
	Reader    Role = "reader"    // fetches any holder's pass
)

// ParseRole parses a role name.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case Registrar, Health, Appeals, Publisher, Reader:
		return r, nil
	}
	return "", Errorf(InvalidField, "unknown role %q (registrar, health, appeals, publisher or reader)", s)
}

// Status is what a holder's pass says: colour, reason and hints.
type Status struct {
	Colour pass.Colour
	Reason pass.Reason
	Hints  pass.Hints
}

// managedHints are the hints the registry sets itself from facts it
// records (see the package documentation).
const managedHints = pass.HealthRegistration | pass.AppealPending

// Holder is a person the registry issues passes to.
type Holder struct {
	ID          string // opaque, random
	Name        string // as on the passes (the name hash is keyed by each pass ID)
	IDHash      string // hex HMAC-SHA-256 of the national ID number, keyed with the registry secret
	PhotoDigest string // hex pass.PhotoDigest of the photo, or ""
	PhotoRef    string // a short reference to the photo, or ""
	LinkHash    string // hex SHA-256 of the holder's link token
	PublicKey   string // the holder's public key (base64 DER), or ""; for holder-bound passes
	Status      Status
	Version     int64 // number of status or name changes; a pass remembers the version it was issued at
	Registered  bool  // has completed health registration
	OpenAppeals int64 // appeals not yet resolved
	CreatedAt   time.Time
	ChangedAt   time.Time // of the last status or name change
}

// Change is one row of a holder's history: the status (and name) from a
// change on, who made it, and why.
type Change struct {
	HolderID string
	Version  int64 // the holder's version from this change on
	At       time.Time
	Status   Status
	Name     string
	Actor    string // operator name, or "holder"
	EventID  string // the feed or API event ID, or ""
	Why      string // e.g. "status", "registration", "appeal a1b2… opened"
}

// PassRecord is a pass the registry issued.
type PassRecord struct {
	ID        string // hex pass ID
	HolderID  string
	Issuer    string
	KID       string // hex key ID
	IssuedAt  time.Time
	ExpiresAt time.Time
	Status    Status
	Version   int64  // the holder's version when the pass was issued
	Text      string // the pass (HF1:…)
	// RevokedAt is when a status or name change revoked the pass; zero if
	// never. SupersededAt is when a re-issue replaced it without revoking
	// it (it says the same and expires soon); zero if never.
	RevokedAt    time.Time
	SupersededAt time.Time
}

// AppealState is where an appeal stands.
type AppealState string

// The states of an appeal.
const (
	AppealOpen     AppealState = "open"
	AppealUpheld   AppealState = "upheld"
	AppealRejected AppealState = "rejected"
)

// Appeal is a holder's appeal against a colour or a misspelt name.
type Appeal struct {
	ID         string
	HolderID   string
	Text       string
	State      AppealState
	Note       string // the appeals operator's note
	OpenedAt   time.Time
	ResolvedAt time.Time
	ResolvedBy string
}

// Operator is a person or system holding an API token with one role.
type Operator struct {
	Name      string
	Role      Role
	TokenHash string // hex SHA-256 of the token
	CreatedAt time.Time
}

// Principal is who a request comes from: an operator with a role, or a
// holder (Role empty, HolderID set).
type Principal struct {
	Operator string
	Role     Role
	HolderID string
}

// IsHolder reports whether p is a holder using its link token.
func (p Principal) IsHolder() bool { return p.HolderID != "" }

// Actor is the name history rows record for p.
func (p Principal) Actor() string {
	if p.IsHolder() {
		return "holder"
	}
	return p.Operator
}

// Limits on inputs, in one place.
const (
	MaxEventIDLen    = 128
	MaxAppealTextLen = 4000
	MaxNoteLen       = 4000
	MaxPhotoRefLen   = 64
	MaxIDNumberLen   = 32
	MaxOperatorName  = 64
	MaxHolderIDLen   = 64
)

func checkText(code Code, what, s string, max int) error {
	if len(s) > max {
		return Errorf(code, "%s is %d bytes, limit %d", what, len(s), max)
	}
	for _, r := range s {
		if r == 0xfffd || r < 0x20 && r != '\n' || r == 0x7f {
			return Errorf(code, "%s has a control or invalid character", what)
		}
	}
	return nil
}

func checkEventID(id string) error {
	if id == "" {
		return Errorf(InvalidEventID, "event_id is missing")
	}
	if len(id) > MaxEventIDLen || strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
		return Errorf(InvalidEventID, "event_id must be 1 to %d printable ASCII characters without spaces", MaxEventIDLen)
	}
	return nil
}
