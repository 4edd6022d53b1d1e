// Package verdictschema checks JSON documents against the verdict's JSON
// Schema (verdict.Schema), for tests: every front end that prints a
// verdict validates what it prints. It uses santhosh-tekuri/jsonschema, a
// full draft 2020-12 validator, so that the schema file itself is what is
// tested, not a reading of it.
package verdictschema

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hufu-project/hufu/verdict"
)

const url = "https://hufu-project.github.io/schema/verdict.v2.json"

var (
	once     sync.Once
	schema   *jsonschema.Schema
	decision *jsonschema.Schema
	err      error
)

func compile() {
	doc, e := jsonschema.UnmarshalJSON(bytes.NewReader(verdict.Schema))
	if e != nil {
		err = e
		return
	}
	c := jsonschema.NewCompiler()
	if err = c.AddResource(url, doc); err != nil {
		return
	}
	if schema, err = c.Compile(url); err != nil {
		return
	}
	decision, err = c.Compile(url + "#/properties/decision")
}

// Validate checks one JSON verdict.
func Validate(doc []byte) error { return validate(&schema, doc) }

// ValidateDecision checks one decision word, as JSON (`"admit"`).
func ValidateDecision(doc []byte) error { return validate(&decision, doc) }

func validate(s **jsonschema.Schema, doc []byte) error {
	once.Do(compile)
	if err != nil {
		return fmt.Errorf("verdictschema: %w", err)
	}
	v, e := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if e != nil {
		return fmt.Errorf("verdictschema: %w", e)
	}
	return (*s).Validate(v)
}
