package tools

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/contacts"
)

// lineIDs maps line values that the model gave by number or name to the
// IDs of the lines they name.
type lineIDs map[string]string

// id returns the ID of the line that value names, or value itself when it
// was not resolved (an ID, or a value that Validate will report).
func (ids lineIDs) id(value string) string {
	if id, ok := ids[value]; ok {
		return id
	}
	return value
}

// each applies id to every value, nil staying nil, and keeps each line
// once (repeatedLines says which were given twice).
func (ids lineIDs) each(values []string) []string {
	if values == nil {
		return nil
	}
	out := make([]string, 0, len(values))
	for _, v := range values {
		if id := ids.id(v); !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// resolve finds, for each value that the API would not take (taken tells),
// the ID of the one line it names: by number in any format, or by name
// (trimmed, in any case); and, once it has read the lines, the ID of each
// line given by its E.164 number. It looks the lines up only when some
// value is neither taken nor blank, and then returns the lines it looked
// in, or why it could not look.
// Values it cannot resolve are left out, for Validate to report and
// withLineChoices to explain.
func (d *directory) resolve(ctx context.Context, values []string, taken func(string) bool) (lineIDs, *names, error) {
	needed := slices.ContainsFunc(values, func(v string) bool { return needsLookup(v, taken) })
	if !needed && !slices.ContainsFunc(values, isNumber) {
		return nil, nil, nil
	}
	n, err := d.lookup(ctx, nil, nil)
	switch {
	case err != nil && !needed: // numbers alone: OpenPhone takes them as they are
		return nil, nil, nil
	case err != nil:
		return nil, nil, err
	}
	// A name that matches no line is a miss, as an unknown ID is: the line
	// may have been added or renamed since, so the lines are read again,
	// if the names are old enough to be worth it.
	missed := slices.ContainsFunc(values, func(v string) bool { return needsLookup(v, taken) && len(n.linesNamed(v)) == 0 })
	if fresh, ok := d.refetchLines(ctx, missed); ok {
		n = fresh
	}
	// With the lines at hand, a line's number is read as its ID too, so
	// that a line given by name and by number is one line.
	ids := lineIDs{}
	for _, v := range values {
		if matches := n.linesNamed(v); (needsLookup(v, taken) || client.IsE164(v)) && len(matches) == 1 {
			ids[v] = matches[0].ID
		}
	}
	return ids, n, nil
}

// refetchLines reads the lines again when asked to and the names are at
// least directoryMinRefresh old, sharing the fetch with other callers.
func (d *directory) refetchLines(ctx context.Context, asked bool) (*names, bool) {
	d.mu.Lock()
	old := d.now().Sub(d.fetched) >= directoryMinRefresh
	d.mu.Unlock()
	if !asked || !old {
		return nil, false
	}
	select {
	case <-ctx.Done():
		return nil, false
	case r := <-d.flights.DoChan("lines", func() (any, error) { return d.refresh(ctx, false) }):
		if r.Err != nil {
			return nil, false
		}
		return r.Val.(*names), true
	}
}

// isNumber reports whether a line value is an E.164 number, which
// OpenPhone takes as it is and answers 404 for when it is no line of the
// workspace: it is checked against the lines when they can be read.
func isNumber(s string) bool { return client.IsE164(strings.TrimSpace(s)) }

// notLines are the errors of the line values that are E.164 numbers of no
// line of n: refused here, rather than by OpenPhone's bare 404.
func notLines(args []lineArg, n *names) client.ValidationError {
	if n == nil {
		return nil
	}
	var errs client.ValidationError
	for _, a := range args {
		if isNumber(a.value) && len(n.linesNamed(a.value)) == 0 {
			errs = append(errs, client.InvalidParam{Kind: client.KindNotALine, Param: a.param, Value: a.value, Problem: "is not a line of this workspace"})
		}
	}
	return errs
}

// needsLookup reports whether a line value can only be resolved by the
// workspace's lines.
func needsLookup(s string, taken func(string) bool) bool {
	return strings.TrimSpace(s) != "" && !taken(s)
}

// linesNamed returns the lines that ref names: by their number, in any
// format, or by their name, trimmed, in any case.
func (n *names) linesNamed(ref string) []client.PhoneNumber {
	ref = strings.TrimSpace(ref)
	number := ref
	if p, ok := contacts.Parse(ref, ""); ok && p.Extension == "" {
		number = p.E164
	}
	var lines []client.PhoneNumber
	for _, l := range n.lines {
		if ref != "" && (l.Number == number || strings.EqualFold(strings.TrimSpace(l.Name), ref)) {
			lines = append(lines, l)
		}
	}
	return lines
}

// withLineChoices adds to each error about a line what the model can pass
// instead: the workspace's lines, or why they could not be listed.
func withLineChoices(errs client.ValidationError, n *names, lookupErr error) client.ValidationError {
	for i, e := range errs {
		if e.Kind != client.KindNotALine && e.Kind != client.KindNotALineID {
			continue
		}
		value, _ := e.Value.(string)
		switch {
		case strings.TrimSpace(value) == "":
			errs[i].Problem = "is blank"
			errs[i].Want = "give a line's E.164 number, phone number ID (PN…) or name, or leave the parameter out for every line"
		case lookupErr != nil:
			errs[i].Want += fmt.Sprintf("; line names could not be looked up (%s)", describeFailure(lookupErr))
		case n != nil && len(n.linesNamed(value)) > 1:
			errs[i].Problem = "names more than one line"
			errs[i].Want = "pass the ID of the one meant: " + describeLines(n.linesNamed(value))
		case n != nil && looksLikeNumber(value):
			errs[i].Problem = "is not a valid phone number"
			if _, valid := contacts.Parse(value, ""); valid {
				errs[i].Problem = "is not a line of this workspace"
			}
			errs[i].Want = "give a line's whole number in any format (e.g. +14155550100 or (415) 555-0100), its ID (PN…) or name; the workspace's lines: " + describeLines(n.lines)
		case n != nil && e.Kind == client.KindNotALineID:
			errs[i].Problem = "is not a line of this workspace"
			errs[i].Want = "want a line's phone number ID (PN…), E.164 number or name; the workspace's lines: " + describeLines(n.lines)
		case n != nil:
			errs[i].Problem = "is not a phone number, phone number ID or line name"
			errs[i].Want += ", or a line's name; the workspace's lines: " + describeLines(n.lines)
		}
	}
	return errs
}

// describeLines lists lines for a message, as lineText writes them.
func describeLines(lines []client.PhoneNumber) string {
	parts := make([]string, len(lines))
	for i, l := range lines {
		parts[i] = lineText(l)
	}
	return strings.Join(parts, "; ")
}
