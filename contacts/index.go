// Package contacts is the contact index of one OpenPhone API key. GET
// /v1/contacts cannot filter by number or name, so the only way to name
// the numbers in a conversation, or to find a contact, is to read every
// contact once and look them up here.
//
// An Index is built by paging GET /v1/contacts, 50 at a time, in the rate
// limiter's background lane: a person's call always goes first. It is
// built once for all its callers, and rebuilt in the background when it is
// older than its refresh interval, while the old one goes on answering.
// A look-up never waits long for a cold index: it answers with what is
// indexed so far, and says so.
package contacts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// Defaults of an Index.
const (
	DefaultRefresh = 10 * time.Minute // age at which an index is rebuilt
	DefaultWait    = time.Second      // how long a look-up waits for a build under way
	retryAfter     = 30 * time.Second // how soon a failed build is tried again
	buildTimeout   = 10 * time.Minute // a build's own time limit
	pageSize       = client.MaxContactsPerPage
)

// An Index maps the numbers of one API key's contacts to the contacts. It
// is safe for concurrent use.
type Index struct {
	c       *client.Client
	ctx     context.Context // background work stops when it is done
	refresh time.Duration
	wait    time.Duration
	now     func() time.Time
	onBuilt func(took time.Duration, contacts int, err error)

	mu       sync.Mutex
	ready    *snapshot     // the last complete build; nil before the first
	partial  *snapshot     // the build under way, nil when none
	done     chan struct{} // closed when the build under way ends
	err      error         // why the last build failed
	failedAt time.Time
	fields   []client.CustomField // the workspace's custom fields, once read
}

// An Option configures an Index.
type Option func(*Index)

// WithRefresh sets the age at which the index is rebuilt.
func WithRefresh(d time.Duration) Option { return func(x *Index) { x.refresh = d } }

// WithWait sets how long a look-up waits for a build under way.
func WithWait(d time.Duration) Option { return func(x *Index) { x.wait = d } }

// WithBuildHook has f told of each build as it ends: how long it took,
// how many contacts it read, and why it failed (nil when it did not).
func WithBuildHook(f func(took time.Duration, contacts int, err error)) Option {
	return func(x *Index) { x.onBuilt = f }
}

// New returns the index of c's contacts, built on first use. Its builds
// stop when ctx is done.
func New(ctx context.Context, c *client.Client, opts ...Option) *Index {
	x := &Index{c: c, ctx: ctx, refresh: DefaultRefresh, wait: DefaultWait, now: time.Now}
	for _, opt := range opts {
		opt(x)
	}
	return x
}

// A snapshot is the index at one time: complete, or a build's so far.
type snapshot struct {
	contacts []client.Contact
	byNumber map[string][]int32 // E.164 -> indexes into contacts
	built    time.Time
}

func newSnapshot() *snapshot { return &snapshot{byNumber: map[string][]int32{}} }

// add indexes contacts by each number they hold, in E.164.
func (s *snapshot) add(contacts []client.Contact) {
	for _, ct := range contacts {
		i := int32(len(s.contacts))
		s.contacts = append(s.contacts, ct)
		var seen []string
		for _, n := range ct.DefaultFields.PhoneNumbers {
			if n.Value == nil {
				continue
			}
			if e164, ok := Normalize(*n.Value); ok && !slices.Contains(seen, e164) {
				seen = append(seen, e164)
				s.byNumber[e164] = append(s.byNumber[e164], i)
			}
		}
	}
}

// A View is what a look-up could see: the index, complete or as far as it
// was built, or why there is none.
type View struct {
	snap *snapshot
	// Loading is set while the first build is under way: the view holds
	// the contacts indexed so far.
	Loading bool
	// Err says why there are no contacts to see: the build failed.
	Err error
}

// Indexed is how many contacts the view holds.
func (v View) Indexed() int {
	if v.snap == nil {
		return 0
	}
	return len(v.snap.contacts)
}

// Of returns the contacts that hold number, an E.164 number.
func (v View) Of(number string) []client.Contact {
	if v.snap == nil {
		return nil
	}
	ids := v.snap.byNumber[number]
	out := make([]client.Contact, len(ids))
	for i, id := range ids {
		out[i] = v.snap.contacts[id]
	}
	return out
}

// All returns every contact of the view. The slice must not be changed.
func (v View) All() []client.Contact {
	if v.snap == nil {
		return nil
	}
	return v.snap.contacts
}

// View returns the index as it can be seen now: the complete one, or,
// while the first build is under way, what it has indexed after waiting
// for it up to the index's wait (or ctx's end). A stale index is rebuilt in
// the background and seen meanwhile.
func (x *Index) View(ctx context.Context) View {
	x.mu.Lock()
	x.startIfDue()
	done, ready := x.done, x.ready
	x.mu.Unlock()
	if ready == nil && done != nil {
		timer := time.NewTimer(x.wait)
		defer timer.Stop()
		select {
		case <-done:
		case <-timer.C:
		case <-ctx.Done():
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	switch {
	case x.ready != nil:
		return View{snap: x.ready}
	case x.partial != nil:
		return View{snap: x.partial.copy(), Loading: true}
	}
	return View{Err: x.err}
}

// copy is a snapshot of s that a build adding to s leaves alone.
func (s *snapshot) copy() *snapshot {
	return &snapshot{contacts: s.contacts[:len(s.contacts):len(s.contacts)], byNumber: cloneIndex(s.byNumber), built: s.built}
}

func cloneIndex(m map[string][]int32) map[string][]int32 {
	out := make(map[string][]int32, len(m))
	for k, v := range m {
		out[k] = v[:len(v):len(v)]
	}
	return out
}

// startIfDue starts a build when there is none under way and the index is
// missing or stale, unless the last build failed too recently. The caller
// holds x.mu.
func (x *Index) startIfDue() {
	now := x.now()
	switch {
	case x.done != nil:
		return
	case x.err != nil && now.Sub(x.failedAt) < retryAfter:
		return
	case x.ready != nil && now.Sub(x.ready.built) < x.refresh:
		return
	}
	x.done = make(chan struct{})
	x.partial = newSnapshot()
	go x.build(x.partial, x.done)
}

// build pages through every contact into s, then makes it the index.
func (x *Index) build(s *snapshot, done chan struct{}) {
	defer close(done)
	ctx, cancel := context.WithTimeout(client.WithLane(x.ctx, client.LaneBackground), buildTimeout)
	defer cancel()
	start := x.now()
	err := x.pageAll(ctx, s)
	if x.onBuilt != nil {
		x.mu.Lock()
		n := len(s.contacts)
		x.mu.Unlock()
		x.onBuilt(x.now().Sub(start), n, err)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.done, x.partial = nil, nil
	if err != nil {
		x.err, x.failedAt = err, x.now()
		return
	}
	s.built = x.now()
	x.ready, x.err = s, nil
}

// pageAll reads the custom fields and every page of contacts into s.
func (x *Index) pageAll(ctx context.Context, s *snapshot) error {
	fields, err := x.c.ListCustomFields(ctx)
	switch {
	case err == nil:
	case isOptional(err):
		fields = []client.CustomField{} // none to read: contacts name their own
	default:
		return err
	}
	x.mu.Lock()
	x.fields = fields
	x.mu.Unlock()
	p := client.ListContactsParams{MaxResults: pageSize}
	for {
		page, err := x.c.ListContacts(ctx, p)
		if err != nil {
			return fmt.Errorf("contacts: %w", err)
		}
		x.mu.Lock()
		s.add(page.Data)
		x.mu.Unlock()
		if page.NextPageToken == nil {
			return nil
		}
		p.PageToken = *page.NextPageToken
	}
}

// isOptional reports a failure to read custom fields that need not stop
// the index: OpenPhone refused or lacks them.
func isOptional(err error) bool {
	var apiErr *client.APIError
	return errors.As(err, &apiErr) && apiErr.Status >= 400 && apiErr.Status < 500 && apiErr.Status != 401 && apiErr.Status != 429
}

// Fields returns the workspace's custom fields: those the last build read,
// or, before any, read now. Nil when they cannot be read.
func (x *Index) Fields(ctx context.Context) []client.CustomField {
	x.mu.Lock()
	fields := x.fields
	x.mu.Unlock()
	if fields != nil {
		return fields
	}
	fields, err := x.c.ListCustomFields(ctx)
	if err != nil {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.fields = fields
	return fields
}
