package store

import (
	"context"
	"database/sql"
	"time"
)

// SyncState is where the sync of a workspace stands.
type SyncState struct {
	// BackfillStartedAt is when the backfill began: the changes since then
	// are the first incremental read's. BackfillHorizon is the oldest
	// activity it reads.
	BackfillStartedAt, BackfillHorizon *time.Time
	// BackfillPageToken is the page of conversations to read next, and
	// BackfillConversations how many it has read so far.
	BackfillPageToken     string
	BackfillConversations int
	// BackfillDoneAt is when the backfill finished; nil until it has.
	BackfillDoneAt *time.Time
	// CoveredSince is the start of what the store holds whole: every
	// message and call since then, up to AsOf, is stored. While the
	// backfill runs it is the last activity of the oldest conversation
	// read; then the window's start.
	CoveredSince *time.Time
	// IncrementalMark is the instant the next incremental read lists the
	// changes since.
	IncrementalMark *time.Time
	// ContactsReadAt is when the last full read of the contacts began.
	ContactsReadAt *time.Time
	// LastSyncAt is when the last sync ended, and LastError why it failed
	// ("" when it did not).
	LastSyncAt *time.Time
	LastError  string
}

// SyncState returns where the sync of ws stands: the zero SyncState for a
// workspace never synced.
func (s *Store) SyncState(ctx context.Context, ws string) (SyncState, error) {
	var st SyncState
	var started, horizon, done, covered, mark, contacts, last sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT backfill_started_at, backfill_horizon, backfill_page_token, backfill_conversations,
			backfill_done_at, covered_since, incremental_mark, contacts_read_at, last_sync_at, last_error
		FROM sync_state WHERE workspace_id = ?`, ws).Scan(&started, &horizon, &st.BackfillPageToken, &st.BackfillConversations,
		&done, &covered, &mark, &contacts, &last, &st.LastError)
	if err == sql.ErrNoRows {
		return SyncState{}, nil
	}
	st.BackfillStartedAt, st.BackfillHorizon, st.BackfillDoneAt, st.CoveredSince = fromMS(started), fromMS(horizon), fromMS(done), fromMS(covered)
	st.IncrementalMark, st.ContactsReadAt, st.LastSyncAt = fromMS(mark), fromMS(contacts), fromMS(last)
	return st, err
}

// SetSyncState records where the sync of ws stands.
func (s *Store) SetSyncState(ctx context.Context, ws string, st SyncState) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO sync_state (workspace_id, backfill_started_at, backfill_horizon, backfill_page_token,
			backfill_conversations, backfill_done_at, covered_since, incremental_mark, contacts_read_at, last_sync_at, last_error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (workspace_id) DO UPDATE SET backfill_started_at = excluded.backfill_started_at,
			backfill_horizon = excluded.backfill_horizon, backfill_page_token = excluded.backfill_page_token,
			backfill_conversations = excluded.backfill_conversations, backfill_done_at = excluded.backfill_done_at,
			covered_since = excluded.covered_since,
			incremental_mark = excluded.incremental_mark, contacts_read_at = excluded.contacts_read_at,
			last_sync_at = excluded.last_sync_at, last_error = excluded.last_error`,
		ws, ms(st.BackfillStartedAt), ms(st.BackfillHorizon), st.BackfillPageToken, st.BackfillConversations,
		ms(st.BackfillDoneAt), ms(st.CoveredSince), ms(st.IncrementalMark), ms(st.ContactsReadAt), ms(st.LastSyncAt), st.LastError)
	return err
}

// AsOf is the instant up to which the store has every change OpenPhone
// listed: the start of the last incremental read (or of the backfill,
// before there is one); nil before any sync. CoveredSince to AsOf is what
// an answer from the store can say it covers.
func (st SyncState) AsOf() *time.Time {
	if st.IncrementalMark != nil {
		return st.IncrementalMark
	}
	return st.BackfillStartedAt
}
