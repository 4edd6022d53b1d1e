// Package strictjson decodes JSON strictly: unknown fields, duplicate
// object keys, keys that are not lower-case ASCII (encoding/json would match
// them to fields regardless of case), trailing data, deep nesting and
// oversize input are errors.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Unmarshal decodes data into v, which should be a pointer to a struct.
func Unmarshal(data []byte, v any, maxSize int) error {
	if len(data) > maxSize {
		return fmt.Errorf("json: %d bytes exceed the limit of %d", len(data), maxSize)
	}
	if err := checkDuplicates(data); err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("json: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("json: trailing data after the object")
	}
	return nil
}

const maxDepth = 32

// checkDuplicates walks the token stream and rejects an object that has the
// same key twice, and nesting deeper than maxDepth.
func checkDuplicates(data []byte) error {
	d := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		keys   map[string]bool
		object bool
		expect bool // in an object: the next string token is a key
	}
	var stack []frame
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("json: %s", strings.TrimPrefix(err.Error(), "json: "))
		}
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		isKey := top != nil && top.object && top.expect
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if len(stack) >= maxDepth {
					return fmt.Errorf("json: nesting deeper than %d", maxDepth)
				}
				if top != nil && top.object {
					top.expect = true
				}
				stack = append(stack, frame{keys: map[string]bool{}, object: t == '{', expect: t == '{'})
			default:
				stack = stack[:len(stack)-1]
			}
			continue
		case string:
			if isKey {
				// encoding/json matches field names without regard to
				// case, with Unicode folding ("ſ" matches "s", "K" "k");
				// the formats read here use lower-case ASCII keys only.
				if !lowerASCII(t) {
					return fmt.Errorf("json: key %q is not lower-case ASCII", t)
				}
				if top.keys[t] {
					return fmt.Errorf("json: duplicate key %q", t)
				}
				top.keys[t] = true
				top.expect = false
				continue
			}
		}
		if top != nil && top.object {
			top.expect = true
		}
	}
}

func lowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}
