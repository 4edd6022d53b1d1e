package issuer

// Code is a stable, snake_case reason why a pass cannot be issued as
// asked. A Code is itself an error, so errors.Is(err, issuer.BadStatus)
// works on every error the package returns for bad input.
type Code string

// The codes of Error.
const (
	// BadStatus: an unknown colour, reason or hint name, or a reason on a
	// green pass (Claims.SetStatus).
	BadStatus Code = "bad_status"
	// BadName: the holder's name is empty, too long, or holds characters
	// pass.NormalizeName refuses.
	BadName Code = "bad_name"
	// BadIssuerID: the issuer ID breaks SPEC.md §4 (pass.CheckIssuer).
	BadIssuerID Code = "bad_issuer_id"
	// BadValidity: the validity is not positive or exceeds the issuer's
	// maximum, or the maximum is not positive.
	BadValidity Code = "bad_validity"
	// BadHolderKey: the holder key is not a P-256 public key.
	BadHolderKey Code = "bad_holder_key"
	// BadClaims: the claims break another rule of SPEC.md §4, such as a
	// photo ID without a photo, or both Photo and PhotoDigest set.
	BadClaims Code = "bad_claims"
	// BadKey: the signing key is of an unsupported kind, or its signer
	// does not sign with the key it claims.
	BadKey Code = "bad_key"
	// RootKey: the key file is a trust bundle root key (ReadKeyFile),
	// which signs trust bundles, never passes.
	RootKey Code = "root_key"
)

// Error implements error.
func (c Code) Error() string { return string(c) }

// Error is the error the package returns for a request it cannot issue:
// a Code, a sentence for people, the underlying error if any, and what
// the operator can do about it (Hint).
type Error struct {
	Code   Code
	Detail string // what is wrong, for people
	Err    error  // the underlying error, or nil
	hint   string
}

// Error returns "issuer: DETAIL", followed by ": ERR" if Err is set.
func (e *Error) Error() string {
	msg := "issuer: " + e.Detail
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the code and, if set, the underlying error.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Code}
	}
	return []error{e.Code, e.Err}
}

// Hint says what the operator can do, naming the hufu command or flag
// that does it; "" if there is nothing more to say than the error.
func (e *Error) Hint() string { return e.hint }

// fail returns an *Error; hint may be "".
func fail(c Code, err error, hint, detail string) *Error {
	return &Error{Code: c, Detail: detail, Err: err, hint: hint}
}
