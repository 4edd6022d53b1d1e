package backend

import (
	"path/filepath"
	"testing"
)

func TestOpen(t *testing.T) {
	for dsn, want := range map[string]bool{
		"postgres://u@localhost/db": true, "postgresql://localhost/db?sslmode=disable": true,
		"registry.db": false, "/var/lib/hufu/registry.db": false, "postgres.db": false,
	} {
		if IsPostgres(dsn) != want {
			t.Errorf("IsPostgres(%q) = %v", dsn, !want)
		}
	}
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.DB().PingContext(t.Context()); err != nil {
		t.Error(err)
	}
}
