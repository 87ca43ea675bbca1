package tools

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// Directory timings: how long names are kept, how soon a miss may refetch
// them, and how long a look-up may take out of a call's time.
const (
	directoryTTL        = 10 * time.Minute
	directoryMinRefresh = 30 * time.Second
	directoryTimeout    = 5 * time.Second
	maxUserPages        = 20 // 1,000 users at 50 a page
)

// A directory turns line and user IDs into names. It reads GET
// /v1/phone-numbers (whose lines embed their users) and, only for users
// found on no line, GET /v1/users; it keeps what it read for directoryTTL.
// A Client is one API key, so a directory per client is a cache per key.
type directory struct {
	c   *client.Client
	now func() time.Time

	mu      sync.Mutex // held while fetching, so that concurrent calls fetch once
	names   *names
	fetched time.Time
	err     error // the last fetch's failure, kept until directoryMinRefresh passes
}

// names is what a directory knows at one time.
type names struct {
	lines []client.PhoneNumber
	users map[string]string // user ID -> full name
}

func newDirectory(c *client.Client) *directory { return &directory{c: c, now: time.Now} }

func (n *names) line(id string) (client.PhoneNumber, bool) {
	i := slices.IndexFunc(n.lines, func(l client.PhoneNumber) bool { return l.ID == id })
	if i < 0 {
		return client.PhoneNumber{}, false
	}
	return n.lines[i], true
}

// lookup returns names that cover lineIDs and userIDs if OpenPhone knows
// them: cached names while fresh, fetched again when stale, or when an ID
// is missing and the cache is old enough to be worth refreshing. When a
// fetch fails, older names are better than none; the failure is kept for
// directoryMinRefresh, so that a failing OpenPhone is not asked on every call.
func (d *directory) lookup(ctx context.Context, lineIDs, userIDs []string) (*names, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	age := d.now().Sub(d.fetched)
	switch {
	case d.err != nil && age < directoryMinRefresh:
		return d.stale()
	case d.names != nil && age < directoryTTL && (d.names.covers(lineIDs, userIDs) || age < directoryMinRefresh):
		return d.names, nil
	}
	fetchCtx, cancel := context.WithTimeout(ctx, directoryTimeout)
	defer cancel()
	n, err := d.fetch(fetchCtx, userIDs)
	if ctx.Err() != nil { // the call ended: say nothing of OpenPhone
		return nil, ctx.Err()
	}
	d.fetched, d.err = d.now(), err
	if err != nil {
		return d.stale()
	}
	d.names = n
	return n, nil
}

// stale returns the names of an earlier fetch, or the last failure.
func (d *directory) stale() (*names, error) {
	if d.names != nil {
		return d.names, nil
	}
	return nil, d.err
}

// userName returns a user's name; a nil n knows none.
func (n *names) userName(id string) (string, bool) {
	if n == nil || id == "" {
		return "", false
	}
	name, ok := n.users[id]
	return name, ok
}

func (n *names) covers(lineIDs, userIDs []string) bool {
	for _, id := range lineIDs {
		if _, ok := n.line(id); !ok {
			return false
		}
	}
	for _, id := range userIDs {
		if _, ok := n.users[id]; !ok {
			return false
		}
	}
	return true
}

func (d *directory) fetch(ctx context.Context, userIDs []string) (*names, error) {
	lines, err := d.c.ListPhoneNumbers(ctx, client.ListPhoneNumbersParams{})
	if err != nil {
		return nil, fmt.Errorf("phone numbers: %w", err)
	}
	n := &names{lines: lines.Data, users: map[string]string{}}
	for _, l := range lines.Data {
		for _, u := range l.Users {
			n.users[u.ID] = client.FullName(u.FirstName, u.LastName)
		}
	}
	if n.covers(nil, userIDs) {
		return n, nil
	}
	p := client.ListUsersParams{MaxResults: client.MaxUsersPerPage}
	for range maxUserPages {
		page, err := d.c.ListUsers(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("users: %w", err)
		}
		for _, u := range page.Data {
			n.users[u.ID] = client.FullName(u.FirstName, u.LastName)
		}
		if page.NextPageToken == nil {
			break
		}
		p.PageToken = *page.NextPageToken
	}
	return n, nil
}

// resolveLines replaces each line name in p's phoneNumbers (and deprecated
// phoneNumber) with the line's ID. A name matches when it equals the line's
// name once trimmed, regardless of case, and only if exactly one line has
// that name. It looks names up only when a value is neither in the API's
// forms nor blank, and then returns what it found, or why it could not
// look. Values it cannot resolve stay as they are, for Validate to report
// and withLineChoices to explain.
func (d *directory) resolveLines(ctx context.Context, p *client.ListConversationsParams) (*names, error) {
	refs := make([]*string, 0, len(p.PhoneNumbers)+1)
	for i := range p.PhoneNumbers {
		refs = append(refs, &p.PhoneNumbers[i])
	}
	if p.PhoneNumber != "" {
		refs = append(refs, &p.PhoneNumber)
	}
	if !slices.ContainsFunc(refs, func(ref *string) bool { return isLineName(*ref) }) {
		return nil, nil
	}
	n, err := d.lookup(ctx, nil, nil)
	if err != nil {
		return nil, err
	}
	for _, ref := range refs {
		if matches := n.linesNamed(*ref); isLineName(*ref) && len(matches) == 1 {
			*ref = matches[0].ID
		}
	}
	return n, nil
}

// isLineName reports whether a phoneNumbers value can only be a line's name.
func isLineName(s string) bool { return strings.TrimSpace(s) != "" && !client.IsLineRef(s) }

// linesNamed returns the lines whose name is name, trimmed, in any case.
func (n *names) linesNamed(name string) []client.PhoneNumber {
	name = strings.TrimSpace(name)
	var lines []client.PhoneNumber
	for _, l := range n.lines {
		if name != "" && strings.EqualFold(strings.TrimSpace(l.Name), name) {
			lines = append(lines, l)
		}
	}
	return lines
}

// withLineChoices adds to each error about a line what the model can pass
// instead: the workspace's lines, or why they could not be listed.
func withLineChoices(errs client.ValidationError, n *names, lookupErr error) client.ValidationError {
	for i, e := range errs {
		if e.Problem != client.ProblemNotALine {
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
		case n != nil:
			errs[i].Problem = "is not a phone number, phone number ID or line name"
			errs[i].Want += ", or a line's name; the workspace's lines: " + describeLines(n.lines)
		}
	}
	return errs
}

// describeLines lists lines for a message: ID, name and number, each
// escaped as in a summary, so that no upstream value can forge a line.
func describeLines(lines []client.PhoneNumber) string {
	parts := make([]string, len(lines))
	for i, l := range lines {
		parts[i] = fieldText(l.ID) + " " + strconv.Quote(l.Name) + " " + fieldText(l.Number)
	}
	return strings.Join(parts, "; ")
}

// describeFailure says in a few words why a look-up failed.
func describeFailure(err error) string {
	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		return fmt.Sprintf("OpenPhone answered %d", apiErr.Status)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "OpenPhone did not answer in time"
	}
	return "OpenPhone could not be reached"
}
