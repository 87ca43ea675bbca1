package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// The states of a call's voicemail transcript, summary and transcript.
const (
	TextPending    = "pending"    // not read yet
	TextProcessing = "processing" // OpenPhone is still making it: read it again
	TextAbsent     = "absent"     // there is none, or the plan has none
	TextDone       = "done"       // read, and stored
)

// The kinds of searched text.
const (
	KindText       = "text"
	KindVoicemail  = "voicemail"
	KindSummary    = "summary"
	KindTranscript = "transcript"
)

// newerActivity is true of a conversation's upsert that brings activity as
// late as the stored one's, or later: a list read before a webhook told of
// later activity leaves that activity in place.
const newerActivity = `conversations.last_activity_at IS NULL OR excluded.last_activity_at >= conversations.last_activity_at`

// PutConversations records conversations as the API listed them. A
// conversation's activity read so far (ReadThrough) is kept. A deleted one
// (DeletedAt set) is removed with its activity, as DeleteConversation does.
func (s *Store) PutConversations(ctx context.Context, ws string, convs []client.Conversation) error {
	return s.tx(ctx, func(tx *txn) error {
		for _, c := range convs {
			if c.DeletedAt != nil {
				if err := deleteConversation(ctx, tx, ws, c.ID); err != nil {
					return err
				}
				continue
			}
			// The column keeps the API's order, for answers read from the
			// store to list them as a live read does; the index table is
			// sorted and holds each number once.
			participants := slices.Clone(c.Participants)
			slices.Sort(participants)
			if _, err := tx.ExecContext(ctx, `INSERT INTO conversations (workspace_id, id, line_id, participants, name, assigned_to,
					created_at, updated_at, last_activity_at, last_activity_id, muted_until, snoozed_until)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (workspace_id, id) DO UPDATE SET line_id = excluded.line_id, participants = excluded.participants,
					name = excluded.name, assigned_to = excluded.assigned_to, created_at = excluded.created_at,
					updated_at = excluded.updated_at,
					last_activity_at = CASE WHEN `+newerActivity+` THEN excluded.last_activity_at ELSE conversations.last_activity_at END,
					last_activity_id = CASE WHEN `+newerActivity+` THEN excluded.last_activity_id ELSE conversations.last_activity_id END,
					muted_until = excluded.muted_until, snoozed_until = excluded.snoozed_until`,
				ws, c.ID, c.PhoneNumberID, strings.Join(c.Participants, ","), str(c.Name), str(c.AssignedTo),
				ms(c.CreatedAt), ms(c.UpdatedAt), ms(c.LastActivityAt), str(c.LastActivityID), ms(c.MutedUntil), ms(c.SnoozedUntil)); err != nil {
				return fmt.Errorf("store: conversation %s: %w", c.ID, err)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM conversation_participants WHERE workspace_id = ? AND conversation_id = ?`, ws, c.ID); err != nil {
				return err
			}
			for _, p := range slices.Compact(participants) {
				if _, err := tx.ExecContext(ctx, `INSERT INTO conversation_participants (workspace_id, conversation_id, number) VALUES (?, ?, ?)`, ws, c.ID, p); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// DeleteConversation removes a conversation deleted in OpenPhone, with its
// messages, calls and their texts.
func (s *Store) DeleteConversation(ctx context.Context, ws, id string) error {
	return s.tx(ctx, func(tx *txn) error { return deleteConversation(ctx, tx, ws, id) })
}

func deleteConversation(ctx context.Context, tx *txn, ws, id string) error {
	for _, q := range []string{
		`DELETE FROM documents WHERE workspace_id = ? AND conversation_id = ?`,
		`DELETE FROM messages WHERE workspace_id = ? AND conversation_id = ?`,
		`DELETE FROM calls WHERE workspace_id = ? AND conversation_id = ?`,
		`DELETE FROM conversation_participants WHERE workspace_id = ? AND conversation_id = ?`,
		`DELETE FROM conversations WHERE workspace_id = ? AND id = ?`,
	} {
		if _, err := tx.ExecContext(ctx, q, ws, id); err != nil {
			return fmt.Errorf("store: delete conversation %s: %w", id, err)
		}
	}
	return nil
}

// ReadThrough is the instant up to which the conversation's messages and
// calls are stored (SetReadThrough), nil when none are.
func (s *Store) ReadThrough(ctx context.Context, ws, conversationID string) (*time.Time, error) {
	var v sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT read_through FROM conversations WHERE workspace_id = ? AND id = ?`, ws, conversationID).Scan(&v)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	return fromMS(v), err
}

// SetReadThrough records that the conversation's messages and calls up to
// t are stored.
func (s *Store) SetReadThrough(ctx context.Context, ws, conversationID string, t time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE conversations SET read_through = ? WHERE workspace_id = ? AND id = ?`, t.UnixMilli(), ws, conversationID)
	return err
}

// PutMessages records messages read from the conversation conversationID,
// and indexes their text. A message that names another conversation the
// store holds is filed under that one; it is never filed under one the
// store does not hold (a deleted one), so that no message is kept without
// its conversation.
func (s *Store) PutMessages(ctx context.Context, ws, conversationID string, msgs []client.Message) error {
	return s.tx(ctx, func(tx *txn) error { return putMessages(ctx, tx, ws, conversationID, msgs) })
}

func putMessages(ctx context.Context, tx *txn, ws, conversationID string, msgs []client.Message) error {
	held := map[string]bool{conversationID: true}
	for _, m := range msgs {
		conversationID := conversationID
		if named := m.ConversationID; named != nil && *named != conversationID {
			known, ok := held[*named]
			if !ok {
				var n int
				if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM conversations WHERE workspace_id = ? AND id = ?`, ws, *named).Scan(&n); err != nil {
					return err
				}
				known, held[*named] = n > 0, n > 0
			}
			if known {
				conversationID = *named // the API's word, for a conversation the store holds
			}
		}
		line := ""
		if m.PhoneNumberID != nil {
			line = *m.PhoneNumberID
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO messages (workspace_id, id, conversation_id, line_id, direction, from_number,
				to_numbers, body, user_id, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (workspace_id, id) DO UPDATE SET status = excluded.status, body = excluded.body,
				updated_at = excluded.updated_at, user_id = excluded.user_id
			WHERE messages.updated_at IS NULL OR excluded.updated_at IS NULL OR excluded.updated_at >= messages.updated_at`,
			ws, m.ID, conversationID, line, m.Direction, m.From, strings.Join(m.To, ","), m.Text, str(m.UserID), m.Status,
			m.CreatedAt.UnixMilli(), ms(m.UpdatedAt)); err != nil {
			return fmt.Errorf("store: message %s: %w", m.ID, err)
		}
		if err := putDocument(ctx, tx, ws, KindText, m.ID, conversationID, line, m.Direction, m.CreatedAt, m.Text); err != nil {
			return err
		}
	}
	return nil
}

// putDocument indexes body as the searched text of kind for ref, or
// removes it when body is empty.
func putDocument(ctx context.Context, tx *txn, ws, kind, ref, conv, line, direction string, at time.Time, body string) error {
	var err error
	if strings.TrimSpace(body) == "" {
		_, err = tx.ExecContext(ctx, `DELETE FROM documents WHERE workspace_id = ? AND kind = ? AND ref_id = ?`, ws, kind, ref)
	} else {
		// SQLite's index follows the table by its triggers; PostgreSQL's
		// is the row's terms, which Go writes.
		args := []any{ws, kind, ref, conv, line, direction, at.UnixMilli(), body}
		terms, value, set := "", "", ""
		if tx.c.engine == postgresEngine {
			terms, value, set = ", terms", ", ?::tsvector", ", terms = excluded.terms"
			args = append(args, tsvectorOf(body))
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO documents (workspace_id, kind, ref_id, conversation_id, line_id, direction, created_at, body`+terms+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?`+value+`)
			ON CONFLICT (workspace_id, kind, ref_id) DO UPDATE SET body = excluded.body, conversation_id = excluded.conversation_id`+set+`
			WHERE documents.body <> excluded.body OR documents.conversation_id <> excluded.conversation_id`,
			args...)
	}
	if err != nil {
		return fmt.Errorf("store: index %s %s: %w", kind, ref, err)
	}
	return nil
}

// CallExpects says which texts OpenPhone may make for a call: a voicemail
// for an incoming call nobody answered, a summary and a transcript for an
// answered one.
func CallExpects(c client.Call) (voicemail, insights bool) {
	voicemail = c.Direction == "incoming" && (c.Status == "missed" || c.Status == "no-answer" || c.Status == "abandoned")
	insights = c.Status == "completed" && (c.AnsweredAt != nil || c.Duration > 0)
	return voicemail, insights
}

// PutCalls records calls of the conversation conversationID. A new call's
// texts are pending when CallExpects says OpenPhone may make them, absent
// otherwise; a known call's texts keep their state unless its status
// changed (a call in progress, now completed).
func (s *Store) PutCalls(ctx context.Context, ws, conversationID string, calls []client.Call) error {
	return s.tx(ctx, func(tx *txn) error { return putCalls(ctx, tx, ws, conversationID, calls) })
}

func putCalls(ctx context.Context, tx *txn, ws, conversationID string, calls []client.Call) error {
	for _, c := range calls {
		vm, insights := CallExpects(c)
		state := func(expected bool) string {
			if expected {
				return TextPending
			}
			return TextAbsent
		}
		due := 0
		if vm || insights {
			due = 1
		}
		participant := ""
		if len(c.Participants) > 0 {
			participant = c.Participants[0]
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO calls (workspace_id, id, conversation_id, line_id, direction, status, participant,
				user_id, answered_by, initiated_by, created_at, answered_at, completed_at, duration,
				voicemail_status, summary_status, transcript_status, texts_due)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (workspace_id, id) DO UPDATE SET
				voicemail_status = CASE WHEN calls.status <> excluded.status THEN excluded.voicemail_status ELSE calls.voicemail_status END,
				summary_status = CASE WHEN calls.status <> excluded.status THEN excluded.summary_status ELSE calls.summary_status END,
				transcript_status = CASE WHEN calls.status <> excluded.status THEN excluded.transcript_status ELSE calls.transcript_status END,
				texts_due = CASE WHEN calls.status <> excluded.status THEN excluded.texts_due ELSE calls.texts_due END,
				status = excluded.status, user_id = excluded.user_id, answered_by = excluded.answered_by,
				answered_at = excluded.answered_at, completed_at = excluded.completed_at, duration = excluded.duration`,
			ws, c.ID, conversationID, c.PhoneNumberID, c.Direction, c.Status, participant,
			str(c.UserID), str(c.AnsweredBy), str(c.InitiatedBy), c.CreatedAt.UnixMilli(), ms(c.AnsweredAt), ms(c.CompletedAt), c.Duration,
			state(vm), state(insights), state(insights), due); err != nil {
			return fmt.Errorf("store: call %s: %w", c.ID, err)
		}
	}
	return nil
}

// A DueCall is a call with a text still to read: CallsDue lists them.
type DueCall struct {
	ID, ConversationID string
	CreatedAt          time.Time
	// The states of its texts (TextPending, …).
	Voicemail, Summary, Transcript string
}

// CallsDue lists up to limit calls of ws with a text pending or
// processing, oldest first: of the conversation conversationID, or of
// every conversation when it is "".
func (s *Store) CallsDue(ctx context.Context, ws, conversationID string, limit int) ([]DueCall, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, conversation_id, created_at, voicemail_status, summary_status, transcript_status
		FROM calls WHERE workspace_id = ? AND texts_due = 1 AND (? = '' OR conversation_id = ?) ORDER BY created_at LIMIT ?`,
		ws, conversationID, conversationID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var due []DueCall
	for rows.Next() {
		var d DueCall
		var at int64
		if err := rows.Scan(&d.ID, &d.ConversationID, &at, &d.Voicemail, &d.Summary, &d.Transcript); err != nil {
			return nil, err
		}
		d.CreatedAt = time.UnixMilli(at).UTC()
		due = append(due, d)
	}
	return due, rows.Err()
}

// CallTexts are what OpenPhone made of a call, as read: each text's state,
// and the text when it is done. A state left "" is left as it was.
type CallTexts struct {
	VoicemailStatus, Voicemail   string
	SummaryStatus, Summary       string
	TranscriptStatus, Transcript string
}

// SummaryText is the text stored of a call's summary: its points, then
// its next steps under "Next steps:", one a line. The sync and a webhook
// store the same text for the same summary.
func SummaryText(sum client.CallSummary) string {
	words := strings.Join(sum.Summary, "\n")
	if len(sum.NextSteps) > 0 {
		words += "\nNext steps:\n" + strings.Join(sum.NextSteps, "\n")
	}
	return words
}

// TranscriptText is the text stored of a call's transcript: what each
// turn said, one a line.
func TranscriptText(tr client.CallTranscript) string {
	lines := make([]string, len(tr.Dialogue))
	for i, seg := range tr.Dialogue {
		lines[i] = seg.Content
	}
	return strings.Join(lines, "\n")
}

// PutCallTexts records the texts of the call id, and indexes them.
func (s *Store) PutCallTexts(ctx context.Context, ws, id string, t CallTexts) error {
	return s.tx(ctx, func(tx *txn) error { return putCallTexts(ctx, tx, ws, id, t) })
}

func putCallTexts(ctx context.Context, tx *txn, ws, id string, t CallTexts) error {
	var conv, line, direction string
	var at int64
	var cur CallTexts
	err := tx.QueryRowContext(ctx, `SELECT conversation_id, line_id, direction, created_at, voicemail_status, summary_status, transcript_status
		FROM calls WHERE workspace_id = ? AND id = ?`, ws, id).Scan(&conv, &line, &direction, &at, &cur.VoicemailStatus, &cur.SummaryStatus, &cur.TranscriptStatus)
	if err == sql.ErrNoRows {
		return fmt.Errorf("store: call %s: not stored", id)
	}
	if err != nil {
		return err
	}
	created := time.UnixMilli(at)
	due := 0
	for _, f := range []struct {
		kind, column, text string
		status             *string
		cur                string
	}{
		{KindVoicemail, "voicemail", t.Voicemail, &t.VoicemailStatus, cur.VoicemailStatus},
		{KindSummary, "summary", t.Summary, &t.SummaryStatus, cur.SummaryStatus},
		{KindTranscript, "transcript", t.Transcript, &t.TranscriptStatus, cur.TranscriptStatus},
	} {
		if *f.status == "" {
			*f.status = f.cur
		} else {
			text := any(nil)
			if *f.status == TextDone {
				text = f.text
			}
			textColumn := f.column
			if f.column == "voicemail" {
				textColumn = "voicemail_transcript"
			}
			if _, err := tx.ExecContext(ctx, `UPDATE calls SET `+f.column+`_status = ?, `+textColumn+` = ? WHERE workspace_id = ? AND id = ?`,
				*f.status, text, ws, id); err != nil {
				return err
			}
			body := ""
			if *f.status == TextDone {
				body = f.text
			}
			if err := putDocument(ctx, tx, ws, f.kind, id, conv, line, direction, created, body); err != nil {
				return err
			}
		}
		if *f.status == TextPending || *f.status == TextProcessing {
			due = 1
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE calls SET texts_due = ? WHERE workspace_id = ? AND id = ?`, due, ws, id)
	return err
}
