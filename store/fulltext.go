package store

import (
	"slices"
	"strings"
)

// PostgreSQL's full-text index holds, for each document, a tsvector that
// Go writes: the words of its text as tokenize splits and folds them.
// Neither PostgreSQL's parser nor a dictionary touches them (it is the
// 'simple' configuration, and less: no stemming, no stop words, and '-'
// and '_' inside words as SQLite's tokenizer keeps them), so that both
// engines find the same words in the same texts.
//
// The tsvector holds each word once, without positions: the index finds
// the texts that hold every word of a query, and a query with a phrase
// (or a word longer than a lexeme may be) is then checked in Go, word by
// word as SQLite's phrases are. Positions would not do: PostgreSQL keeps
// 256 of a word and none past 16,383, and a phrase in a long call's
// transcript would be missed.

// maxLexemeBytes is the longest word PostgreSQL indexes; a longer one
// (700 Chinese characters without a break) is indexed cut, at a rune's
// boundary, and a query that holds one is checked in Go.
const maxLexemeBytes = 2046

// maxVectorBytes bounds a tsvector literal, below PostgreSQL's 1 MB: the
// words past it (in a text of some 100,000 distinct words) are not
// indexed on PostgreSQL.
const maxVectorBytes = 900_000

// tsvectorOf is body's words, each once, as a tsvector literal: 'word'
// 'other' …
func tsvectorOf(body string) string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, t := range tokenize([]rune(body)) {
		word := lexeme(t.folded)
		if word == "" || seen[word] {
			continue
		}
		if b.Len()+len(word)+3 > maxVectorBytes {
			break
		}
		seen[word] = true
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		writeLexeme(&b, word)
	}
	return b.String()
}

// tsqueryOf is a query of words and "quoted phrases" as a tsquery that
// needs every word of them, and whether a text it finds must be checked
// in Go (matchesQuery): when the query has a phrase, or a word cut to
// maxLexemeBytes. It is "" for a query with no word.
func tsqueryOf(query string) (string, bool) {
	var words []string
	check := false
	for _, term := range queryTerms(query) {
		n := 0
		for _, t := range tokenize([]rune(term)) {
			word := lexeme(t.folded)
			if word == "" {
				continue
			}
			n++
			check = check || word != t.folded
			var b strings.Builder
			writeLexeme(&b, word)
			if !slices.Contains(words, b.String()) {
				words = append(words, b.String())
			}
		}
		check = check || n > 1
	}
	return strings.Join(words, " & "), check
}

// matchesQuery says whether body holds every word and phrase of query, as
// SQLite's full-text search matches them: whole words, folded, a phrase's
// words one after the other.
func matchesQuery(body, query string) bool {
	words := tokenize([]rune(body))
	for _, term := range queryTerms(query) {
		phrase := tokenize([]rune(term))
		if len(phrase) == 0 {
			continue
		}
		found := false
		for i := 0; i+len(phrase) <= len(words) && !found; i++ {
			found = matchesAt(words[i:], phrase)
		}
		if !found {
			return false
		}
	}
	return true
}

// lexeme is a folded word as PostgreSQL indexes it: cut to
// maxLexemeBytes at a rune's boundary.
func lexeme(word string) string {
	if len(word) <= maxLexemeBytes {
		return word
	}
	cut := maxLexemeBytes
	for cut > 0 && !isRuneStart(word[cut]) {
		cut--
	}
	return word[:cut]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

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
