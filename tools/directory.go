package tools

import (
	"context"
	"fmt"
	"slices"
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

// line returns the line of id; a nil n knows none.
func (n *names) line(id string) (client.PhoneNumber, bool) {
	if n == nil {
		return client.PhoneNumber{}, false
	}
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
