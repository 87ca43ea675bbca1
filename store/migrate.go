package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
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

// The migrations of each engine, in order: those in migrations/both, SQL
// that both engines take as it is, and the engine's own (the full-text
// index), numbered as one sequence.
var (
	sqliteMigrations   = mustMigrations("migrations/both", "migrations/sqlite")
	postgresMigrations = mustMigrations("migrations/both", "migrations/postgres")
)

// mustMigrations reads the files NNNN_name.sql of dirs, in order of NNNN,
// which must count up from 1, each number in one file.
func mustMigrations(dirs ...string) []migration {
	var ms []migration
	for _, dir := range dirs {
		entries, err := fs.ReadDir(migrationFiles, dir)
		if err != nil {
			panic(err)
		}
		for _, e := range entries {
			num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
			v, err := strconv.Atoi(num)
			if !ok || err != nil {
				panic("store: migration " + path.Join(dir, e.Name()) + " is not named NNNN_name.sql")
			}
			body, err := fs.ReadFile(migrationFiles, path.Join(dir, e.Name()))
			if err != nil {
				panic(err)
			}
			ms = append(ms, migration{v, name, string(body)})
		}
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			panic(fmt.Sprintf("store: migrations of %v are not numbered 1, 2, 3… once each: %d is number %d", dirs, m.version, i+1))
		}
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
