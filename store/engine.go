package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
)

// An engine is the SQL database a Store is kept in. The statements are
// written once, in SQL both engines take, with ? placeholders; an engine
// rebinds them to its own, and differs only in its full-text index.
type engine int

const (
	sqliteEngine engine = iota
	postgresEngine
)

// conn is the store's database, running statements written with ?
// placeholders.
type conn struct {
	*sql.DB
	engine engine
	bound  sync.Map // statement → the statement rebound, for PostgreSQL
}

// bind is query with the engine's placeholders: SQLite takes ?, and
// PostgreSQL $1, $2… (no statement holds a ? in a literal).
func (c *conn) bind(query string) string {
	if c.engine != postgresEngine || !strings.Contains(query, "?") {
		return query
	}
	if q, ok := c.bound.Load(query); ok {
		return q.(string)
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r != '?' {
			b.WriteRune(r)
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	c.bound.Store(query, b.String())
	return b.String()
}

// ExecContext runs a statement.
func (c *conn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.DB.ExecContext(ctx, c.bind(query), args...)
}

// QueryContext runs a query.
func (c *conn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return c.DB.QueryContext(ctx, c.bind(query), args...)
}

// QueryRowContext runs a query of one row.
func (c *conn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return c.DB.QueryRowContext(ctx, c.bind(query), args...)
}

// txn is a transaction of a conn.
type txn struct {
	*sql.Tx
	c *conn
}

// ExecContext runs a statement in the transaction.
func (t *txn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(ctx, t.c.bind(query), args...)
}

// QueryContext runs a query in the transaction.
func (t *txn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(ctx, t.c.bind(query), args...)
}

// QueryRowContext runs a query of one row in the transaction.
func (t *txn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(ctx, t.c.bind(query), args...)
}
