package store

import (
	"context"
	"errors"
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
	Limit        int // 1 or more; 20 when 0
}

// A Hit is a text that matched a search.
type Hit struct {
	Kind           string // KindText, KindVoicemail, KindSummary or KindTranscript
	RefID          string // the message's or the call's ID
	ConversationID string
	LineID         string
	Direction      string
	CreatedAt      time.Time
	// Snippet is the text around the match, the matched words between
	// MarkStart and MarkEnd, cut with "…".
	Snippet string
}

// The marks around matched words in a Hit's Snippet.
const (
	MarkStart = "[["
	MarkEnd   = "]]"
)

// ErrEmptyQuery is the error of a search with no word to find.
var ErrEmptyQuery = errors.New("store: the search has no word to find")

// Search finds the texts of a workspace that hold every word and phrase
// of the query, newest first.
func (s *Store) Search(ctx context.Context, p SearchParams) ([]Hit, error) {
	match := MatchExpression(p.Query)
	if match == "" {
		return nil, ErrEmptyQuery
	}
	if p.Limit <= 0 {
		p.Limit = 20
	}
	q := `SELECT d.kind, d.ref_id, d.conversation_id, d.line_id, d.direction, d.created_at,
			snippet(documents_fts, 0, ?, ?, '…', 16)
		FROM documents_fts JOIN documents d ON d.doc_id = documents_fts.rowid
		WHERE documents_fts MATCH ? AND d.workspace_id = ?`
	args := []any{MarkStart, MarkEnd, match, p.Workspace}
	if len(p.Kinds) > 0 {
		q += ` AND d.kind IN (?` + strings.Repeat(`, ?`, len(p.Kinds)-1) + `)`
		for _, k := range p.Kinds {
			args = append(args, k)
		}
	}
	if !p.Since.IsZero() {
		q += ` AND d.created_at >= ?`
		args = append(args, p.Since.UnixMilli())
	}
	if !p.Until.IsZero() {
		q += ` AND d.created_at < ?`
		args = append(args, p.Until.UnixMilli())
	}
	q += ` ORDER BY d.created_at DESC, d.doc_id DESC LIMIT ?`
	args = append(args, p.Limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hits []Hit
	for rows.Next() {
		var h Hit
		var at int64
		if err := rows.Scan(&h.Kind, &h.RefID, &h.ConversationID, &h.LineID, &h.Direction, &at, &h.Snippet); err != nil {
			return nil, err
		}
		h.CreatedAt = time.UnixMilli(at).UTC()
		hits = append(hits, h)
	}
	return hits, rows.Err()
}

// MatchExpression turns a query of words and "quoted phrases" into an FTS5
// expression that needs them all: each word or phrase becomes a quoted
// FTS5 string, so that nothing the query holds is read as an operator
// (AND, NEAR, *, column filters). It is "" for a query with no word.
func MatchExpression(query string) string {
	var terms []string
	add := func(t string) {
		if t = strings.TrimSpace(t); t != "" && strings.ContainsFunc(t, isWordRune) {
			terms = append(terms, `"`+strings.ReplaceAll(t, `"`, `""`)+`"`)
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
	return strings.Join(terms, " ")
}

func isWordRune(r rune) bool {
	return r == '_' || r == '-' || (r >= '0' && r <= '9') || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r > 127
}
