package source

import (
	"crypto"
	"errors"
)

// KeyCheckError is CheckKeyFile's error for a key that the file does not
// let sign for the issuer: the file, and CheckKey's *Error, of code
// UnknownIssuer, UnknownKey or WrongIssuer.
type KeyCheckError struct {
	Path string
	Err  *Error
}

// Error returns "PATH: DETAIL", such as "trust.json: no issuer 31000 (it
// lists 310000, 320000)".
func (e *KeyCheckError) Error() string { return e.Path + ": " + e.Err.Detail }

// Unwrap returns CheckKey's *Error, so errors.Is(err, source.UnknownKey)
// works.
func (e *KeyCheckError) Unwrap() error { return e.Err }

// Hint says what the operator who issues a pass can do.
func (e *KeyCheckError) Hint() string {
	return "verifiers using this trust would reject the pass; check -key and -iss (hufu issue)"
}

// CheckKeyFile is CheckKey on the file at path, of at most MaxSize bytes:
// a key the file does not let sign for iss is a *KeyCheckError; a file of
// none of the kinds CheckKey reads is its NotTrust *Error; an error
// reading the file is returned as it is.
func CheckKeyFile(path string, pub crypto.PublicKey, iss string) error {
	data, err := readLimited(path, MaxSize)
	if err != nil {
		return err
	}
	err = CheckKey(data, pub, iss)
	var se *Error
	if errors.As(err, &se) && se.Code != NotTrust {
		return &KeyCheckError{Path: path, Err: se}
	}
	return err
}
