package contacts

import (
	"cmp"
	"slices"
	"strings"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// A Match is a contact that a query found, with how well it matched.
type Match struct {
	Contact client.Contact
	Score   int    // higher is better: 100 is the same number
	Field   string // what matched: "number", "name", "company" or "email"
}

// Find returns the contacts that query matches, best first, and how many
// matched in all (Find returns at most limit). A query matches a contact's
// number in any format it is typed in (all its digits, or at least 4 of
// them in a row), or its name, company or email, in any case and with or
// without accents: the whole value, every word's start, or any part.
func (v View) Find(query string, limit int) ([]Match, int) {
	q := newQuery(query)
	var matches []Match
	for _, ct := range v.All() {
		if m, ok := q.match(ct); ok {
			matches = append(matches, m)
		}
	}
	slices.SortStableFunc(matches, func(a, b Match) int {
		return cmp.Or(b.Score-a.Score, strings.Compare(fold(DisplayName(a.Contact)), fold(DisplayName(b.Contact))))
	})
	return matches[:min(limit, len(matches))], len(matches)
}

// A query is what Find looks for, prepared once.
type query struct {
	text   string // folded
	words  []string
	number string // E.164, when the query reads as a whole number
	digits string // the query's digits, when it is mostly digits
}

func newQuery(s string) query {
	q := query{text: fold(s)}
	q.words = strings.Fields(q.text)
	var digits, other int
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +-.()", r):
		default:
			other++
		}
	}
	if digits >= 4 && other == 0 {
		q.digits = onlyDigits(s)
		q.number, _ = Normalize(s)
	}
	return q
}

func (q query) match(ct client.Contact) (Match, bool) {
	best := Match{Contact: ct}
	consider := func(score int, field string) {
		if score > best.Score {
			best.Score, best.Field = score, field
		}
	}
	f := ct.DefaultFields
	for _, n := range f.PhoneNumbers {
		if n.Value == nil || q.digits == "" {
			continue
		}
		if e164, ok := Normalize(*n.Value); ok && e164 == q.number {
			consider(100, "number")
		} else if d := onlyDigits(*n.Value); strings.HasSuffix(d, q.digits) {
			consider(65, "number") // the last digits, as people quote a number
		} else if strings.Contains(d, q.digits) {
			consider(60, "number")
		}
	}
	if q.text == "" {
		return best, false
	}
	consider(q.score(fold(strings.TrimSpace(value(f.FirstName)+" "+value(f.LastName))), 95, 85, 60), "name")
	consider(q.score(fold(value(f.Company)), 80, 70, 50), "company")
	for _, e := range f.Emails {
		consider(q.score(fold(value(e.Value)), 90, 0, 45), "email")
	}
	return best, best.Score > 0
}

// score rates how s matches the query: whole, by the starts of its words,
// or in part; 0 for not at all.
func (q query) score(s string, whole, starts, part int) int {
	switch {
	case s == "":
		return 0
	case s == q.text:
		return whole
	case starts > 0 && wordStarts(strings.Fields(s), q.words):
		return starts
	case strings.Contains(s, q.text):
		return part
	}
	return 0
}

// wordStarts reports whether each query word starts a word of s.
func wordStarts(words, query []string) bool {
	for _, qw := range query {
		if !slices.ContainsFunc(words, func(w string) bool { return strings.HasPrefix(w, qw) }) {
			return false
		}
	}
	return len(query) > 0
}

func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func value(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// DisplayName is a contact's name, or its company when it has none, or "".
func DisplayName(ct client.Contact) string {
	f := ct.DefaultFields
	return cmp.Or(strings.TrimSpace(value(f.FirstName)+" "+value(f.LastName)), value(f.Company))
}

// Named returns the contacts whose whole name is name, in any case and
// with or without accents: first and last name as stored (or the one of
// them a contact has), never a part of it, a company or an email.
func (v View) Named(name string) []client.Contact {
	want := fold(name)
	if want == "" {
		return nil
	}
	var out []client.Contact
	for _, ct := range v.All() {
		f := ct.DefaultFields
		if fold(value(f.FirstName)+" "+value(f.LastName)) == want {
			out = append(out, ct)
		}
	}
	return out
}
