package store

import (
	"context"
	"fmt"
	"time"
)

// Pruned counts what Prune removed.
type Pruned struct {
	Conversations, Messages, Calls int64
}

// Prune removes the activity of ws older than before: messages and calls
// created before it, and conversations whose last activity is before it
// (with what remains of theirs). Contacts, lines and users are kept.
func (s *Store) Prune(ctx context.Context, ws string, before time.Time) (Pruned, error) {
	var p Pruned
	cut := before.UnixMilli()
	err := s.tx(ctx, func(tx *txn) error {
		exec := func(n *int64, q string, args ...any) error {
			res, err := tx.ExecContext(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("store: prune: %w", err)
			}
			if n != nil {
				*n, err = res.RowsAffected()
			}
			return err
		}
		old := `SELECT id FROM conversations WHERE workspace_id = ? AND COALESCE(last_activity_at, updated_at, created_at, 0) < ?`
		for _, step := range []struct {
			n    *int64
			q    string
			args []any
		}{
			{nil, `DELETE FROM documents WHERE workspace_id = ? AND (created_at < ? OR conversation_id IN (` + old + `))`, []any{ws, cut, ws, cut}},
			{&p.Messages, `DELETE FROM messages WHERE workspace_id = ? AND (created_at < ? OR conversation_id IN (` + old + `))`, []any{ws, cut, ws, cut}},
			{&p.Calls, `DELETE FROM calls WHERE workspace_id = ? AND (created_at < ? OR conversation_id IN (` + old + `))`, []any{ws, cut, ws, cut}},
			{nil, `DELETE FROM conversation_participants WHERE workspace_id = ? AND conversation_id IN (` + old + `)`, []any{ws, ws, cut}},
			{&p.Conversations, `DELETE FROM conversations WHERE workspace_id = ? AND COALESCE(last_activity_at, updated_at, created_at, 0) < ?`, []any{ws, cut}},
		} {
			if err := exec(step.n, step.q, step.args...); err != nil {
				return err
			}
		}
		return nil
	})
	return p, err
}
