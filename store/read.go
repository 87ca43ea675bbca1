package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// Counts are the rows the store holds for a workspace.
type Counts struct {
	Lines, Users, Contacts, Conversations, Messages, Calls int
	// CallTexts counts the calls' texts by state (TextDone, …), voicemails,
	// summaries and transcripts together.
	CallTexts map[string]int
}

// Status is what the store holds of a workspace, and how fresh it is.
type Status struct {
	Workspace string
	Counts    Counts
	// Oldest and Newest bound the activity (messages and calls) held; nil
	// when there is none.
	Oldest, Newest *time.Time
	Sync           SyncState
}

// Status reports what the store holds of ws.
func (s *Store) Status(ctx context.Context, ws string) (Status, error) {
	st := Status{Workspace: ws, Counts: Counts{CallTexts: map[string]int{}}}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM workspaces WHERE id = ?`, ws).Scan(&n); err != nil {
		return st, err
	}
	if n == 0 {
		return st, ErrNoWorkspace
	}
	for _, c := range []struct {
		table string
		n     *int
	}{
		{"lines", &st.Counts.Lines}, {"users", &st.Counts.Users}, {"contacts", &st.Counts.Contacts},
		{"conversations", &st.Counts.Conversations}, {"messages", &st.Counts.Messages}, {"calls", &st.Counts.Calls},
	} {
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+c.table+` WHERE workspace_id = ?`, ws).Scan(c.n); err != nil {
			return st, err
		}
	}
	for _, col := range []string{"voicemail_status", "summary_status", "transcript_status"} {
		rows, err := s.db.QueryContext(ctx, `SELECT `+col+`, COUNT(*) FROM calls WHERE workspace_id = ? GROUP BY `+col, ws)
		if err != nil {
			return st, err
		}
		for rows.Next() {
			var state string
			var k int
			if err := rows.Scan(&state, &k); err != nil {
				rows.Close()
				return st, err
			}
			st.Counts.CallTexts[state] += k
		}
		rows.Close()
	}
	var oldest, newest sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MIN(t), MAX(t) FROM (
			SELECT MIN(created_at) AS t FROM messages WHERE workspace_id = ? UNION ALL SELECT MAX(created_at) FROM messages WHERE workspace_id = ?
			UNION ALL SELECT MIN(created_at) FROM calls WHERE workspace_id = ? UNION ALL SELECT MAX(created_at) FROM calls WHERE workspace_id = ?) AS bounds`,
		ws, ws, ws, ws).Scan(&oldest, &newest); err != nil {
		return st, err
	}
	st.Oldest, st.Newest = fromMS(oldest), fromMS(newest)
	var err error
	st.Sync, err = s.SyncState(ctx, ws)
	return st, err
}

// Messages returns the stored messages of a conversation, newest first.
func (s *Store) Messages(ctx context.Context, ws, conversationID string) ([]client.Message, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, line_id, direction, from_number, to_numbers, body, user_id, status, created_at, updated_at
		FROM messages WHERE workspace_id = ? AND conversation_id = ? ORDER BY created_at DESC, id`, ws, conversationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var msgs []client.Message
	for rows.Next() {
		var m client.Message
		var line, to string
		var user sql.NullString
		var created int64
		var updated sql.NullInt64
		if err := rows.Scan(&m.ID, &line, &m.Direction, &m.From, &to, &m.Text, &user, &m.Status, &created, &updated); err != nil {
			return nil, err
		}
		m.PhoneNumberID, m.ConversationID = &line, &conversationID
		if to != "" {
			m.To = strings.Split(to, ",")
		}
		if user.Valid {
			m.UserID = &user.String
		}
		m.CreatedAt, m.UpdatedAt = time.UnixMilli(created).UTC(), fromMS(updated)
		msgs = append(msgs, m)
	}
	return msgs, rows.Err()
}

// A StoredCall is a call as the store holds it, with its texts.
type StoredCall struct {
	client.Call
	ConversationID string
	Texts          CallTexts
}

// Calls returns the stored calls of a conversation, newest first.
func (s *Store) Calls(ctx context.Context, ws, conversationID string) ([]StoredCall, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, line_id, direction, status, participant, user_id, answered_by, initiated_by, created_at, answered_at, completed_at, duration,
			voicemail_status, COALESCE(voicemail_transcript, ''), summary_status, COALESCE(summary, ''), transcript_status, COALESCE(transcript, '')
		FROM calls WHERE workspace_id = ? AND conversation_id = ? ORDER BY created_at DESC, id`, ws, conversationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var calls []StoredCall
	for rows.Next() {
		c := StoredCall{ConversationID: conversationID}
		var participant string
		var user, answeredBy, initiatedBy sql.NullString
		var created int64
		var answered, completed sql.NullInt64
		t := &c.Texts
		if err := rows.Scan(&c.ID, &c.PhoneNumberID, &c.Direction, &c.Status, &participant, &user, &answeredBy, &initiatedBy, &created, &answered, &completed, &c.Duration,
			&t.VoicemailStatus, &t.Voicemail, &t.SummaryStatus, &t.Summary, &t.TranscriptStatus, &t.Transcript); err != nil {
			return nil, err
		}
		c.Participants = []string{participant}
		c.UserID, c.AnsweredBy, c.InitiatedBy = nullString(user), nullString(answeredBy), nullString(initiatedBy)
		c.CreatedAt, c.AnsweredAt, c.CompletedAt = time.UnixMilli(created).UTC(), fromMS(answered), fromMS(completed)
		calls = append(calls, c)
	}
	return calls, rows.Err()
}

// ActivityParams select the conversations ActiveConversations lists.
type ActivityParams struct {
	Workspace string
	// Since and Until bound the window, both excluded, as the API's
	// createdAfter and createdBefore do; a nil Until is open.
	Since time.Time
	Until *time.Time
	// Lines, when not nil, keeps the conversations on these lines (PN…)
	// only: an empty, non-nil Lines keeps none.
	Lines []string
}

// ActiveConversations returns the conversations of p.Workspace with a
// message or a call in the window, most recent activity first, each with
// its participants in the order the API listed them.
func (s *Store) ActiveConversations(ctx context.Context, p ActivityParams) ([]client.Conversation, error) {
	if p.Lines != nil && len(p.Lines) == 0 {
		return nil, nil
	}
	until := int64(1<<63 - 1)
	if p.Until != nil {
		until = p.Until.UnixMilli()
	}
	since := p.Since.UnixMilli()
	query := `SELECT id, line_id, participants, name, assigned_to, created_at, updated_at, last_activity_at, last_activity_id, muted_until, snoozed_until
		FROM conversations c WHERE workspace_id = ?
			AND (EXISTS (SELECT 1 FROM messages m WHERE m.workspace_id = c.workspace_id AND m.conversation_id = c.id AND m.created_at > ? AND m.created_at < ?)
				OR EXISTS (SELECT 1 FROM calls k WHERE k.workspace_id = c.workspace_id AND k.conversation_id = c.id AND k.created_at > ? AND k.created_at < ?))`
	args := []any{p.Workspace, since, until, since, until}
	if p.Lines != nil {
		query += ` AND line_id IN (?` + strings.Repeat(`, ?`, len(p.Lines)-1) + `)`
		for _, l := range p.Lines {
			args = append(args, l)
		}
	}
	return s.conversations(ctx, query+` ORDER BY last_activity_at DESC, id`, args...)
}

// ConversationsWith returns the conversations of ws that have one of
// numbers (E.164) among their participants, most recent activity first,
// each with its participants in the order the API listed them.
func (s *Store) ConversationsWith(ctx context.Context, ws string, numbers []string) ([]client.Conversation, error) {
	if len(numbers) == 0 {
		return nil, nil
	}
	query := `SELECT id, line_id, participants, name, assigned_to, created_at, updated_at, last_activity_at, last_activity_id, muted_until, snoozed_until
		FROM conversations c WHERE workspace_id = ? AND id IN (SELECT conversation_id FROM conversation_participants
			WHERE workspace_id = ? AND number IN (?` + strings.Repeat(`, ?`, len(numbers)-1) + `))`
	args := []any{ws, ws}
	for _, n := range numbers {
		args = append(args, n)
	}
	return s.conversations(ctx, query+` ORDER BY last_activity_at DESC, id`, args...)
}

// conversations runs query, which selects the columns of a conversation
// in ActiveConversations' order, and reads its rows.
func (s *Store) conversations(ctx context.Context, query string, args ...any) ([]client.Conversation, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var convs []client.Conversation
	for rows.Next() {
		var c client.Conversation
		var participants string
		var name, assigned, lastID sql.NullString
		var created, updated, last, muted, snoozed sql.NullInt64
		if err := rows.Scan(&c.ID, &c.PhoneNumberID, &participants, &name, &assigned, &created, &updated, &last, &lastID, &muted, &snoozed); err != nil {
			return nil, err
		}
		c.Participants = []string{}
		if participants != "" {
			c.Participants = strings.Split(participants, ",")
		}
		c.Name, c.AssignedTo, c.LastActivityID = nullString(name), nullString(assigned), nullString(lastID)
		c.CreatedAt, c.UpdatedAt, c.LastActivityAt, c.MutedUntil, c.SnoozedUntil = fromMS(created), fromMS(updated), fromMS(last), fromMS(muted), fromMS(snoozed)
		convs = append(convs, c)
	}
	return convs, rows.Err()
}

// nullString is v's string, or nil for NULL.
func nullString(v sql.NullString) *string {
	if !v.Valid {
		return nil
	}
	return &v.String
}
