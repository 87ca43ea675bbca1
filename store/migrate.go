package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationFiles embed.FS

// A migration is one numbered change of the schema.
type migration struct {
	version int
	name    string
	sql     string
}

// The migrations of each engine, in order.
var (
	sqliteMigrations   = mustMigrations("migrations/sqlite")
	postgresMigrations = mustMigrations("migrations/postgres")
)

// mustMigrations reads the files NNNN_name.sql of dir, in order of NNNN,
// which must count up from 1.
func mustMigrations(dir string) []migration {
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		panic(err)
	}
	var ms []migration
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v != len(ms)+1 {
			panic("store: migration " + e.Name() + " is not numbered in order")
		}
		body, err := fs.ReadFile(migrationFiles, path.Join(dir, e.Name()))
		if err != nil {
			panic(err)
		}
		ms = append(ms, migration{v, name, string(body)})
	}
	return ms
}

// A VersionError is the refusal of a store written by a newer version of
// openphone-mcp than this one, whose schema this binary does not know.
type VersionError struct {
	Path   string
	Store  int // the store's schema version
	Binary int // the newest this binary knows
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("store %s has schema version %d, newer than this openphone-mcp knows (%d): it was written by a newer openphone-mcp; upgrade this one, or point --store at another file",
		e.Path, e.Store, e.Binary)
}

// SchemaVersion is the newest migration applied to the store.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// writeLock is the advisory lock that a PostgreSQL store's transactions
// take turns by ("opmcw" in ASCII): migrations among them, so that
// replicas that open a store at once migrate it once.
const writeLock int64 = 0x6f706d6377

// migrate applies the migrations the store lacks, all in one transaction,
// each recorded in schema_migrations. A store with a migration newer than
// the last of ms is refused.
func (s *Store) migrate(ctx context.Context, ms []migration) error {
	return s.tx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    BIGINT PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at BIGINT NOT NULL
		)`); err != nil {
			return fmt.Errorf("store %s: %w", s.path, err)
		}
		var have int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
			return fmt.Errorf("store %s: %w", s.path, err)
		}
		if have > len(ms) {
			return &VersionError{Path: s.path, Store: have, Binary: len(ms)}
		}
		for _, m := range ms[have:] {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("store %s: migration %d (%s): %w", s.path, m.version, m.name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, s.now().UnixMilli()); err != nil {
				return fmt.Errorf("store %s: %w", s.path, err)
			}
		}
		return nil
	})
}
