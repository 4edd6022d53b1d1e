package verifier

// Reason is a stable, snake_case code for why a pass was not accepted. The
// same codes appear in the CLI's JSON output and in the test vectors.
//
// A Reason is itself an error, so errors.Is(err, verifier.Expired) works.
type Reason string

// Reasons that a code is not a valid pass.
const (
	TooLarge         Reason = "too_large"          // longer than any QR code can hold, or (HC1) inflates to more than 64 KiB
	BadPrefix        Reason = "bad_prefix"         // not "HF1:", "HF1P:" or "HC1:" followed by the code
	BadBase45        Reason = "bad_base45"         // not strict Base45
	BadCompression   Reason = "bad_compression"    // HC1: not a complete, valid zlib stream
	BadCOSE          Reason = "bad_cose"           // not a COSE_Sign1 message of the format
	UnsupportedAlg   Reason = "unsupported_alg"    // an algorithm, or key type, the format does not allow
	UnknownKey       Reason = "unknown_key"        // no trusted key has this kid
	BadSignature     Reason = "bad_signature"      // no trusted key with this kid verifies the signature
	BadPayload       Reason = "bad_payload"        // the signed claims are malformed
	IssuerNotAllowed Reason = "issuer_not_allowed" // the key may not sign for the claimed issuer
	KeyNotValid      Reason = "key_not_valid"      // issued (HC1: or expiring) outside the key's validity window
	KeyUsage         Reason = "key_usage"          // HC1: the signing certificate may not sign this type of certificate
	NotYetValid      Reason = "not_yet_valid"      // issued in the future, beyond the clock skew
	Expired          Reason = "expired"            // expired, beyond the clock skew
	RevokedPass      Reason = "revoked_pass"       // the trust source revokes this pass ID
	RevokedKey       Reason = "revoked_key"        // the trust source revokes the signing key
	PolicyViolation  Reason = "policy_violation"   // breaks a limit the trust source sets for the issuer
	// Presentations (SPEC.md §14).
	PresentationRequired Reason = "presentation_required" // a holder-bound pass shown bare: the holder must show a live presentation
	NotHolderBound       Reason = "not_holder_bound"      // a presentation of a pass that binds no holder key
	BadHolderSignature   Reason = "bad_holder_signature"  // the presentation's signature does not verify with the pass's holder key
	PresentationStale    Reason = "presentation_stale"    // the presentation's time is outside the window of the clock
	ChallengeMismatch    Reason = "challenge_mismatch"    // the presentation does not carry the challenge this verifier showed

	TrustUnavailable Reason = "trust_unavailable" // cannot decide: the trust source failed
	TrustExpired     Reason = "trust_expired"     // cannot decide: the trust source has expired
	ClockBehind      Reason = "clock_behind"      // cannot decide: the clock is earlier than the trust source was issued
)

// Undecided reports whether r means "cannot decide" rather than "invalid":
// the pass may be good, but this verifier cannot tell now.
func (r Reason) Undecided() bool {
	return r == TrustUnavailable || r == TrustExpired || r == ClockBehind
}

// Error returns the code itself.
func (r Reason) Error() string { return string(r) }

// Error is the error Verify returns: a reason code and what went wrong.
type Error struct {
	Reason Reason
	Err    error // the underlying error, if any
	Detail string
}

func (e *Error) Error() string {
	msg := "verifier: " + string(e.Reason)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the reason and the underlying error, so that errors.Is
// matches either.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Reason}
	}
	return []error{e.Reason, e.Err}
}

func fail(r Reason, err error, detail string) *Error {
	return &Error{Reason: r, Err: err, Detail: detail}
}
