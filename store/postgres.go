package store

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// OpenPostgres opens the PostgreSQL store at rawURL
// (postgres://user:password@host:5432/database?sslmode=…, as libpq takes
// it), and brings its schema up to date. Replicas that open one database
// at once take turns migrating it. A store written by a newer
// openphone-mcp is refused with a *VersionError. The caller must Close it.
func OpenPostgres(ctx context.Context, rawURL string, opts ...Option) (*Store, error) {
	return openPostgres(ctx, rawURL, postgresMigrations, opts...)
}

func openPostgres(ctx context.Context, rawURL string, migrations []migration, opts ...Option) (*Store, error) {
	where := redactURL(rawURL)
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", where, err)
	}
	db := stdlib.OpenDB(*cfg)
	// A replica's tools, its sync and its webhooks share these.
	db.SetMaxOpenConns(postgresConns)
	db.SetMaxIdleConns(postgresConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{db: &conn{DB: db, engine: postgresEngine}, path: where, now: time.Now}
	for _, opt := range opts {
		opt(s)
	}
	ping, cancel := context.WithTimeout(ctx, openWait)
	defer cancel()
	if err := db.PingContext(ping); err != nil {
		db.Close()
		return nil, fmt.Errorf("store %s: %w", where, err)
	}
	if err := s.migrate(ctx, migrations); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// postgresConns bounds the connections one process opens to PostgreSQL.
const postgresConns = 8

// redactURL is a PostgreSQL URL fit for a log: its password replaced.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(a PostgreSQL URL that does not parse)"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
