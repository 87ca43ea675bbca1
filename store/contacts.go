package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/nyaruka/phonenumbers"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// PutContacts records contacts read in the full read of the workspace's
// contacts that began at read (Unix ms, the same for every page of the
// read), with their numbers normalized to E.164. A full read ends with
// DeleteContactsNotIn(read), which removes the contacts it did not list.
// Contacts are kept whatever their age: retention does not touch them.
// Each is kept whole, as the API shows it (Contacts reads them back), with
// its names and numbers in columns of their own for queries.
func (s *Store) PutContacts(ctx context.Context, ws string, contacts []client.Contact, read int64) error {
	return s.tx(ctx, func(tx *txn) error {
		for _, c := range contacts {
			d := c.DefaultFields
			record, err := json.Marshal(c)
			if err != nil {
				return fmt.Errorf("store: contact %s: %w", c.ID, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO contacts (workspace_id, id, first_name, last_name, company, role, updated_at, seen, record)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (workspace_id, id) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name,
					company = excluded.company, role = excluded.role, updated_at = excluded.updated_at, seen = excluded.seen,
					record = excluded.record`,
				ws, c.ID, deref(d.FirstName), deref(d.LastName), deref(d.Company), deref(d.Role), ms(&c.UpdatedAt), read, string(record)); err != nil {
				return fmt.Errorf("store: contact %s: %w", c.ID, err)
			}
			if err := putContactNumbers(ctx, tx, ws, c); err != nil {
				return err
			}
		}
		return nil
	})
}

// putContactNumbers replaces the numbers of the contact c.
func putContactNumbers(ctx context.Context, tx *txn, ws string, c client.Contact) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM contact_numbers WHERE workspace_id = ? AND contact_id = ?`, ws, c.ID); err != nil {
		return err
	}
	for i, n := range c.DefaultFields.PhoneNumbers {
		if n.Value == nil || strings.TrimSpace(*n.Value) == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO contact_numbers (workspace_id, contact_id, position, label, raw, number) VALUES (?, ?, ?, ?, ?, ?)`,
			ws, c.ID, i, n.Name, *n.Value, NormalizeNumber(*n.Value)); err != nil {
			return err
		}
	}
	return nil
}

// DeleteContactsNotIn removes the contacts that the full read begun at
// read did not list: deleted in OpenPhone since. It returns how many.
func (s *Store) DeleteContactsNotIn(ctx context.Context, ws string, read int64) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM contact_numbers WHERE workspace_id = ? AND contact_id IN
			(SELECT id FROM contacts WHERE workspace_id = ? AND seen < ?)`, ws, ws, read); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM contacts WHERE workspace_id = ? AND seen < ?`, ws, read)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// Contacts returns every contact of ws, as the last full read of them
// (SyncState.ContactsReadAt) left them, ordered by ID, and when that read
// began. Before a full read has ended, it returns no contacts and a nil
// time: the store does not know them all.
func (s *Store) Contacts(ctx context.Context, ws string) ([]client.Contact, *time.Time, error) {
	st, err := s.SyncState(ctx, ws)
	if err != nil || st.ContactsReadAt == nil {
		return nil, nil, err
	}
	records, err := s.strings(ctx, `SELECT record FROM contacts WHERE workspace_id = ? ORDER BY id`, ws)
	if err != nil {
		return nil, nil, err
	}
	out := make([]client.Contact, len(records))
	for i, r := range records {
		if err := json.Unmarshal([]byte(r), &out[i]); err != nil {
			return nil, nil, fmt.Errorf("store: a contact's record: %w", err)
		}
	}
	return out, st.ContactsReadAt, nil
}

// ContactsByNumber returns the IDs of the contacts with the number (E.164).
func (s *Store) ContactsByNumber(ctx context.Context, ws, number string) ([]string, error) {
	return s.strings(ctx, `SELECT DISTINCT contact_id FROM contact_numbers WHERE workspace_id = ? AND number = ? ORDER BY contact_id`, ws, number)
}

// strings runs query, which selects one text column, and returns its rows.
func (s *Store) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// NormalizeNumber writes a phone number as people type it in E.164, read
// as a North American number when it has no country code; "" when it is
// not a valid number.
func NormalizeNumber(raw string) string {
	if strings.IndexFunc(raw, unicode.IsDigit) < 0 {
		return ""
	}
	n, err := phonenumbers.Parse(raw, "US")
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return ""
	}
	return phonenumbers.Format(n, phonenumbers.E164)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
