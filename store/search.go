package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
)

// SearchParams is a full-text search of one workspace's texts.
type SearchParams struct {
	Workspace string
	// Query is words and "quoted phrases", all of which must match; case
	// and accents are ignored, and each word matches whole words only.
	Query string
	// Kinds limits the search to these kinds (KindText, …); nil: all.
	Kinds []string
	// Since and Until bound the texts' times (Until excluded); zero: open.
	Since, Until time.Time
	// Lines limits the search to these lines' IDs; nil: every line.
	Lines []string
	// Participants limits it to the conversations with one of these
	// numbers (E.164); nil: any.
	Participants []string
	// Direction is "incoming" or "outgoing"; "": both.
	Direction string
	Limit     int // 1 or more; 20 when 0
	// After continues a search after this hit (the last of a page).
	After *Hit
}

// A Hit is a text that matched a search.
type Hit struct {
	Kind           string // KindText, KindVoicemail, KindSummary or KindTranscript
	RefID          string // the message's or the call's ID
	ConversationID string
	LineID         string
	Direction      string
	CreatedAt      time.Time
	// Body is the whole text; Highlight marks the query's words in it.
	Body string
	// Participants are the conversation's outside numbers (E.164), and
	// ConversationName its name in OpenPhone ("" when none).
	Participants     []string
	ConversationName string
	// From is the number a text came from ("" for a call's texts), and
	// UserID the user who sent the text, or answered or made the call
	// ("" when none or not known).
	From, UserID string
}

// ErrEmptyQuery is the error of a search with no word to find.
var ErrEmptyQuery = errors.New("store: the search has no word to find")

// Search finds the texts of a workspace that hold every word and phrase
// of the query, newest first (ties: by kind, then ID, descending), a page
// of p.Limit after p.After.
func (s *Store) Search(ctx context.Context, p SearchParams) ([]Hit, error) {
	where, args, check, err := searchFilter(s.db.engine, p)
	if err != nil {
		return nil, err
	}
	if p.Limit <= 0 {
		p.Limit = 20
	}
	if !check {
		return s.searchPage(ctx, where, args, p.After, p.Limit)
	}
	// The index found texts with the query's words; those with its
	// phrases are kept, a batch at a time, until the page is full.
	var hits []Hit
	batch := max(4*p.Limit, 100)
	for after := p.After; len(hits) < p.Limit; {
		found, err := s.searchPage(ctx, where, args, after, batch)
		if err != nil {
			return nil, err
		}
		for _, h := range found {
			if len(hits) < p.Limit && matchesQuery(h.Body, p.Query) {
				hits = append(hits, h)
			}
		}
		if len(found) < batch {
			break
		}
		after = &found[len(found)-1]
	}
	return hits, nil
}

// searchPage is the hits of the clause where, after the hit after, at most
// limit.
func (s *Store) searchPage(ctx context.Context, where string, args []any, after *Hit, limit int) ([]Hit, error) {
	if a := after; a != nil {
		at := a.CreatedAt.UnixMilli()
		where += ` AND (d.created_at < ? OR d.created_at = ? AND (d.kind < ? OR d.kind = ? AND d.ref_id < ?))`
		args = append(slices.Clip(args), at, at, a.Kind, a.Kind, a.RefID)
	}
	q := `SELECT d.kind, d.ref_id, d.conversation_id, d.line_id, d.direction, d.created_at, d.body,
			COALESCE(c.participants, ''), COALESCE(c.name, ''), COALESCE(m.from_number, ''),
			COALESCE(m.user_id, k.answered_by, k.user_id, '')
		FROM documents d
		LEFT JOIN conversations c ON c.workspace_id = d.workspace_id AND c.id = d.conversation_id
		LEFT JOIN messages m ON d.kind = 'text' AND m.workspace_id = d.workspace_id AND m.id = d.ref_id
		LEFT JOIN calls k ON d.kind <> 'text' AND k.workspace_id = d.workspace_id AND k.id = d.ref_id
		WHERE ` + where + ` ORDER BY d.created_at DESC, d.kind DESC, d.ref_id DESC LIMIT ?`
	rows, err := s.db.QueryContext(ctx, q, append(slices.Clip(args), limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hits []Hit
	for rows.Next() {
		var h Hit
		var at int64
		var participants string
		if err := rows.Scan(&h.Kind, &h.RefID, &h.ConversationID, &h.LineID, &h.Direction, &at, &h.Body,
			&participants, &h.ConversationName, &h.From, &h.UserID); err != nil {
			return nil, err
		}
		h.CreatedAt = time.UnixMilli(at).UTC()
		if participants != "" {
			h.Participants = strings.Split(participants, ",")
		}
		hits = append(hits, h)
	}
	return hits, rows.Err()
}

// CountMatches counts the texts that Search finds, on every page.
func (s *Store) CountMatches(ctx context.Context, p SearchParams) (int, error) {
	where, args, check, err := searchFilter(s.db.engine, p)
	if err != nil {
		return 0, err
	}
	n := 0
	if !check {
		err = s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM documents d WHERE `+where, args...).Scan(&n)
		return n, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT d.body FROM documents d WHERE `+where, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return 0, err
		}
		if matchesQuery(body, p.Query) {
			n++
		}
	}
	return n, rows.Err()
}

// searchFilter is the WHERE clause of a search, its arguments, and
// whether the texts it selects must be checked with matchesQuery. The
// match itself is the engine's (SQLite's FTS5, PostgreSQL's tsquery);
// everything else is SQL that both take.
func searchFilter(e engine, p SearchParams) (string, []any, bool, error) {
	match, where, check := MatchExpression(p.Query), `d.workspace_id = ? AND d.doc_id IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?)`, false
	if e == postgresEngine {
		match, check = tsqueryOf(p.Query)
		where = `d.workspace_id = ? AND d.terms @@ ?::tsquery`
	}
	if match == "" {
		return "", nil, false, ErrEmptyQuery
	}
	args := []any{p.Workspace, match}
	in := func(column string, values []string) {
		where += ` AND ` + column + ` IN (?` + strings.Repeat(`, ?`, len(values)-1) + `)`
		for _, v := range values {
			args = append(args, v)
		}
	}
	if len(p.Kinds) > 0 {
		in("d.kind", p.Kinds)
	}
	if p.Lines != nil {
		if len(p.Lines) == 0 {
			return `1 = 0`, nil, false, nil // no line: nothing
		}
		in("d.line_id", p.Lines)
	}
	if p.Participants != nil {
		if len(p.Participants) == 0 {
			return `1 = 0`, nil, false, nil
		}
		where += ` AND d.conversation_id IN (SELECT conversation_id FROM conversation_participants WHERE workspace_id = ? AND number IN (?` +
			strings.Repeat(`, ?`, len(p.Participants)-1) + `))`
		args = append(args, p.Workspace)
		for _, n := range p.Participants {
			args = append(args, n)
		}
	}
	if p.Direction != "" {
		where += ` AND d.direction = ?`
		args = append(args, p.Direction)
	}
	if !p.Since.IsZero() {
		where += ` AND d.created_at >= ?`
		args = append(args, p.Since.UnixMilli())
	}
	if !p.Until.IsZero() {
		where += ` AND d.created_at < ?`
		args = append(args, p.Until.UnixMilli())
	}
	return where, args, check, nil
}

// MatchExpression turns a query of words and "quoted phrases" into an FTS5
// expression that needs them all: each word or phrase becomes a quoted
// FTS5 string, so that nothing the query holds is read as an operator
// (AND, NEAR, *, column filters). It is "" for a query with no word.
func MatchExpression(query string) string {
	var terms []string
	for _, t := range queryTerms(query) {
		terms = append(terms, `"`+strings.ReplaceAll(t, `"`, `""`)+`"`)
	}
	return strings.Join(terms, " ")
}

// queryTerms are the words and phrases of a query, as written.
func queryTerms(query string) []string {
	var terms []string
	add := func(t string) {
		if t = strings.TrimSpace(t); t != "" && strings.ContainsFunc(t, isTokenRune) {
			terms = append(terms, t)
		}
	}
	for i, part := range strings.Split(query, `"`) {
		if i%2 == 1 { // inside quotes: a phrase
			add(part)
			continue
		}
		for _, w := range strings.Fields(part) {
			add(w)
		}
	}
	return terms
}
