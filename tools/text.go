package tools

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The text primitives every renderer writes with: fields bare or quoted,
// rows, date headings and page bounds. Whatever comes from OpenPhone is
// written through writeField or writeQuoted, so that no value can forge a
// row, a field or an instruction.

const dayLayout = "2006-01-02"

// rowWriter writes a row's fields separated by single spaces.
type rowWriter struct {
	b       *strings.Builder
	started bool
	scratch [32]byte
}

func (r *rowWriter) sep() {
	if r.started {
		r.b.WriteByte(' ')
	}
	r.started = true
}

func (r *rowWriter) field(s string) {
	r.sep()
	writeField(r.b, s)
}

func (r *rowWriter) time(t time.Time, label, layout string) {
	r.sep()
	r.b.WriteString(label)
	r.b.Write(t.UTC().AppendFormat(r.scratch[:0], layout))
}

// dateLayout formats a date without its year when it is the year of the
// heading the row stands under.
func dateLayout(t time.Time, heading *time.Time) string {
	if heading != nil && heading.UTC().Year() == t.UTC().Year() {
		return "Jan2"
	}
	return "Jan2 2006"
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.UTC().Date()
	by, bm, bd := b.UTC().Date()
	return ay == by && am == bm && ad == bd
}

// dayHeadings writes a UTC date heading before a row whenever the date
// changes.
type dayHeadings struct{ current string }

func (h *dayHeadings) write(b *strings.Builder, t time.Time) {
	if day := t.UTC().Format(dayLayout); day != h.current {
		h.current = day
		b.WriteString("\n" + day)
	}
}

// A span is the earliest and latest of one time field on a page; zero
// when no item has it.
type span struct {
	field       string
	first, last time.Time
}

func spanOf[T any](field string, items []T, at func(T) *time.Time) span {
	s := span{field: field}
	for _, item := range items {
		if t := at(item); t != nil {
			if s.first.IsZero() || t.Before(s.first) {
				s.first = *t
			}
			if s.last.IsZero() || t.After(s.last) {
				s.last = *t
			}
		}
	}
	return s
}

// writeSpans writes a page's exact spans, as RFC 3339, on one line.
func writeSpans(b *strings.Builder, spans ...span) {
	var parts []string
	for _, s := range spans {
		if !s.first.IsZero() {
			parts = append(parts, s.field+" "+s.first.UTC().Format(time.RFC3339Nano)+" to "+s.last.UTC().Format(time.RFC3339Nano))
		}
	}
	if len(parts) > 0 {
		b.WriteString("\nExact bounds, for date filters: " + strings.Join(parts, "; ") + ".")
	}
}

// writeField writes an upstream value bare when it is plain (letters,
// digits, +._:@-), and quoted when not, so that no value can forge a row or
// a field.
func writeField(b *strings.Builder, s string) {
	if s == "" || strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+._:@-", r))
	}) >= 0 {
		writeQuoted(b, s)
		return
	}
	b.WriteString(s)
}

// writeQuoted writes untrusted text as a Go-quoted string: newlines, quotes
// and invisible or direction-changing characters are escaped.
func writeQuoted(b *strings.Builder, s string) {
	var scratch [64]byte
	b.Write(strconv.AppendQuote(scratch[:0], s))
}

// fieldText is writeField's output as a string.
func fieldText(s string) string {
	var b strings.Builder
	writeField(&b, s)
	return b.String()
}

// joinFields writes values as fields, comma-separated.
func joinFields(values []string) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fieldText(v)
	}
	return strings.Join(parts, ",")
}

// shortDirection writes incoming and outgoing as in and out, and any other
// value as it is.
func shortDirection(d string) string {
	return cmp.Or(map[string]string{"incoming": "in", "outgoing": "out"}[d], d)
}

// sortByTime sorts a page oldest first.
func sortByTime[T any](items []T, at func(T) time.Time) {
	slices.SortStableFunc(items, func(a, b T) int { return at(a).Compare(at(b)) })
}

// appendID adds *id to ids when it is set and not there yet.
func appendID(ids []string, id *string) []string {
	if id == nil || *id == "" || slices.Contains(ids, *id) {
		return ids
	}
	return append(ids, *id)
}

// writeBullets writes quoted points, one per line.
func writeBullets(b *strings.Builder, points []string) {
	for _, p := range points {
		b.WriteString("\n- ")
		writeQuoted(b, p)
	}
}

// clock writes seconds from the start of a call as m:ss, with a sign when
// negative (OpenPhone's clock may start after the first words).
func clock(seconds float64) string {
	sign := ""
	if seconds < 0 {
		sign, seconds = "-", -seconds
	}
	total := int(seconds)
	return fmt.Sprintf("%s%d:%02d", sign, total/60, total%60)
}

// maxNameRunes bounds a name from OpenPhone as legends and rows write it.
const maxNameRunes = 80

// boundedQuote writes untrusted text as writeQuoted does, cut to
// maxNameRunes characters with an ellipsis.
func boundedQuote(s string) string { return quoteCut(s, maxNameRunes) }

// quoteCut writes untrusted text as writeQuoted does, cut to n characters
// with an ellipsis.
func quoteCut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return strconv.Quote(s)
}

// deref is *s, or "" for nil.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
