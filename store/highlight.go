package store

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// A Segment is a part of a text: one that the query matched, or not.
type Segment struct {
	Text  string
	Match bool
}

// Highlight cuts body to about maxRunes characters around the query's
// first match, and marks the query's words and phrases in it as the
// search matches them: whole words (letters, digits, '-' and '_'), case
// and accents ignored, a phrase's words only where they follow each
// other. A cut is shown as "…". It is computed here, not by an engine,
// so that every engine's hits read the same.
func Highlight(body, query string, maxRunes int) []Segment {
	text := []rune(body)
	words := tokenize(text)
	// marked[i] is set for each rune the query matched: a phrase's words
	// and what is between them.
	marked := make([]bool, len(text))
	first := len(text)
	for _, term := range queryTerms(query) {
		phrase := tokenize([]rune(term))
		if len(phrase) == 0 {
			continue
		}
		for i := 0; i+len(phrase) <= len(words); i++ {
			if matchesAt(words[i:], phrase) {
				from, to := words[i].start, words[i+len(phrase)-1].end
				for r := from; r < to; r++ {
					marked[r] = true
				}
				first = min(first, from)
			}
		}
	}
	// The window: from a little before the first match, maxRunes long.
	start, end := 0, len(text)
	if len(text) > maxRunes {
		if first == len(text) {
			first = 0
		}
		start = max(0, min(first-maxRunes/4, len(text)-maxRunes))
		for start > 0 && !unicode.IsSpace(text[start-1]) && first-start < maxRunes/2 {
			start-- // begin at a word's start
		}
		end = min(len(text), start+maxRunes)
	}
	var out []Segment
	add := func(s string, match bool) {
		if s == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].Match == match {
			out[n-1].Text += s
			return
		}
		out = append(out, Segment{s, match})
	}
	if start > 0 {
		add("…", false)
	}
	for from := start; from < end; {
		to := from
		for to < end && marked[to] == marked[from] {
			to++
		}
		add(string(text[from:to]), marked[from])
		from = to
	}
	if end < len(text) {
		add("…", false)
	}
	return out
}

// A token is a word of a text: its runes [start, end), folded.
type token struct {
	start, end int
	folded     string
}

// tokenize splits text into words as the search's tokenizer does (SQLite's
// unicode61 with '-' and '_' inside words), each folded.
func tokenize(text []rune) []token {
	var out []token
	start := -1
	for i := 0; i <= len(text); i++ {
		inWord := i < len(text) && isTokenRune(text[i])
		switch {
		case inWord && start < 0:
			start = i
		case !inWord && start >= 0:
			out = append(out, token{start, i, foldWord(string(text[start:i]))})
			start = -1
		}
	}
	return out
}

func isTokenRune(r rune) bool {
	return r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mn, r)
}

// foldWord is a word as the search compares it: lower case, without
// accents.
func foldWord(s string) string {
	if isASCII(s) { // most words: no accent to take off
		return strings.ToLower(s)
	}
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	if out, _, err := transform.String(t, s); err == nil {
		s = out
	}
	return strings.ToLower(s)
}

func matchesAt(words, phrase []token) bool {
	for j, p := range phrase {
		if words[j].folded != p.folded {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
