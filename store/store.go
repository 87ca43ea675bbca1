// Package store is the memory of OpenPhone workspaces: their lines, users,
// contacts, conversations, texts and calls (with the calls' voicemail
// transcripts, summaries and transcripts), kept in a SQL database by
// package ingest and read by the tools.
//
// A Store holds any number of workspaces, each row tagged with its
// workspace's ID: every method takes the ID, and no query reads across
// workspaces. A workspace's ID is derived from what a live read of the
// API shows (Workspace), never from a caller's word. The store keeps no
// API key, token or secret.
//
// Two engines keep it: SQLite (OpenSQLite, through the cgo-free
// modernc.org/sqlite), one machine's file, and PostgreSQL (OpenPostgres,
// through pgx), shared by a team's replicas. The schema is versioned
// migrations, numbered SQL files, applied in one transaction when the
// store is opened: those of migrations/both, which both engines take as
// they are, and each engine's own under migrations/<engine>/, the
// full-text index (a test holds the tables and columns equal). The statements the methods run are plain
// SQL both take (upserts as INSERT … ON CONFLICT … DO UPDATE, times as
// BIGINT milliseconds) with ? placeholders, which PostgreSQL's rebinds to
// $1…; only Search's match is each engine's own, and both find words as
// the Go tokenizer of Highlight splits them.
//
//	st, err := store.Open(ctx, filepath.Join(stateDir, store.FileName)) // or postgres://…
//	defer st.Close()
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/openphone-mcp/openphone-mcp/internal/statedir"
)

// FileName is the store's file in the state directory.
const FileName = "store.db"

// A Store is the memory of workspaces in a SQL database. It is safe for
// concurrent use, and several processes may open one SQLite file or one
// PostgreSQL database: writes take turns, and a Lease decides which
// process syncs a workspace.
type Store struct {
	db   *conn
	path string // the SQLite file, or the PostgreSQL database's address without its password
	now  func() time.Time
}

// Open opens the store at where: a PostgreSQL URL ("postgres://…" or
// "postgresql://…"), or else a SQLite file's path.
func Open(ctx context.Context, where string, opts ...Option) (*Store, error) {
	if IsPostgres(where) {
		return OpenPostgres(ctx, where, opts...)
	}
	return OpenSQLite(where, opts...)
}

// IsPostgres says whether where is a PostgreSQL URL.
func IsPostgres(where string) bool {
	return strings.HasPrefix(where, "postgres://") || strings.HasPrefix(where, "postgresql://")
}

// Describe is where, fit for a log or a person: a PostgreSQL URL without
// its password.
func Describe(where string) string {
	if IsPostgres(where) {
		return redactURL(where)
	}
	return where
}

// An Option configures a Store.
type Option func(*Store)

// WithClock makes the store read the time from now, for leases and
// retention in tests.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// OpenSQLite opens the SQLite store at path, creating the file (mode 0600)
// and its directory (0700) when they do not exist, and brings its schema
// up to date. A store written by a newer openphone-mcp is refused with a
// *VersionError. The caller must Close it.
func OpenSQLite(path string, opts ...Option) (*Store, error) {
	return openSQLite(path, sqliteMigrations, opts...)
}

func openSQLite(path string, migrations []migration, opts ...Option) (*Store, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("store: path %q: SQLite's file names cannot hold ? or #", path)
	}
	if err := statedir.Ensure(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("store: directory of %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	f.Close()
	if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, 0o600); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
	}
	// WAL lets readers read while the syncer writes; a writer waits up to
	// 10 s for another (process) to finish; transactions take the write
	// lock when they begin, so that two never deadlock upgrading.
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	s := &Store{db: &conn{DB: db, engine: sqliteEngine}, path: path, now: time.Now}
	for _, opt := range opts {
		opt(s)
	}
	if err := s.openLocked(migrations); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// openLocked makes the first connection (which turns the file to WAL) and
// migrates, holding a lock on a file beside the store's: processes that
// open a new store at once take turns, where SQLite may answer one of
// them SQLITE_BUSY at once, without waiting, while another turns it to
// WAL.
func (s *Store) openLocked(migrations []migration) error {
	lock := flock.New(s.path + ".lock")
	wait, cancel := context.WithTimeout(context.Background(), openWait)
	defer cancel()
	switch ok, err := lock.TryLockContext(wait, 20*time.Millisecond); {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("store %s: another process has been opening it for %v (it holds %s.lock)", s.path, openWait, s.path)
	case !ok || err != nil:
		return fmt.Errorf("store %s: cannot lock %s.lock: %v", s.path, s.path, err)
	}
	defer lock.Unlock()
	ctx := context.Background() // a migration takes what it takes
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store %s: %w", s.path, err)
	}
	return s.migrate(ctx, migrations)
}

// openWait bounds how long opening a store waits for another process's.
const openWait = 30 * time.Second

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// String says where the store is.
func (s *Store) String() string {
	if s.db.engine == postgresEngine {
		return "PostgreSQL " + s.path
	}
	return "SQLite " + s.path
}

// tx runs f in a transaction, committed when f returns nil. Transactions
// take turns, in every process, as SQLite's do (it has one writer at a
// time): on PostgreSQL, each first takes an advisory lock, so that two
// replicas never interleave a read-then-write of the same rows (two
// syncs telling one workspace, a webhook and the sync writing one
// conversation) nor deadlock.
func (s *Store) tx(ctx context.Context, f func(*txn) error) error {
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	tx := &txn{Tx: sqlTx, c: s.db}
	if s.db.engine == postgresEngine {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, writeLock); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: %w", err)
		}
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// ms is t in Unix milliseconds, or NULL for nil.
func ms(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// fromMS reads a nullable time.
func fromMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.UnixMilli(v.Int64).UTC()
	return &t
}

// str is *p, or NULL for nil.
func str(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

// ErrNoWorkspace is the error of a read of a workspace the store does not
// hold.
var ErrNoWorkspace = errors.New("store: no such workspace")

// Now is the store's clock: when a lease is taken, by whom it expires.
func (s *Store) Now() time.Time { return s.now() }

// Path is the store's file, or its PostgreSQL database's address without
// the password.
func (s *Store) Path() string { return s.path }
