package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// Workspace returns the ID of the workspace whose lines and users a live
// read of the API returned, and records those lines and users (replacing
// the ones it held: a line or a user gone from the workspace goes from the
// store).
//
// OpenPhone's API does not name the workspace a key belongs to, but line
// (PN…) and user (US…) IDs are each unique to one workspace. So a workspace
// the store holds is recognised by any line, or failing that any user, it
// shares with the read; a new one is named "ws" and 16 hex digits of the
// SHA-256 of its sorted line IDs (or user IDs, when it has no line). The
// ID stays the same when lines are added or removed later, as long as one
// line the store knows remains.
//
// A read whose lines belong to two workspaces of the store is refused.
func (s *Store) Workspace(ctx context.Context, lines []client.PhoneNumber, users []client.User) (string, error) {
	var lineIDs, userIDs []string
	for _, l := range lines {
		lineIDs = append(lineIDs, l.ID)
	}
	for _, u := range users {
		userIDs = append(userIDs, u.ID)
	}
	if len(lineIDs) == 0 && len(userIDs) == 0 {
		return "", errors.New("store: a workspace with no lines and no users cannot be told from another")
	}
	var ws string
	err := s.tx(ctx, func(tx *txn) error {
		var err error
		ws, err = findWorkspace(ctx, tx, "lines", lineIDs)
		if err == nil && ws == "" {
			ws, err = findWorkspace(ctx, tx, "users", userIDs)
		}
		if err != nil {
			return err
		}
		if ws == "" {
			ws = workspaceID(lineIDs, userIDs)
			if _, err := tx.ExecContext(ctx, `INSERT INTO workspaces (id, created_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`,
				ws, s.now().UnixMilli()); err != nil {
				return err
			}
		}
		return putDirectory(ctx, tx, ws, lines, users)
	})
	if err != nil {
		return "", fmt.Errorf("store: workspace: %w", err)
	}
	return ws, nil
}

// FindWorkspace returns the ID of the workspace of the store that holds
// any of lines, as Workspace recognises one, without recording anything:
// the way a reader ties a key to its rows. It returns ErrNoWorkspace when
// the store holds none of the lines.
func (s *Store) FindWorkspace(ctx context.Context, lines []client.PhoneNumber) (string, error) {
	var ids []string
	for _, l := range lines {
		ids = append(ids, l.ID)
	}
	var ws string
	err := s.tx(ctx, func(tx *txn) error {
		var err error
		ws, err = findWorkspace(ctx, tx, "lines", ids)
		return err
	})
	switch {
	case err != nil:
		return "", fmt.Errorf("store: workspace: %w", err)
	case ws == "":
		return "", ErrNoWorkspace
	}
	return ws, nil
}

// workspaceID names a new workspace after its lines, or its users.
func workspaceID(lineIDs, userIDs []string) string {
	ids := slices.Clone(lineIDs)
	if len(ids) == 0 {
		ids = slices.Clone(userIDs)
	}
	slices.Sort(ids)
	sum := sha256.Sum256([]byte(strings.Join(ids, "\n")))
	return "ws" + hex.EncodeToString(sum[:8])
}

// findWorkspace returns the one workspace that holds any of ids in table,
// "" for none.
func findWorkspace(ctx context.Context, tx *txn, table string, ids []string) (string, error) {
	found := map[string]bool{}
	for _, id := range ids {
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT workspace_id FROM `+table+` WHERE id = ?`, id)
		if err != nil {
			return "", err
		}
		for rows.Next() {
			var ws string
			if err := rows.Scan(&ws); err != nil {
				rows.Close()
				return "", err
			}
			found[ws] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return "", err
		}
	}
	switch len(found) {
	case 0:
		return "", nil
	case 1:
		for ws := range found {
			return ws, nil
		}
	}
	return "", fmt.Errorf("the %s read belong to %d workspaces of the store", table, len(found))
}

// putDirectory replaces the lines, their users, and the users of ws.
func putDirectory(ctx context.Context, tx *txn, ws string, lines []client.PhoneNumber, users []client.User) error {
	for _, table := range []string{"lines", "line_users", "users"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE workspace_id = ?`, ws); err != nil {
			return err
		}
	}
	for _, l := range lines {
		if _, err := tx.ExecContext(ctx, `INSERT INTO lines (workspace_id, id, number, name) VALUES (?, ?, ?, ?)`, ws, l.ID, l.Number, l.Name); err != nil {
			return err
		}
		for _, u := range l.Users {
			if _, err := tx.ExecContext(ctx, `INSERT INTO line_users (workspace_id, line_id, user_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, ws, l.ID, u.ID); err != nil {
				return err
			}
		}
	}
	for _, u := range users {
		if _, err := tx.ExecContext(ctx, `INSERT INTO users (workspace_id, id, email, first_name, last_name, role) VALUES (?, ?, ?, ?, ?, ?)`,
			ws, u.ID, u.Email, u.FirstName, u.LastName, u.Role); err != nil {
			return err
		}
	}
	return nil
}

// Workspaces lists the IDs of the workspaces the store holds.
func (s *Store) Workspaces(ctx context.Context) ([]string, error) {
	return s.strings(ctx, `SELECT id FROM workspaces ORDER BY id`)
}

// workspaceTables are the tables that hold a workspace's rows, by the
// column that names it.
var workspaceTables = []string{
	"lines", "line_users", "users", "contacts", "contact_numbers", "conversations", "conversation_participants",
	"messages", "calls", "documents", "sync_state", "leases",
}

// Forget deletes every row of the workspace ws.
func (s *Store) Forget(ctx context.Context, ws string) error {
	return s.tx(ctx, func(tx *txn) error {
		for _, table := range workspaceTables {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE workspace_id = ?`, ws); err != nil {
				return fmt.Errorf("store: forget %s: %w", table, err)
			}
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM workspaces WHERE id = ?`, ws)
		return err
	})
}
