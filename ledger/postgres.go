package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// postgresTimeout bounds one operation, as redisTimeout does.
const postgresTimeout = 2 * time.Second

// A Postgres is a Ledger in the PostgreSQL database that a team's replicas
// keep their store in (store.OpenPostgres): a table of its own,
// openphone_mcp_ledger, made when first used. Claim is one INSERT … ON
// CONFLICT that takes a key only when it is free or expired, so of two
// replicas racing on one key, one wins; lifetimes are read on the
// database's clock, which every replica shares. It outlives a restart of
// the database, where a Redis kept without persistence does not.
type Postgres struct {
	db    *sql.DB
	where string

	mu     sync.Mutex // guards what follows
	made   bool       // the table is there
	pruned time.Time  // when expired entries were last deleted
}

// OpenPostgres returns the ledger in the PostgreSQL database at rawURL. It
// connects on first use; the caller must Close it.
func OpenPostgres(rawURL string) (*Postgres, error) {
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return nil, err
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(4)
	return &Postgres{db: db, where: fmt.Sprintf("PostgreSQL at %s:%d/%s", cfg.Host, cfg.Port, cfg.Database)}, nil
}

// Close closes the connections to PostgreSQL.
func (p *Postgres) Close() error { return p.db.Close() }

// String says where the ledger is.
func (p *Postgres) String() string { return p.where }

// nowMS is the database's clock in Unix milliseconds, in SQL.
const nowMS = `(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT`

// pruneEvery is how often expired entries are deleted.
const pruneEvery = 10 * time.Minute

// table makes the ledger's table once, when it is missing, and deletes
// the expired entries now and then.
func (p *Postgres) table(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.made {
		if time.Since(p.pruned) > pruneEvery {
			p.pruned = time.Now()
			p.db.ExecContext(ctx, `DELETE FROM openphone_mcp_ledger WHERE expires_at <= `+nowMS)
		}
		return nil
	}
	// Replicas that make it at once take turns (CREATE … IF NOT EXISTS
	// alone may race).
	tx, err := p.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(0x6f706d636c)); err != nil { // "opmcl"
		return err
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS openphone_mcp_ledger (
			key        TEXT PRIMARY KEY,
			value      BYTEA NOT NULL,
			expires_at BIGINT NOT NULL -- Unix ms, on the database's clock
		)`); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	p.made, p.pruned = true, time.Now()
	return nil
}

// do runs f within postgresTimeout, once the table is there, and wraps
// its failure as ErrUnavailable.
func (p *Postgres) do(ctx context.Context, f func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, postgresTimeout)
	defer cancel()
	err := p.table(ctx)
	if err == nil {
		err = f(ctx)
	}
	if err != nil {
		return unavailable(p.where, err)
	}
	return nil
}

// Claim implements Ledger.
func (p *Postgres) Claim(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	var n int64
	err := p.do(ctx, func(ctx context.Context) error {
		res, err := p.db.ExecContext(ctx, `INSERT INTO openphone_mcp_ledger (key, value, expires_at) VALUES ($1, $2, `+nowMS+` + $3)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
			WHERE openphone_mcp_ledger.expires_at <= `+nowMS, key, nonNil(value), ttl.Milliseconds())
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	return n == 1, err
}

// Get implements Ledger.
func (p *Postgres) Get(ctx context.Context, key string) ([]byte, bool, error) {
	var v []byte
	found := false
	err := p.do(ctx, func(ctx context.Context) error {
		err := p.db.QueryRowContext(ctx, `SELECT value FROM openphone_mcp_ledger WHERE key = $1 AND expires_at > `+nowMS, key).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		found = err == nil
		return err
	})
	return v, found, err
}

// Put implements Ledger.
func (p *Postgres) Put(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return p.do(ctx, func(ctx context.Context) error {
		_, err := p.db.ExecContext(ctx, `INSERT INTO openphone_mcp_ledger (key, value, expires_at) VALUES ($1, $2, `+nowMS+` + $3)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`, key, nonNil(value), ttl.Milliseconds())
		return err
	})
}

// Release implements Ledger.
func (p *Postgres) Release(ctx context.Context, key string) error {
	return p.do(ctx, func(ctx context.Context) error {
		_, err := p.db.ExecContext(ctx, `DELETE FROM openphone_mcp_ledger WHERE key = $1`, key)
		return err
	})
}

// nonNil is v, or an empty value for nil (the column is NOT NULL).
func nonNil(v []byte) []byte {
	if v == nil {
		return []byte{}
	}
	return v
}
