package registry_test

import (
	"strings"
	"testing"

	"github.com/hufu-project/hufu/registry"
)

// TestJSONProgress: one versioned JSON object a line, the version first.
func TestJSONProgress(t *testing.T) {
	var b strings.Builder
	report := registry.JSONProgress(&b)
	report(registry.ReissueProgress{Total: 5})
	report(registry.ReissueProgress{Done: 5, Total: 5, Issued: 4, Skipped: 1})
	want := `{"hufu_reissue":1,"done":0,"total":5,"issued":0,"skipped":0}` + "\n" +
		`{"hufu_reissue":1,"done":5,"total":5,"issued":4,"skipped":1}` + "\n"
	if b.String() != want {
		t.Errorf("got\n%swant\n%s", b.String(), want)
	}
}
