package registry

import (
	"errors"
	"fmt"
	"net/http"
)

// Code is a stable snake_case error code. The HTTP API returns it as the
// "error" field of a JSON error body; HTTPStatus maps it to a status code.
type Code string

// The error codes. SPEC.md section 15 lists them with their HTTP statuses.
const (
	BadRequest       Code = "bad_request"       // malformed JSON or NDJSON, unknown fields, wrong types
	TooLarge         Code = "too_large"         // the request body is over its limit
	InvalidColour    Code = "invalid_colour"    // not green, yellow or red
	InvalidReason    Code = "invalid_reason"    // an unknown reason code, or a reason on a green status
	InvalidHint      Code = "invalid_hint"      // an unknown hint name
	InvalidName      Code = "invalid_name"      // a name that pass.NormalizeName refuses
	InvalidIDNumber  Code = "invalid_id_number" // a national ID number of the wrong form
	InvalidEventID   Code = "invalid_event_id"  // an empty or over-long event ID
	InvalidField     Code = "invalid_field"     // another field out of range
	Unauthorized     Code = "unauthorized"      // no token, or a token the registry does not know
	Forbidden        Code = "forbidden"         // the token's role may not make this call
	HolderNotFound   Code = "holder_not_found"  // no holder with this ID
	AppealNotFound   Code = "appeal_not_found"  // no appeal with this ID
	NotFound         Code = "not_found"         // no such API path
	MethodNotAllowed Code = "method_not_allowed"
	HolderExists     Code = "holder_exists"    // a holder with this national ID number is registered
	AppealResolved   Code = "appeal_resolved"  // the appeal is no longer open
	NotAcceptable    Code = "not_acceptable"   // an Accept header the call cannot satisfy
	Unavailable      Code = "unavailable"      // the call needs something this server lacks (such as a root key)
	Internal         Code = "internal"         // a fault of the server or its database, not of the request
	AlreadyEnrolled  Code = "already_enrolled" // the holder has another holder key
	NotEnrolled      Code = "not_enrolled"     // the key is not the holder's holder key
)

// HTTPStatus returns the HTTP status code the API answers with for code.
// This is the one place the mapping lives.
func HTTPStatus(code Code) int {
	switch code {
	case BadRequest, InvalidColour, InvalidReason, InvalidHint, InvalidName,
		InvalidIDNumber, InvalidEventID, InvalidField:
		return http.StatusBadRequest
	case TooLarge:
		return http.StatusRequestEntityTooLarge
	case Unauthorized:
		return http.StatusUnauthorized
	case Forbidden:
		return http.StatusForbidden
	case HolderNotFound, AppealNotFound, NotFound:
		return http.StatusNotFound
	case MethodNotAllowed:
		return http.StatusMethodNotAllowed
	case HolderExists, AppealResolved, AlreadyEnrolled, NotEnrolled:
		return http.StatusConflict
	case NotAcceptable:
		return http.StatusNotAcceptable
	case Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Error is the registry's error: a stable code and a human-readable detail.
type Error struct {
	Code   Code
	Detail string
	Err    error // the underlying error, if any
}

func (e *Error) Error() string {
	s := "registry: " + string(e.Code)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, &Error{Code: c}) match any *Error with code c.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Detail == "" && t.Err == nil
}

// Errorf returns an *Error with the given code and a formatted detail.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// Refused reports whether err is the registry refusing what it was asked
// (an *Error in err's chain whose code HTTPStatus maps to a 4xx status:
// bad input, an unknown holder or key, a forged export), as opposed to a
// fault of the server, its database or its files (a 5xx status, or no
// *Error at all). "hufu registry" exits with status 1 for a refusal and 2
// otherwise.
func Refused(err error) bool {
	var e *Error
	return errors.As(err, &e) && HTTPStatus(e.Code) < 500
}

// ErrorCode returns the code of err: its *Error's, or Internal.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}
