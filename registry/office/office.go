// Package office opens an issuing office's registry from its
// configuration, as a person writes it down: the database by name, the
// issuing and root key files, the registry secret's file and other
// registries' revocation exports. It reads the files, opens and migrates
// the database, builds the issuer and the registry.Config, and returns a
// ready registry.Service with what serving and publishing need beside it.
//
// "hufu registry" is this package with flags; a program that embeds an
// issuing office calls Open instead of assembling the parts itself.
package office

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/bundle/source"
	"github.com/hufu-project/hufu/input"
	"github.com/hufu-project/hufu/internal/atomicfile"
	"github.com/hufu-project/hufu/internal/filekind"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/registry"
	"github.com/hufu-project/hufu/registry/backend"
	"github.com/hufu-project/hufu/registry/server"
	"github.com/hufu-project/hufu/registry/sqldb"
)

// A Task is what an office is opened for. It decides which settings of a
// Config are required and what Open prepares beyond the Service.
type Task string

// The tasks, one per "hufu registry" subcommand.
const (
	// Serve answers the HTTP API (Office.Serve). It needs IssuerID and
	// KeyFile (the Service signs passes), and reads SecretFile, creating
	// it if missing (national ID numbers are hashed with it).
	Serve Task = "serve"
	// Token creates operators (Service.CreateOperator): the database alone.
	Token Task = "token"
	// AddIssuer lists another issuer (Office.AddIssuer): the database
	// alone.
	AddIssuer Task = "add-issuer"
	// Publish writes the next trust bundle (Office.Publish). It needs
	// RootFile and OutDir.
	Publish Task = "publish"
	// Source writes what Publish would sign as a bundle source, for a
	// root key kept offline (Office.Source): the database alone.
	Source Task = "source"
	// Export writes this registry's live revocations (Office.Export). It
	// needs KeyFile.
	Export Task = "export"
	// Reissue re-issues the passes near expiry (Service.Reissue). It needs
	// IssuerID and KeyFile.
	Reissue Task = "reissue"
)

// Tasks are the tasks Open knows, in the order "hufu help registry"
// lists them.
var Tasks = []Task{Serve, Token, AddIssuer, Publish, Source, Export, Reissue}

// Config is an issuing office's configuration. Empty paths are not read;
// Open refuses a Config that lacks what its Task needs.
type Config struct {
	// DB names the database as backend.Open takes it: a postgres:// or
	// postgresql:// URL, or a SQLite file (created if missing).
	DB string
	// IssuerID is this office's issuer ID (pass.CheckIssuer).
	IssuerID string
	// KeyFile is the issuing private key (PKCS#8 PEM): it signs passes
	// and revocation exports.
	KeyFile string
	// RootFile is the root private key: it signs the bundles published.
	RootFile string
	// SecretFile is the registry secret (registry.LoadSecret), read for
	// Serve only, and created (32 random bytes, mode 0600) if missing.
	SecretFile string
	// OutDir is where bundles are published: by Publish, and by Serve
	// when RootFile is given too.
	OutDir string
	// MergeFiles are revocation exports of other registries, merged into
	// every bundle published; each at most bundle.MaxSize bytes.
	MergeFiles []string
	// Validity and ReissueFraction are registry.Config's (zero: the
	// registry's defaults).
	Validity        time.Duration
	ReissueFraction float64
	// Log receives the registry's and the server's logs; nil means
	// slog.Default().
	Log *slog.Logger
	// Warn, if not nil, is told of what the operator should see to but
	// Open does not refuse, as an *Error with a hint: a key file that
	// other users can read (Code ExposedKey), a secret file just created
	// that belongs with the database's backups (Code NewSecret).
	Warn func(error)
}

// An Office is an opened registry: its Service, and the keys and exports
// its configuration gave. Close it when done.
type Office struct {
	Service *registry.Service
	Key     crypto.Signer // the issuing key; nil if Config.KeyFile was empty
	Root    crypto.Signer // the root key; nil if Config.RootFile was empty
	Merge   [][]byte      // the contents of Config.MergeFiles, in order
	// SecretCreated reports that Open created Config.SecretFile: it
	// belongs with the database's backups, as the database refuses any
	// other secret.
	SecretCreated bool

	cfg   Config
	store *sqldb.Store
}

// Open checks cfg against what task needs, reads the key and merge
// files, builds the issuer, opens and migrates the database, then reads
// (or creates) the secret file, last, so that a refused run leaves no new
// secret behind; and returns the office
// with its Service (with an issuer for Serve and Reissue). Its errors are
// an *Error (a Config that cannot be used), a *registry.Error, or the
// error of a file or the database.
func Open(ctx context.Context, task Task, cfg Config) (*Office, error) {
	if err := cfg.check(task); err != nil {
		return nil, err
	}
	o := &Office{cfg: cfg}
	var err error
	if o.Key, err = readKey(cfg.KeyFile, "issuing key", cfg.Warn); err != nil {
		return nil, err
	}
	if o.Root, err = readKey(cfg.RootFile, "root key", cfg.Warn); err != nil {
		return nil, err
	}
	for _, f := range cfg.MergeFiles {
		data, err := input.ReadFile(f, bundle.MaxSize)
		if err != nil {
			return nil, &Error{Code: BadFile, What: "merge file", Err: err}
		}
		o.Merge = append(o.Merge, data)
	}
	rc := registry.Config{IssuerID: cfg.IssuerID, Validity: cfg.Validity, ReissueFraction: cfg.ReissueFraction, Log: cfg.Log}
	if task == Serve || task == Reissue {
		validity := cfg.Validity
		if validity == 0 {
			validity = registry.DefaultValidity
		}
		if rc.Issuer, err = issuer.New(o.Key, cfg.IssuerID, validity); err != nil {
			return nil, err
		}
	}
	if o.store, err = backend.Open(ctx, cfg.DB); err != nil {
		return nil, err
	}
	rc.Store = o.store
	if task == Serve {
		// Last before the registry itself, so that a run refused for its
		// key, issuer ID or database leaves no new secret behind.
		if rc.Secret, o.SecretCreated, err = registry.LoadSecret(cfg.SecretFile); err != nil {
			o.store.Close()
			return nil, err
		}
		if o.SecretCreated && cfg.Warn != nil {
			cfg.Warn(&Error{Code: NewSecret, What: "secret file", Detail: "created " + cfg.SecretFile,
				hint: "keep " + cfg.SecretFile + " with the database's backups: the database refuses any other secret"})
		}
	}
	if o.Service, err = registry.New(ctx, rc); err != nil {
		o.store.Close()
		return nil, err
	}
	return o, nil
}

// check returns an *Error if cfg lacks what task needs.
func (cfg *Config) check(task Task) error {
	var missing []string
	need := func(ok bool, what string) {
		if !ok {
			missing = append(missing, what)
		}
	}
	need(cfg.DB != "", "a database")
	switch task {
	case Serve:
		need(cfg.IssuerID != "", "an issuer ID")
		need(cfg.KeyFile != "", "an issuing key")
		need(cfg.SecretFile != "", "a secret file")
	case Reissue:
		need(cfg.IssuerID != "", "an issuer ID")
		need(cfg.KeyFile != "", "an issuing key")
	case Publish:
		need(cfg.RootFile != "", "a root key")
		need(cfg.OutDir != "", "an output directory")
	case Export:
		need(cfg.KeyFile != "", "an issuing key")
	case Token, AddIssuer, Source:
	default:
		return &Error{Code: UnknownTask, Detail: fmt.Sprintf("%q: want one of %v", task, Tasks)}
	}
	if len(missing) > 0 {
		return &Error{Code: Missing, Detail: fmt.Sprintf("%s needs %s", task, joinAnd(missing))}
	}
	return nil
}

// Known reports whether t is one of Tasks.
func (t Task) Known() bool { return slices.Contains(Tasks, t) }

// joinAnd joins words as "a, b and c".
func joinAnd(words []string) string {
	if n := len(words); n > 1 {
		return strings.Join(words[:n-1], ", ") + " and " + words[n-1]
	}
	return words[0]
}

// readKey reads the private key at path ("" = none); what names it in
// errors. It refuses a trust bundle root key's file (keys.RootMarker) as
// the "issuing key", as issuer.ReadKeyFile does: passes signed with the
// root would make the key that vouches for every issuer an issuer too.
func readKey(path, what string, warn func(error)) (crypto.Signer, error) {
	if path == "" {
		return nil, nil
	}
	key, root, err := keys.ReadPrivateFileRole(path)
	if key != nil && root && what == "issuing key" {
		return nil, &Error{Code: RootKey, What: what, Detail: path + " is a bundle root key; passes are signed with an issuer key",
			hint: "sign passes with an issuer key (hufu keygen -o issuer.key); a root key signs only trust bundles"}
	}
	if errors.Is(err, keys.ErrReadableByOthers) {
		if warn != nil {
			var fe *keys.FileError
			hint := ""
			if errors.As(err, &fe) {
				hint = fe.Hint() // the chmod command, its path quoted for a shell
			}
			warn(&Error{Code: ExposedKey, What: what, Err: err, hint: hint})
		}
		return key, nil
	}
	if err != nil {
		return nil, keyFileError(path, what, filekind.PrivateKey, err)
	}
	return key, nil
}

// keyFileError is the *Error for the key file at path that cannot be
// read as want (filekind.PrivateKey or PublicKey): one that holds
// something else says what it holds, and for the other half of a key
// pair, which file to give instead.
func keyFileError(path, what string, want filekind.Kind, err error) *Error {
	e := &Error{Code: BadFile, What: what, Err: err}
	data, rerr := input.ReadFile(path, input.MaxFile)
	if rerr != nil {
		return e
	}
	switch kind := filekind.Of(data); {
	case kind == filekind.PublicKey && want == filekind.PrivateKey:
		e.hint = "give the private key file that hufu keygen wrote, not its .pub"
	case kind == filekind.PrivateKey && want == filekind.PublicKey:
		e.hint = "give the public key (" + path + ".pub), not the private key"
	case kind == filekind.Unknown || kind == want:
		return e
	}
	e.Err = fmt.Errorf("%s is %s, not %s", path, filekind.Of(data), want)
	return e
}

// AddIssuer lists another issuer in the registry (Service.AddIssuer) with
// the public keys in keyFiles (PEM, keys.ReadPublicFile) appended to
// is.Keys: bundles published will trust them, and the issuer's
// revocation exports can be merged. A key file that cannot be read is an
// *Error with Code BadFile, and then neither is nor the registry changes.
func (o *Office) AddIssuer(ctx context.Context, is *bundle.Issuer, keyFiles []string) error {
	ks := is.Keys
	for _, f := range keyFiles {
		pub, err := keys.ReadPublicFile(f)
		if err != nil {
			return keyFileError(f, "issuer key", filekind.PublicKey, err)
		}
		ks = append(ks[:len(ks):len(ks)], bundle.IssuerKey{Public: pub})
	}
	is.Keys = ks
	return o.Service.AddIssuer(ctx, *is)
}

// Close closes the database.
func (o *Office) Close() error { return o.store.Close() }

// Serve, on an office opened for Serve, records the issuing key under the issuer ID, listens on addr and
// answers the HTTP API until ctx ends (server.ListenAndRun), publishing a
// bundle every publishEvery if positive and the office has a root key and
// an output directory. listening, if not nil, is called with the address
// once it listens.
func (o *Office) Serve(ctx context.Context, addr string, publishEvery time.Duration, listening func(net.Addr)) error {
	return server.ListenAndRun(ctx, server.ListenConfig{
		Options:  server.Options{Service: o.Service, Root: o.Root, OutDir: o.cfg.OutDir, Merge: o.Merge, Log: o.cfg.Log},
		IssuerID: o.cfg.IssuerID, Key: o.Key.Public(), Addr: addr, PublishEvery: publishEvery, Listening: listening,
	})
}

// Publish writes the next trust bundle to the output directory, signed
// with the root key, merging the exports (Service.Publish). Without a
// root key it is a *registry.Error with Code Unavailable.
func (o *Office) Publish(ctx context.Context) (registry.PublishResult, error) {
	return o.Service.Publish(ctx, registry.PublishOptions{Root: o.Root, Dir: o.cfg.OutDir, Merge: o.Merge})
}

// Source writes what Publish would sign now, merging the exports, as a
// bundle source (Service.Source) to path, atomically, mode 0644, for the
// machine that holds the root key offline to sign with "hufu bundle sign
// -key ROOT.key -in SRC.json -o bundle.hfb". It returns the source
// written; its Seq plus one is the number the registry took for it.
func (o *Office) Source(ctx context.Context, path string) (*source.Source, error) {
	src, err := o.Service.Source(ctx, registry.SourceOptions{Merge: o.Merge})
	if err != nil {
		return nil, err
	}
	if err := src.Write(path); err != nil {
		return nil, err
	}
	return src, nil
}

// Export signs this registry's live revocations with the issuing key
// (Service.Export, under the issuer ID, or the issuer the key is listed
// under if the ID is empty) and writes them atomically to path, mode
// 0644. It returns the number of revoked passes written.
func (o *Office) Export(ctx context.Context, path string) (int, error) {
	if o.Key == nil {
		return 0, &Error{Code: Missing, Detail: "export needs an issuing key"}
	}
	data, n, err := o.Service.Export(ctx, o.cfg.IssuerID, o.Key)
	if err != nil {
		return 0, err
	}
	if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
		return 0, err
	}
	return n, nil
}
