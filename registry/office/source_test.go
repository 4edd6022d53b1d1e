package office_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/bundle/source"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/registry"
	"github.com/hufu-project/hufu/registry/office"
	"github.com/hufu-project/hufu/registry/registrytest"
)

// TestSource: an office opened for Source with the database alone writes
// a bundle source that "hufu bundle sign" reads, merging another office's
// export; each source takes the next bundle number; a registry that knows
// no issuer writes nothing.
func TestSource(t *testing.T) {
	for _, b := range registrytest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			dir := t.TempDir()
			jsKey, _ := keyFile(t, dir, "js.key", keys.ES256)
			js, err := office.Open(t.Context(), office.Export, office.Config{DB: b.DSN(t), IssuerID: "320000", KeyFile: jsKey, Log: quiet})
			if err != nil {
				t.Fatal(err)
			}
			defer js.Close()
			rev := filepath.Join(dir, "js.rev")
			if _, err := js.Export(t.Context(), rev); err != nil {
				t.Fatal(err)
			}
			sh, err := office.Open(t.Context(), office.Source, office.Config{DB: b.DSN(t), MergeFiles: []string{rev}, Log: quiet})
			if err != nil {
				t.Fatal(err)
			}
			defer sh.Close()
			path := filepath.Join(dir, "src.json")
			if _, err := sh.Source(t.Context(), path); registry.ErrorCode(err) != registry.Unavailable {
				t.Errorf("source of a registry without issuers: %v, want unavailable", err)
			}
			if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the refused source left a file: %v", err)
			}
			js1 := bundle.Issuer{ID: "320000", Name: bundle.Label{ZH: "江苏省", EN: "Jiangsu"}, MaxLifetime: 168 * time.Hour, Colours: []pass.Colour{pass.Green}}
			if err := sh.AddIssuer(t.Context(), &js1, []string{jsKey + ".pub"}); err != nil {
				t.Fatal(err)
			}
			for want := uint64(0); want < 2; want++ {
				src, err := sh.Source(t.Context(), path)
				if err != nil {
					t.Fatal(err)
				}
				got, err := source.Read(path)
				if err != nil || got.Seq != want || src.Seq != want || len(got.Issuers) != 1 || got.Issuers[0].ID != "320000" || len(got.Issuers[0].Keys) != 1 {
					t.Fatalf("source %d: %+v, %v; want seq %d and Jiangsu with its key", want+1, got, err, want)
				}
			}
		})
	}
}
