package office_test

import (
	"context"
	"crypto"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/registry"
	"github.com/hufu-project/hufu/registry/office"
	"github.com/hufu-project/hufu/registry/registrytest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// keyFile writes a new private key to dir/name (mode 0600, and name.pub)
// and returns its path and public key.
func keyFile(t *testing.T, dir, name string, alg keys.Alg) (string, crypto.PublicKey) {
	t.Helper()
	priv, err := keys.Generate(alg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := keys.WriteKeyPair(path, priv, false); err != nil {
		t.Fatal(err)
	}
	return path, priv.Public()
}

func hintOf(err error) string {
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}

func errCode(err error) office.Code {
	var e *office.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// TestOpenNeeds: each task refuses a Config without what it needs, before
// it touches the database; an unknown task is refused too.
func TestOpenNeeds(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "r.db")
	full := office.Config{DB: db, IssuerID: "310000", KeyFile: "k", RootFile: "root", SecretFile: "s", OutDir: "www"}
	for _, c := range []struct {
		task office.Task
		drop func(*office.Config)
		want string // in the message
	}{
		{office.Serve, func(c *office.Config) { c.KeyFile = "" }, "serve needs an issuing key"},
		{office.Serve, func(c *office.Config) { c.IssuerID, c.SecretFile = "", "" }, "serve needs an issuer ID and a secret file"},
		{office.Reissue, func(c *office.Config) { c.IssuerID = "" }, "reissue needs an issuer ID"},
		{office.Publish, func(c *office.Config) { c.RootFile, c.OutDir = "", "" }, "publish needs a root key and an output directory"},
		{office.Export, func(c *office.Config) { c.KeyFile = "" }, "export needs an issuing key"},
		{office.Token, func(c *office.Config) { c.DB = "" }, "token needs a database"},
	} {
		cfg := full
		c.drop(&cfg)
		_, err := office.Open(t.Context(), c.task, cfg)
		if errCode(err) != office.Missing || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %s (%q)", c.task, err, office.Missing, c.want)
		}
	}
	if _, err := office.Open(t.Context(), "bogus", full); errCode(err) != office.UnknownTask {
		t.Errorf("task bogus: %v, want %s", err, office.UnknownTask)
	}
	if office.Task("bogus").Known() || !office.Publish.Known() {
		t.Error("Known is wrong")
	}
	if _, err := os.Stat(db); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a refused Config created the database: %v", err)
	}
}

// TestOpenKeys: a key file others can read is a warning with a hint, not
// a refusal; a public key or a missing file where a private key belongs is
// a BadFile error.
func TestOpenKeys(t *testing.T) {
	dir := t.TempDir()
	key, _ := keyFile(t, dir, "issuer.key", keys.ES256)
	cfg := office.Config{DB: filepath.Join(dir, "r.db"), IssuerID: "310000", KeyFile: key, Log: quiet}

	os.Chmod(key, 0o644)
	var warned []error
	cfg.Warn = func(err error) { warned = append(warned, err) }
	o, err := office.Open(t.Context(), office.Reissue, cfg)
	if err != nil {
		t.Fatal(err)
	}
	o.Close()
	if len(warned) != 1 || errCode(warned[0]) != office.ExposedKey || !errors.Is(warned[0], keys.ErrReadableByOthers) ||
		warned[0].(*office.Error).Hint() != "chmod 600 "+key {
		t.Fatalf("warnings %v, want one %s with a chmod hint", warned, office.ExposedKey)
	}

	// The hint is a command to paste: a path with a space is quoted.
	spaced := filepath.Join(dir, "my key")
	if err := os.Rename(key, spaced); err != nil {
		t.Fatal(err)
	}
	warned, cfg.KeyFile = nil, spaced
	if o, err = office.Open(t.Context(), office.Reissue, cfg); err != nil {
		t.Fatal(err)
	}
	o.Close()
	if len(warned) != 1 || hintOf(warned[0]) != "chmod 600 '"+spaced+"'" {
		t.Errorf("warnings %v, want one whose hint is the chmod with the path quoted", warned)
	}
	if err := os.Rename(spaced, key); err != nil {
		t.Fatal(err)
	}

	cfg.KeyFile = key + ".pub"
	_, err = office.Open(t.Context(), office.Reissue, cfg)
	if errCode(err) != office.BadFile || !strings.Contains(err.Error(), "is a public key, not a private key") || err.(*office.Error).Hint() == "" {
		t.Errorf("a public key as the issuing key: %v", err)
	}
	cfg.KeyFile = filepath.Join(dir, "nosuch")
	if _, err = office.Open(t.Context(), office.Reissue, cfg); errCode(err) != office.BadFile || !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, office.BadFile) {
		t.Errorf("a missing key file: %v", err)
	}
	cfg.KeyFile, cfg.MergeFiles = key, []string{filepath.Join(dir, "nosuch.rev")}
	if _, err = office.Open(t.Context(), office.Reissue, cfg); errCode(err) != office.BadFile || !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, office.BadFile) {
		t.Errorf("a missing merge file: %v", err)
	}

	// A bundle root key (hufu keygen -root) never signs passes; as the
	// root key it is what publishing wants.
	rootPriv, err := keys.Generate(keys.EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	rootKey := filepath.Join(dir, "root.key")
	if err := keys.WriteKeyPair(rootKey, rootPriv, true); err != nil {
		t.Fatal(err)
	}
	cfg.KeyFile, cfg.MergeFiles = rootKey, nil
	if _, err = office.Open(t.Context(), office.Reissue, cfg); !errors.Is(err, office.RootKey) || !strings.Contains(err.Error(), "bundle root key") ||
		!strings.Contains(hintOf(err), "issuer key") {
		t.Errorf("a root key as the issuing key: %v (hint %q), want %s", err, hintOf(err), office.RootKey)
	}
	pub := office.Config{DB: cfg.DB, RootFile: rootKey, OutDir: filepath.Join(dir, "www"), Log: quiet}
	if o, err = office.Open(t.Context(), office.Publish, pub); err != nil {
		t.Errorf("a root key as the root key: %v", err)
	} else {
		o.Close()
	}
}

// TestServe: Open(Serve) creates the secret once (mode 0600, with a
// warning to back it up), builds the
// issuer, and Serve records the issuing key and answers until ctx ends;
// Reissue works only on an office opened with an issuer.
func TestServe(t *testing.T) {
	for _, b := range registrytest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			dir := t.TempDir()
			key, _ := keyFile(t, dir, "issuer.key", keys.ES256)
			var warned []error
			cfg := office.Config{DB: b.DSN(t), IssuerID: "310000", KeyFile: key, SecretFile: filepath.Join(dir, "registry.secret"), Log: quiet,
				Warn: func(err error) { warned = append(warned, err) }}
			// A run refused for its issuer ID leaves no secret behind.
			bad := cfg
			bad.IssuerID = "31 00"
			if _, err := office.Open(t.Context(), office.Serve, bad); err == nil {
				t.Fatal("Open with issuer ID \"31 00\": no error")
			}
			if _, err := os.Stat(cfg.SecretFile); !errors.Is(err, fs.ErrNotExist) || len(warned) != 0 {
				t.Fatalf("after a refused Open: secret file %v, warnings %v", err, warned)
			}
			for i, wantCreated := range []bool{true, false} {
				warned = nil
				o, err := office.Open(t.Context(), office.Serve, cfg)
				if err != nil {
					t.Fatal(err)
				}
				newSecret := len(warned) == 1 && errCode(warned[0]) == office.NewSecret && hintOf(warned[0]) != ""
				if o.SecretCreated != wantCreated || newSecret != wantCreated || !wantCreated && len(warned) != 0 {
					t.Errorf("open %d: SecretCreated %v, warnings %v", i+1, o.SecretCreated, warned)
				}
				if i == 1 {
					ctx, cancel := context.WithCancel(t.Context())
					done := make(chan error, 1)
					go func() {
						done <- o.Serve(ctx, "127.0.0.1:0", 0, func(net.Addr) { cancel() })
					}()
					select {
					case err := <-done:
						if err != nil {
							t.Errorf("Serve: %v", err)
						}
					case <-time.After(30 * time.Second):
						t.Fatal("Serve did not return after ctx ended")
					}
				}
				o.Close()
			}
			if st, err := os.Stat(cfg.SecretFile); err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("secret file: %v, %v", st, err)
			}
			o, err := office.Open(t.Context(), office.Reissue, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			if _, err := o.Service.Reissue(t.Context(), 1, nil); err != nil {
				t.Errorf("Reissue with the office's issuer: %v", err)
			}
			tok, err := office.Open(t.Context(), office.Token, office.Config{DB: cfg.DB, Log: quiet})
			if err != nil {
				t.Fatal(err)
			}
			defer tok.Close()
			if _, err := tok.Service.Reissue(t.Context(), 1, nil); registry.ErrorCode(err) != registry.Unavailable {
				t.Errorf("Reissue without an issuer: %v", err)
			}
			if _, err := tok.Service.CreateOperator(t.Context(), "feed", registry.Health); err != nil {
				t.Errorf("CreateOperator: %v", err)
			}
		})
	}
}

// TestExportPublish: one office exports its revocations to a file, another
// that lists its issuer (from its public key file; a private key file is
// refused with a hint) merges the file into the bundle it publishes; an
// export the second does not trust is refused (registry.Refused).
func TestExportPublish(t *testing.T) {
	for _, b := range registrytest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			dir := t.TempDir()
			jsKey, jsPub := keyFile(t, dir, "js.key", keys.ES256)
			root, _ := keyFile(t, dir, "root.key", keys.EdDSA)
			js, err := office.Open(t.Context(), office.Export, office.Config{DB: b.DSN(t), IssuerID: "320000", KeyFile: jsKey, Log: quiet})
			if err != nil {
				t.Fatal(err)
			}
			defer js.Close()
			rev := filepath.Join(dir, "js.rev")
			if n, err := js.Export(t.Context(), rev); err != nil || n != 0 {
				t.Fatalf("Export: %d, %v", n, err)
			}
			if data, err := os.ReadFile(rev); err != nil || len(data) == 0 {
				t.Fatalf("the export file: %d bytes, %v", len(data), err)
			}

			shDB := b.DSN(t)
			out := filepath.Join(dir, "www")
			cfg := office.Config{DB: shDB, RootFile: root, OutDir: out, MergeFiles: []string{rev}, Log: quiet}
			sh, err := office.Open(t.Context(), office.Publish, cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, shPub := keyFile(t, dir, "sh.key", keys.ES256)
			err = sh.Service.AddIssuer(t.Context(), bundle.Issuer{ID: "310000", Name: bundle.Label{ZH: "上海市", EN: "Shanghai"},
				Keys: []bundle.IssuerKey{{Public: shPub}}, MaxLifetime: 168 * time.Hour, Colours: []pass.Colour{pass.Green}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := sh.Publish(t.Context()); !registry.Refused(err) {
				t.Errorf("publish merging an export of an issuer not listed: %v, want a refusal", err)
			}
			js1 := bundle.Issuer{ID: "320000", Name: bundle.Label{ZH: "江苏省", EN: "Jiangsu"}, MaxLifetime: 168 * time.Hour, Colours: []pass.Colour{pass.Green}}
			err = sh.AddIssuer(t.Context(), &js1, []string{jsKey + ".pub", jsKey})
			if errCode(err) != office.BadFile || err.(*office.Error).Hint() != "give the public key ("+jsKey+".pub), not the private key" {
				t.Errorf("AddIssuer with a private key file: %v", err)
			}
			if err := sh.AddIssuer(t.Context(), &js1, []string{jsKey + ".pub"}); err != nil || len(js1.Keys) != 1 || !keys.Equal(js1.Keys[0].Public, jsPub) {
				t.Fatalf("AddIssuer: %v, keys %v", err, js1.Keys)
			}
			res, err := sh.Publish(t.Context())
			if err != nil || res.Seq == 0 {
				t.Fatalf("Publish: %+v, %v", res, err)
			}
			if _, err := os.Stat(filepath.Join(out, "bundle.hfb")); err != nil {
				t.Error(err)
			}
			sh.Close()
		})
	}
}
