package tools

import "time"

// A timeWindow is the stretch of time an answer covers: what bounds it
// (such as "created"), from since (nil: open) to until (nil: now); now is
// the server's clock as the answer read it (zero: as the call ends).
type timeWindow struct {
	what         string
	since, until *time.Time
	now          time.Time
}

// windowed is implemented by the answers, and the arguments, that cover a
// window of time; ok is false when they cover no window.
type windowed interface {
	window() (s timeWindow, ok bool)
}

// opening is what opens every answer: the window it covers, in absolute
// times beside the server's now, and the values given twice.
func opening(now time.Time, in, out any, repeated []string) string {
	var lines string
	w, ok := out.(windowed)
	if !ok {
		w, ok = in.(windowed)
	}
	if ok {
		if s, covered := w.window(); covered {
			if !s.now.IsZero() {
				now = s.now
			}
			lines = s.line(now) + "\n"
		}
	}
	if r, ok := out.(repeatsFound); ok {
		repeated = append(repeated, r.repeatedValues()...)
	}
	if note := repeatNote(repeated); note != "" {
		lines += note + "\n"
	}
	return lines
}

// line writes s in one line, e.g. "Window: 2026-03-01T17:00:00Z to now
// (2026-03-02T17:00:00Z, the server's clock)."
func (s timeWindow) line(now time.Time) string {
	b := "Window"
	if s.what != "" {
		b += " (" + s.what + ")"
	}
	b += ": "
	if s.since != nil {
		b += stamp(*s.since) + " to "
	} else {
		b += "up to "
	}
	if s.until == nil || !s.until.Before(now) {
		return b + "now (" + stamp(now) + ", the server's clock)."
	}
	return b + stamp(*s.until) + "; now is " + stamp(now) + " (the server's clock)."
}

// stamp writes t as the answers write times: RFC 3339 in UTC, to the second.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// dateSpan is the window of date-time arguments as given, when after is;
// a value that does not parse is left open (Validate refuses it).
func dateSpan(what, after, before string) (timeWindow, bool) {
	if after == "" {
		return timeWindow{}, false
	}
	s := timeWindow{what: what, since: parseStamp(after), until: parseStamp(before)}
	return s, s.since != nil
}

func parseStamp(v string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return nil
	}
	return &t
}
