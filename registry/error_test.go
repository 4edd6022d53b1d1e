package registry_test

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"

	"github.com/hufu-project/hufu/registry"
)

// TestRefused: a refusal is an *Error with a 4xx code, also wrapped; a
// 5xx code, a plain error and nil are not.
func TestRefused(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{registry.Errorf(registry.InvalidField, "x"), true},
		{registry.Errorf(registry.HolderNotFound, "x"), true},
		{fmt.Errorf("publish: %w", registry.Errorf(registry.Forbidden, "x")), true},
		{registry.Errorf(registry.Unavailable, "no root key"), false},
		{registry.Errorf(registry.Internal, "x"), false},
		{fs.ErrNotExist, false},
		{errors.New("registry: validity too short"), false},
		{nil, false},
	} {
		if got := registry.Refused(c.err); got != c.want {
			t.Errorf("Refused(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
