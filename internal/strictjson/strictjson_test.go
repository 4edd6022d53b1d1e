package strictjson

import (
	"reflect"
	"strings"
	"testing"
)

type inner struct {
	Name string `json:"name"`
	N    int    `json:"n"`
}

type doc struct {
	Version int            `json:"version"`
	Issuers []string       `json:"issuers"`
	Inner   inner          `json:"inner"`
	List    []inner        `json:"list"`
	Any     map[string]any `json:"any"`
}

func TestUnmarshal(t *testing.T) {
	in := `{"version": 1, "issuers": ["a", "b"], "inner": {"name": "x", "n": 2},
		"list": [{"name": "y"}, {"name": "z", "n": 3}], "any": {"k": [1, {"a": {}}]}}` + "\n\t "
	var d doc
	if err := Unmarshal([]byte(in), &d, 1000); err != nil {
		t.Fatal(err)
	}
	want := doc{Version: 1, Issuers: []string{"a", "b"}, Inner: inner{"x", 2},
		List: []inner{{Name: "y"}, {"z", 3}}, Any: map[string]any{"k": []any{1.0, map[string]any{"a": map[string]any{}}}}}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("Unmarshal = %+v\nwant %+v", d, want)
	}
	// The same key in different objects is no duplicate, nor is a key
	// equal to a string value.
	for _, ok := range []string{
		`{"inner": {"name": "n"}, "list": [{"name": "a"}, {"name": "b"}]}`,
		`{"any": {"name": "name", "x": {"name": 1}}}`,
		`{"issuers": ["version", "version"], "version": 1}`,
		`{"any": {"a": [], "b": [[]], "c": {}}}`,
	} {
		var d doc
		if err := Unmarshal([]byte(ok), &d, 1000); err != nil {
			t.Errorf("Unmarshal(%s): %v", ok, err)
		}
	}
}

func TestUnmarshalRejects(t *testing.T) {
	for name, in := range map[string]string{
		"unknown field":                `{"version": 1, "extra": 1}`,
		"unknown nested field":         `{"inner": {"name": "x", "extra": 1}}`,
		"unknown field in array":       `{"list": [{"name": "x"}, {"nam": "y"}]}`,
		"duplicate field":              `{"version": 1, "version": 2}`,
		"duplicate after nested value": `{"version": 1, "inner": {"n": 1}, "version": 1}`,
		"duplicate nested":             `{"inner": {"name": "x", "name": "y"}}`,
		"duplicate in array element":   `{"list": [{"n": 1}, {"n": 1, "n": 2}]}`,
		"duplicate in free map":        `{"any": {"k": 1, "k": 2}}`,
		"duplicate deep in free map":   `{"any": {"a": [{"b": {"c": 1, "c": 1}}]}}`,
		"duplicate via escape":         `{"version": 1, "v\u0065rsion": 2}`,
		"upper-case key":               `{"Version": 1}`,
		"all upper-case key":           `{"VERSION": 1}`,
		"upper-case nested key":        `{"inner": {"Name": "x"}}`,
		"upper-case key in free map":   `{"any": {"K": 1}}`,
		"key folding to a field (ſ)":   `{"iſſuers": ["a"]}`,
		"folding duplicate":            `{"issuers": ["a"], "iſſuers": ["b"]}`,
		"Kelvin sign key":              `{"inner": {"\u212a": 1}}`,
		"trailing object":              `{"version": 1} {}`,
		"trailing garbage":             `{"version": 1} x`,
		"trailing comma":               `{"version": 1},`,
		"trailing number":              `{"version": 1} 1`,
		"two documents":                `{"version": 1}{"version": 2}`,
		"syntax error":                 `{"version": 1,}`,
		"truncated":                    `{"version": 1`,
		"empty":                        ``,
		"not an object":                `[1]`,
		"wrong type":                   `{"version": "1"}`,
		"too deep":                     `{"any": ` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`,
		"too large":                    `{"issuers": ["` + strings.Repeat("a", 1000) + `"]}`,
	} {
		var d doc
		if err := Unmarshal([]byte(in), &d, 1000); err == nil {
			t.Errorf("%s: Unmarshal(%.60s) accepted: %+v", name, in, d)
		}
	}
}

func TestDepthLimit(t *testing.T) {
	nest := func(n int) []byte {
		return []byte(`{"any": {"a": ` + strings.Repeat("[", n-2) + strings.Repeat("]", n-2) + `}}`)
	}
	var d doc
	if err := Unmarshal(nest(maxDepth), &d, 1<<20); err != nil {
		t.Errorf("nesting of exactly %d: %v", maxDepth, err)
	}
	if err := Unmarshal(nest(maxDepth+1), &d, 1<<20); err == nil {
		t.Errorf("nesting of %d accepted", maxDepth+1)
	}
	// Deep input fails fast, whatever its depth.
	deep := []byte(strings.Repeat("[", 1<<19))
	if err := Unmarshal(deep, &d, 1<<20); err == nil {
		t.Error("deep input accepted")
	}
}

func TestSizeLimit(t *testing.T) {
	in := []byte(`{"version": 1}`)
	var d doc
	if err := Unmarshal(in, &d, len(in)); err != nil {
		t.Errorf("input of exactly the limit: %v", err)
	}
	if err := Unmarshal(in, &d, len(in)-1); err == nil {
		t.Error("input one byte over the limit accepted")
	}
}
