package tools

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

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
// /v1/phone-numbers (whose lines embed their users) and, only when a user
// is found on no line, every page of GET /v1/users; it keeps what it read
// for directoryTTL. A Client is one API key, so a directory per client is
// a cache per key.
//
// Concurrent look-ups share one fetch, which runs on its own time limit
// (directoryTimeout), not on any caller's: a caller that gives up stops
// waiting, and the fetch goes on for the others. An ID that a fetch did not
// find (a deleted user, say) is remembered as unknown until the names
// expire, so that it does not cost a refetch on every call.
type directory struct {
	c       *client.Client
	now     func() time.Time
	flights singleflight.Group

	mu      sync.Mutex
	names   *names
	fetched time.Time
	unknown map[string]bool // IDs that the current names lack
	err     error           // the last fetch's failure, kept until directoryMinRefresh passes
	failed  time.Time
}

// names is what a directory knows at one time. It is not changed once made.
type names struct {
	lines    []client.PhoneNumber
	users    map[string]string // user ID -> full name
	allUsers bool              // users holds every user, not only those on lines
}

func newDirectory(c *client.Client) *directory {
	return &directory{c: c, now: time.Now, unknown: map[string]bool{}}
}

func (n *names) line(id string) (client.PhoneNumber, bool) {
	i := slices.IndexFunc(n.lines, func(l client.PhoneNumber) bool { return l.ID == id })
	if i < 0 {
		return client.PhoneNumber{}, false
	}
	return n.lines[i], true
}

// userName returns a user's name; a nil n knows none.
func (n *names) userName(id string) (string, bool) {
	if n == nil || id == "" {
		return "", false
	}
	name, ok := n.users[id]
	return name, ok
}

// lookup returns names that cover lineIDs and userIDs if OpenPhone knows
// them: cached names while fresh, fetched again when stale, or when an ID
// is missing and the cache is old enough to be worth refreshing. When a
// fetch fails, older names are better than none; the failure is kept for
// directoryMinRefresh, so that a failing OpenPhone is not asked on every call.
func (d *directory) lookup(ctx context.Context, lineIDs, userIDs []string) (*names, error) {
	// A system user (an AI agent, an automation) is in no list: asking for
	// it would only fetch every user in vain.
	userIDs = slices.DeleteFunc(slices.Clone(userIDs), isSystemUser)
	if n, err, ok := d.cached(lineIDs, userIDs); ok {
		return n, err
	}
	d.mu.Lock()
	withUsers := d.names != nil && !d.names.hasUsers(userIDs)
	d.mu.Unlock()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		key := "lines"
		if withUsers {
			key = "lines and users"
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case r := <-d.flights.DoChan(key, func() (any, error) { return d.refresh(ctx, withUsers) }):
			if r.Err != nil {
				d.mu.Lock()
				defer d.mu.Unlock()
				return d.stale(r.Err)
			}
			n := r.Val.(*names)
			if !withUsers && !n.hasUsers(userIDs) {
				withUsers = true // the users on no line are in /v1/users
				continue
			}
			d.noteUnknown(n, lineIDs, userIDs)
			return n, nil
		}
	}
}

// cached returns the answer that needs no fetch, if there is one.
func (d *directory) cached(lineIDs, userIDs []string) (*names, error, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	age := now.Sub(d.fetched)
	switch {
	case d.err != nil && now.Sub(d.failed) < directoryMinRefresh:
		n, err := d.stale(d.err)
		return n, err, true
	case d.names != nil && age < directoryTTL && (d.knows(lineIDs, userIDs) || age < directoryMinRefresh):
		return d.names, nil, true
	}
	return nil, nil, false
}

// refresh fetches the names, on its own time limit, and keeps them. It
// keeps the values of the ctx of the call that started it (its progress
// reports), not its end.
func (d *directory) refresh(ctx context.Context, withUsers bool) (*names, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), directoryTimeout)
	defer cancel()
	// The calls that wait on the names go first in the key's rate limit.
	ctx = client.WithLane(ctx, client.LaneUrgent)
	d.mu.Lock()
	var recent []client.PhoneNumber // lines fetched too recently to fetch again
	if d.names != nil && d.now().Sub(d.fetched) < directoryMinRefresh {
		recent = d.names.lines
	}
	d.mu.Unlock()
	n, err := d.fetch(ctx, withUsers, recent)
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil {
		if !isLocal(err) { // a fetch not sent is no news of OpenPhone
			d.err, d.failed = err, d.now()
		}
		return nil, err
	}
	d.names, d.fetched, d.unknown, d.err = n, d.now(), map[string]bool{}, nil
	return n, nil
}

// noteUnknown remembers the IDs that n, fetched just now, lacks.
func (d *directory) noteUnknown(n *names, lineIDs, userIDs []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.names != n {
		return // newer names came meanwhile
	}
	for _, id := range lineIDs {
		if _, ok := n.line(id); !ok {
			d.unknown[id] = true
		}
	}
	for _, id := range userIDs {
		if _, ok := n.users[id]; !ok && n.allUsers {
			d.unknown[id] = true
		}
	}
}

// stale returns the names of an earlier fetch, or err, the failure of the
// last. The caller holds d.mu.
func (d *directory) stale(err error) (*names, error) {
	if d.names != nil {
		return d.names, nil
	}
	return nil, err
}

// knows reports whether the current names have, or know they lack, every
// ID. The caller holds d.mu.
func (d *directory) knows(lineIDs, userIDs []string) bool {
	for _, id := range lineIDs {
		if _, ok := d.names.line(id); !ok && !d.unknown[id] {
			return false
		}
	}
	for _, id := range userIDs {
		if _, ok := d.names.users[id]; !ok && !d.unknown[id] {
			return false
		}
	}
	return true
}

// hasUsers reports whether n names every user in ids, or holds every user
// there is.
func (n *names) hasUsers(ids []string) bool {
	if n.allUsers {
		return true
	}
	for _, id := range ids {
		if _, ok := n.users[id]; !ok {
			return false
		}
	}
	return true
}

// fetch reads the lines, unless it is given lines read just now, and with
// withUsers every user.
func (d *directory) fetch(ctx context.Context, withUsers bool, lines []client.PhoneNumber) (*names, error) {
	if lines == nil || !withUsers {
		list, err := d.c.ListPhoneNumbers(ctx, client.ListPhoneNumbersParams{})
		if err != nil {
			return nil, fmt.Errorf("phone numbers: %w", err)
		}
		lines = list.Data
	}
	n := &names{lines: lines, users: map[string]string{}, allUsers: withUsers}
	for _, l := range lines {
		for _, u := range l.Users {
			n.users[u.ID] = client.FullName(u.FirstName, u.LastName)
		}
	}
	if !withUsers {
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
// phoneNumber) with the line's ID; see resolve.
func (d *directory) resolveLines(ctx context.Context, p *client.ListConversationsParams) (*names, error) {
	refs := make([]*string, 0, len(p.PhoneNumbers)+1)
	for i := range p.PhoneNumbers {
		refs = append(refs, &p.PhoneNumbers[i])
	}
	if p.PhoneNumber != "" {
		refs = append(refs, &p.PhoneNumber)
	}
	return d.resolve(ctx, refs, client.IsLineRef)
}

// resolveLineID replaces a line's number or name in *ref with its ID, for
// the endpoints that take only an ID; see resolve.
func (d *directory) resolveLineID(ctx context.Context, ref *string) (*names, error) {
	return d.resolve(ctx, []*string{ref}, client.IsPhoneNumberID)
}

// resolve replaces each value in refs that the API would not take (taken
// tells) with the ID of the one line it names: by number, or by name
// (trimmed, in any case). It looks the lines up only when some value is
// neither taken nor blank, and then returns what it found, or why it could
// not look. Values it cannot resolve stay as they are, for Validate to
// report and withLineChoices to explain.
func (d *directory) resolve(ctx context.Context, refs []*string, taken func(string) bool) (*names, error) {
	if d == nil || !slices.ContainsFunc(refs, func(ref *string) bool { return needsLookup(*ref, taken) }) {
		return nil, nil
	}
	n, err := d.lookup(ctx, nil, nil)
	if err != nil {
		return nil, err
	}
	// A name that matches no line is a miss, as an unknown ID is: the line
	// may have been added or renamed since, so the lines are read again,
	// if the names are old enough to be worth it.
	missed := slices.ContainsFunc(refs, func(ref *string) bool { return needsLookup(*ref, taken) && len(n.linesNamed(*ref)) == 0 })
	if fresh, ok := d.refetchLines(ctx, missed); ok {
		n = fresh
	}
	for _, ref := range refs {
		if matches := n.linesNamed(*ref); needsLookup(*ref, taken) && len(matches) == 1 {
			*ref = matches[0].ID
		}
	}
	return n, nil
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

// needsLookup reports whether a line value can only be resolved by the
// workspace's lines.
func needsLookup(s string, taken func(string) bool) bool {
	return strings.TrimSpace(s) != "" && !taken(s)
}

// linesNamed returns the lines that ref names: by their E.164 number, or by
// their name, trimmed, in any case.
func (n *names) linesNamed(ref string) []client.PhoneNumber {
	ref = strings.TrimSpace(ref)
	var lines []client.PhoneNumber
	for _, l := range n.lines {
		if ref != "" && (l.Number == ref || strings.EqualFold(strings.TrimSpace(l.Name), ref)) {
			lines = append(lines, l)
		}
	}
	return lines
}

// withLineChoices adds to each error about a line what the model can pass
// instead: the workspace's lines, or why they could not be listed.
func withLineChoices(errs client.ValidationError, n *names, lookupErr error) client.ValidationError {
	for i, e := range errs {
		if e.Problem != client.ProblemNotALine && e.Problem != client.ProblemNotALineID {
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
		case n != nil && e.Problem == client.ProblemNotALineID:
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

// isLocal reports a failure of this server's own, before anything was
// sent: the key's rate limit had no place in time, or OpenPhone had asked
// the key to pause.
func isLocal(err error) bool {
	var rl *client.RateLimitError
	var pause *client.PauseError
	return errors.As(err, &rl) || errors.As(err, &pause)
}

// describeFailure says in a few words why a look-up failed.
func describeFailure(err error) string {
	var apiErr *client.APIError
	var rl *client.RateLimitError
	var pause *client.PauseError
	switch {
	case errors.As(err, &apiErr):
		return fmt.Sprintf("OpenPhone answered %d", apiErr.Status)
	case errors.As(err, &rl):
		return "this server's rate limit for the key had no room in time; nothing was sent"
	case errors.As(err, &pause):
		return "OpenPhone asked this API key to pause; nothing was sent"
	}
	var decodeErr *client.DecodeError
	if errors.As(err, &decodeErr) {
		return "OpenPhone's answer could not be read"
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "OpenPhone did not answer in time"
	}
	return "OpenPhone could not be reached"
}
