package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// A Lease is the right of one holder to do a job for a workspace (the
// sync, LeaseSync) until it expires. The holder renews it while it works;
// a holder that dies stops renewing it, and once it has expired anyone
// may take it.
type Lease struct {
	Holder  string
	Expires time.Time
}

// LeaseSync is the name of the lease of a workspace's sync.
const LeaseSync = "sync"

// AcquireLease takes, or renews, the lease name of ws for holder, until
// ttl from now. It reports whether holder holds it, and the lease as it
// stands: held by another holder until Expires when not.
func (s *Store) AcquireLease(ctx context.Context, ws, name, holder string, ttl time.Duration) (Lease, bool, error) {
	var l Lease
	err := s.tx(ctx, func(tx *txn) error {
		now := s.now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO leases (workspace_id, name, holder, expires_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (workspace_id, name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
			WHERE leases.holder = excluded.holder OR leases.expires_at <= ?`,
			ws, name, holder, now.Add(ttl).UnixMilli(), now.UnixMilli()); err != nil {
			return err
		}
		var expires int64
		if err := tx.QueryRowContext(ctx, `SELECT holder, expires_at FROM leases WHERE workspace_id = ? AND name = ?`, ws, name).Scan(&l.Holder, &expires); err != nil {
			return err
		}
		l.Expires = time.UnixMilli(expires).UTC()
		return nil
	})
	if err != nil {
		return Lease{}, false, fmt.Errorf("store: lease %s of %s: %w", name, ws, err)
	}
	return l, l.Holder == holder, nil
}

// ReleaseLease gives up holder's lease name of ws, if it holds it.
func (s *Store) ReleaseLease(ctx context.Context, ws, name, holder string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM leases WHERE workspace_id = ? AND name = ? AND holder = ?`, ws, name, holder)
	return err
}

// CurrentLease is the lease name of ws as it stands, and whether anyone
// holds it now (it has not expired).
func (s *Store) CurrentLease(ctx context.Context, ws, name string) (Lease, bool, error) {
	var l Lease
	var expires int64
	err := s.db.QueryRowContext(ctx, `SELECT holder, expires_at FROM leases WHERE workspace_id = ? AND name = ?`, ws, name).Scan(&l.Holder, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Lease{}, false, nil
	}
	if err != nil {
		return Lease{}, false, fmt.Errorf("store: lease %s of %s: %w", name, ws, err)
	}
	l.Expires = time.UnixMilli(expires).UTC()
	return l, l.Expires.After(s.now()), nil
}
