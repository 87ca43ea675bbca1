package store

import (
	"strconv"
	"strings"
)

// PostgreSQL's full-text index holds, for each document, a tsvector that
// Go writes: the words of its text as tokenize splits and folds them, at
// their positions. Neither PostgreSQL's parser nor a dictionary touches
// them (it is the 'simple' configuration, and less: no stemming, no stop
// words, and '-' and '_' inside words as SQLite's tokenizer keeps them),
// so that both engines find the same words in the same texts.

// maxLexemePosition is the last position a tsvector records; PostgreSQL
// sets later ones to it, so that a phrase beyond it (some 16,000 words
// into a call's transcript) is found by its words alone.
const maxLexemePosition = 16383

// tsvectorOf is body's words, as a tsvector literal: 'word':1 'other':2 …
func tsvectorOf(body string) string {
	var b strings.Builder
	for i, t := range tokenize([]rune(body)) {
		if t.folded == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		writeLexeme(&b, t.folded)
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(min(i+1, maxLexemePosition)))
	}
	return b.String()
}

// tsqueryOf is a query of words and "quoted phrases" as a tsquery that
// needs them all, each phrase its words in a row (<->): the query
// MatchExpression makes for SQLite. It is "" for a query with no word.
func tsqueryOf(query string) string {
	var terms []string
	for _, term := range queryTerms(query) {
		var words []string
		for _, t := range tokenize([]rune(term)) {
			if t.folded != "" {
				var b strings.Builder
				writeLexeme(&b, t.folded)
				words = append(words, b.String())
			}
		}
		if len(words) > 0 {
			terms = append(terms, "("+strings.Join(words, " <-> ")+")")
		}
	}
	return strings.Join(terms, " & ")
}

// writeLexeme writes word quoted, as tsvector and tsquery literals take
// it: ' doubled, \ escaped.
func writeLexeme(b *strings.Builder, word string) {
	b.WriteByte('\'')
	for _, r := range word {
		switch r {
		case '\'':
			b.WriteString("''")
		case '\\':
			b.WriteString(`\\`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
}
