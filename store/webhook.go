package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// What OpenPhone's webhooks tell (package webhook) is applied with the
// Apply methods. Each takes the delivery's event ID and applies the change
// once: the ID is recorded in the transaction that makes the change, and a
// second delivery of it (a retry, or a copy another replica received)
// changes nothing and reports applied false.
//
// A webhook's write never moves what the sync reads by: a conversation's
// ReadThrough and the SyncState are the sync's alone. A conversation the
// store does not hold yet is recorded with what the event tells of it (its
// line and participants) and no ReadThrough, so that the sync reads it
// whole when it lists it.

// ErrNoConversation is the error of an Apply of a message or a call whose
// conversation the event does not name and the store cannot tell: it is
// left to the sync.
var ErrNoConversation = errors.New("store: the conversation of the event is not known")

// errApplied aborts the transaction of an event applied before.
var errApplied = errors.New("store: event applied before")

// applyOnce runs f in a transaction that records eventID, unless it was
// recorded before: then it returns false and f does not run.
func (s *Store) applyOnce(ctx context.Context, eventID string, f func(tx *txn) error) (bool, error) {
	if eventID == "" {
		return false, errors.New("store: an event without an ID cannot be applied once")
	}
	err := s.tx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO webhook_events (id, received_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`,
			eventID, s.now().UnixMilli())
		if err != nil {
			return fmt.Errorf("store: event %s: %w", eventID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return errApplied
		}
		return f(tx)
	})
	if errors.Is(err, errApplied) {
		return false, nil
	}
	return err == nil, err
}

// PruneWebhookEvents forgets the IDs of the events received more than
// kept ago, by the store's clock (which recorded them), and returns how
// many. An event delivered again after that is applied again.
func (s *Store) PruneWebhookEvents(ctx context.Context, kept time.Duration) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM webhook_events WHERE received_at < ?`, s.now().Add(-kept).UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("store: prune events: %w", err)
	}
	return res.RowsAffected()
}

// WorkspaceOfLine returns the workspace whose lines include the line
// lineID (PN…), or ErrNoWorkspace.
func (s *Store) WorkspaceOfLine(ctx context.Context, lineID string) (string, error) {
	return s.FindWorkspace(ctx, []client.PhoneNumber{{ID: lineID}})
}

// WorkspaceOfCall returns the workspace holding the call id, or
// ErrNoWorkspace.
func (s *Store) WorkspaceOfCall(ctx context.Context, id string) (string, error) {
	return s.workspaceOf(ctx, `SELECT DISTINCT workspace_id FROM calls WHERE id = ?`, id)
}

// WorkspaceOfContact returns the workspace holding the contact id, or
// ErrNoWorkspace.
func (s *Store) WorkspaceOfContact(ctx context.Context, id string) (string, error) {
	return s.workspaceOf(ctx, `SELECT DISTINCT workspace_id FROM contacts WHERE id = ?`, id)
}

// workspaceOf returns the one workspace query selects, ErrNoWorkspace for
// none.
func (s *Store) workspaceOf(ctx context.Context, query string, args ...any) (string, error) {
	found, err := s.strings(ctx, query, args...)
	switch {
	case err != nil:
		return "", fmt.Errorf("store: workspace: %w", err)
	case len(found) == 0:
		return "", ErrNoWorkspace
	case len(found) > 1:
		return "", fmt.Errorf("store: workspace: held by %d workspaces", len(found))
	}
	return found[0], nil
}

// ApplyMessage records the message m of the workspace ws, told by the
// event eventID, as PutMessages does, in its conversation: the one m
// names, or else the one of its line with the same participants. A
// conversation the store does not hold is recorded (its line and
// participants); its last activity moves forward to m, never back. An
// empty text does not replace a stored one (a status change may come
// without it). It returns ErrNoConversation when m names none and the
// store holds none that fits.
func (s *Store) ApplyMessage(ctx context.Context, eventID, ws string, m client.Message) (applied bool, err error) {
	if m.ID == "" || m.PhoneNumberID == nil || *m.PhoneNumberID == "" {
		return false, fmt.Errorf("store: a message needs an ID and a line")
	}
	line := *m.PhoneNumberID
	return s.applyOnce(ctx, eventID, func(tx *txn) error {
		own, err := lineNumber(ctx, tx, ws, line)
		if err != nil {
			return err
		}
		participants := slices.DeleteFunc(append([]string{m.From}, m.To...), func(n string) bool { return n == "" || n == own })
		conv := deref(m.ConversationID)
		if conv == "" {
			if conv, err = findConversation(ctx, tx, ws, line, participants); err != nil {
				return err
			}
		}
		if err := touchConversation(ctx, tx, ws, conv, line, participants, m.CreatedAt, m.ID); err != nil {
			return err
		}
		if strings.TrimSpace(m.Text) == "" {
			var body string
			err := tx.QueryRowContext(ctx, `SELECT body FROM messages WHERE workspace_id = ? AND id = ?`, ws, m.ID).Scan(&body)
			if err != nil && err != sql.ErrNoRows {
				return err
			}
			m.Text = body
		}
		m.ConversationID = &conv
		return putMessages(ctx, tx, ws, conv, []client.Message{m})
	})
}

// ApplyCall records the call c of the workspace ws, told by the event
// eventID, as PutCalls does, in the conversation conversationID, or when
// it is "" the one-to-one conversation of its line with its participant.
// The conversation is recorded or moved forward as by ApplyMessage.
func (s *Store) ApplyCall(ctx context.Context, eventID, ws, conversationID string, c client.Call) (applied bool, err error) {
	if c.ID == "" || c.PhoneNumberID == "" || c.CreatedAt.IsZero() {
		return false, fmt.Errorf("store: a call needs an ID, a line and a time")
	}
	return s.applyOnce(ctx, eventID, func(tx *txn) error {
		conv := conversationID
		if conv == "" {
			var err error
			if conv, err = findConversation(ctx, tx, ws, c.PhoneNumberID, c.Participants); err != nil {
				return err
			}
		}
		if err := touchConversation(ctx, tx, ws, conv, c.PhoneNumberID, c.Participants, c.CreatedAt, c.ID); err != nil {
			return err
		}
		return putCalls(ctx, tx, ws, conv, []client.Call{c})
	})
}

// ApplyCallTexts records texts of the call id of ws, told by the event
// eventID, as PutCallTexts does. The call must be stored.
func (s *Store) ApplyCallTexts(ctx context.Context, eventID, ws, id string, t CallTexts) (applied bool, err error) {
	return s.applyOnce(ctx, eventID, func(tx *txn) error { return putCallTexts(ctx, tx, ws, id, t) })
}

// ApplyContact records the contact c of ws, told by the event eventID,
// whole, as PutContacts does, unless the store holds a later version of
// it (by UpdatedAt). A contact new to the store counts as seen now, so
// that a full read of the contacts under way keeps it.
func (s *Store) ApplyContact(ctx context.Context, eventID, ws string, c client.Contact) (applied bool, err error) {
	if c.ID == "" {
		return false, errors.New("store: a contact needs an ID")
	}
	record, err := json.Marshal(c)
	if err != nil {
		return false, fmt.Errorf("store: contact %s: %w", c.ID, err)
	}
	d := c.DefaultFields
	return s.applyOnce(ctx, eventID, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO contacts (workspace_id, id, first_name, last_name, company, role, updated_at, seen, record)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (workspace_id, id) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name,
				company = excluded.company, role = excluded.role, updated_at = excluded.updated_at, record = excluded.record
			WHERE contacts.updated_at IS NULL OR excluded.updated_at IS NULL OR contacts.updated_at <= excluded.updated_at`,
			ws, c.ID, deref(d.FirstName), deref(d.LastName), deref(d.Company), deref(d.Role), ms(&c.UpdatedAt), s.now().UnixMilli(), string(record))
		if err != nil {
			return fmt.Errorf("store: contact %s: %w", c.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // a later version is held
		}
		return putContactNumbers(ctx, tx, ws, c)
	})
}

// ApplyContactDeleted removes the contact id of ws, told by the event
// eventID.
func (s *Store) ApplyContactDeleted(ctx context.Context, eventID, ws, id string) (applied bool, err error) {
	return s.applyOnce(ctx, eventID, func(tx *txn) error {
		for _, q := range []string{
			`DELETE FROM contact_numbers WHERE workspace_id = ? AND contact_id = ?`,
			`DELETE FROM contacts WHERE workspace_id = ? AND id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, ws, id); err != nil {
				return fmt.Errorf("store: delete contact %s: %w", id, err)
			}
		}
		return nil
	})
}

// lineNumber is the number of the line of ws, "" when the store does not
// hold it.
func lineNumber(ctx context.Context, tx *txn, ws, line string) (string, error) {
	var number string
	err := tx.QueryRowContext(ctx, `SELECT number FROM lines WHERE workspace_id = ? AND id = ?`, ws, line).Scan(&number)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return number, err
}

// findConversation returns the conversation of ws on line whose
// participants are participants (in any order), the most recently active
// when there are several, or ErrNoConversation.
func findConversation(ctx context.Context, tx *txn, ws, line string, participants []string) (string, error) {
	want := sortedSet(participants)
	if len(want) == 0 {
		return "", ErrNoConversation
	}
	rows, err := tx.QueryContext(ctx, `SELECT c.id, c.participants FROM conversations c
		JOIN conversation_participants p ON p.workspace_id = c.workspace_id AND p.conversation_id = c.id
		WHERE c.workspace_id = ? AND c.line_id = ? AND p.number = ?
		ORDER BY c.last_activity_at DESC, c.id`, ws, line, want[0])
	if err != nil {
		return "", err
	}
	defer rows.Close()
	for rows.Next() {
		var id, list string
		if err := rows.Scan(&id, &list); err != nil {
			return "", err
		}
		if slices.Equal(sortedSet(strings.Split(list, ",")), want) {
			return id, nil
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return "", ErrNoConversation
}

// sortedSet is list sorted, without repeats or blanks.
func sortedSet(list []string) []string {
	out := slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == "" })
	slices.Sort(out)
	return slices.Compact(out)
}

// touchConversation makes sure the store holds the conversation id of ws:
// it records it from the event (line, participants) when it is new, and
// moves its last activity forward to at and activityID, never back. It
// leaves ReadThrough alone: the sync reads a new conversation whole.
func touchConversation(ctx context.Context, tx *txn, ws, id, line string, participants []string, at time.Time, activityID string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM conversations WHERE workspace_id = ? AND id = ?`, ws, id).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		_, err := tx.ExecContext(ctx, `UPDATE conversations SET last_activity_at = ?, last_activity_id = ?
			WHERE workspace_id = ? AND id = ? AND (last_activity_at IS NULL OR last_activity_at < ?)`,
			at.UnixMilli(), activityID, ws, id, at.UnixMilli())
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO conversations (workspace_id, id, line_id, participants, last_activity_at, last_activity_id)
		VALUES (?, ?, ?, ?, ?, ?)`, ws, id, line, strings.Join(participants, ","), at.UnixMilli(), activityID); err != nil {
		return fmt.Errorf("store: conversation %s: %w", id, err)
	}
	for _, p := range sortedSet(participants) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO conversation_participants (workspace_id, conversation_id, number) VALUES (?, ?, ?)`, ws, id, p); err != nil {
			return err
		}
	}
	return nil
}
