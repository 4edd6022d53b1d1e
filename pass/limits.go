package pass

// Sizes and limits of the HF1 claims. SPEC.md lists the same numbers.
const (
	MinIDSize       = 8    // shortest pass ID (cti)
	MaxIDSize       = 16   // longest pass ID
	NameHashSize    = 12   // name hash length
	PhotoDigestSize = 16   // photo digest length
	HolderKeySize   = 33   // holder key: a compressed P-256 point (SEC 1 §2.3.3)
	MaxIssuerLen    = 32   // longest issuer ID, in bytes
	MaxPhotoIDLen   = 12   // longest photo ID, in bytes
	MaxNameInput    = 1024 // longest name given to NormalizeName, in bytes
	MaxNameLen      = 256  // longest normalised name, in bytes
	MaxClaims       = 32   // most claims (map pairs) in a claims set
	MaxClaimsSize   = 1024
	// MaxExtensionDepth bounds the nesting of an ignored extension claim's
	// value: with the claims map at level 0 and the value at level 1,
	// containers may sit at levels 1 to MaxExtensionDepth-1 (three levels of
	// arrays or maps).
	MaxExtensionDepth = 4
	// MaxTime is the latest time a claim may carry (9999-12-31T23:59:59Z).
	MaxTime = 253402300799
)

// Claim keys. Keys 1–7 are the registered CWT claims (RFC 8392); the pass's
// own claims use small negative keys so that they take one byte each.
const (
	KeyIss         = 1
	KeyExp         = 4
	KeyIat         = 6
	KeyCti         = 7
	KeyColour      = -1
	KeyNameHash    = -2
	KeyPhotoDigest = -3
	KeyPhotoID     = -4
	KeyReason      = -5
	KeyHints       = -6
	KeyHolderKey   = -7
	// MinExtensionKey is the smallest key of an extension claim: a verifier
	// that does not know such a claim checks its form and ignores it. Any
	// other key it does not know makes the claims set invalid.
	MinExtensionKey = 256
)
