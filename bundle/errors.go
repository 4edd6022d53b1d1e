package bundle

// Reason is a stable, snake_case code for why a bundle was not opened or
// not installed. A Reason is itself an error, so errors.Is(err,
// bundle.UnknownRoot) works.
type Reason string

const (
	TooLarge           Reason = "too_large"           // the file is larger than MaxSize
	BadCOSE            Reason = "bad_cose"            // not a COSE_Sign1 message of the HF1 form
	UnsupportedAlg     Reason = "unsupported_alg"     // signed with an algorithm other than ES256 and EdDSA
	UnknownRoot        Reason = "unknown_root"        // no pinned root has the signer's kid and algorithm
	BadSignature       Reason = "bad_signature"       // no pinned root with that kid verifies the signature
	UnsupportedVersion Reason = "unsupported_version" // a format version other than Version (RevocationsVersion for an export)
	BadPayload         Reason = "bad_payload"         // the signed contents are malformed or break a rule
	Rollback           Reason = "rollback"            // not newer than the bundle it would replace

	// Revocation exports (OpenRevocations, MergeRevocations).
	WrongKind     Reason = "wrong_kind"     // a revocation export where a bundle was expected, or the reverse
	UnknownKey    Reason = "unknown_key"    // no given issuer key has the export signer's kid and algorithm
	UnknownIssuer Reason = "unknown_issuer" // an export's issuer is not in the bundle contents
)

// Error returns the code itself.
func (r Reason) Error() string { return string(r) }

// Error is the error Open, InspectUnverified, Sign, Replaces,
// SignRevocations, OpenRevocations and MergeRevocations return.
type Error struct {
	Reason Reason
	Detail string
	Err    error // the underlying error, if any
}

func (e *Error) Error() string {
	msg := "bundle: " + string(e.Reason)
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
