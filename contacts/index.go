// Package contacts is the contact index of an OpenPhone workspace. GET
// /v1/contacts cannot filter by number or name, so the only way to name
// the numbers in a conversation, or to find a contact, is to read every
// contact once and look them up here.
//
// An Index is built by paging GET /v1/contacts, 50 at a time, in the rate
// limiter's background lane: a person's call always goes first. It is
// built once for all its callers, and rebuilt in the background when it is
// older than its refresh interval, while the old one goes on answering.
// A look-up never waits long for a cold index: it answers with what is
// indexed so far, and says so; and it never copies the index to do so.
//
// New makes the index of one key. A Registry holds one index per
// workspace, which every key of that workspace reads (Registry.Key): a
// workspace of 50,000 contacts is then read once per process, not once
// per key.
package contacts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"
	"weak"

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

// An Index maps the numbers of one workspace's contacts to the contacts.
// It is safe for concurrent use.
type Index struct {
	ctx     context.Context // background work stops when it is done
	refresh time.Duration
	wait    time.Duration
	now     func() time.Time
	onBuilt func(took time.Duration, contacts int, err error)
	source  Source
	maxAge  time.Duration // of the source's contacts

	// own is the key of an index made by New, held for as long as the
	// index is; nil in a Registry, whose keys are held by their users.
	own *Key

	mu sync.Mutex // guards what follows
	// keys are the keys that showed this workspace, in the order they
	// did; a build reads with the first that still works. They are weak:
	// a key nobody uses any more (its account evicted) drops out.
	keys     []weak.Pointer[Key]
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

// A Source holds a workspace's contacts read before, elsewhere: the
// store, which a sync keeps current (package ingest). It returns, for the
// workspace that c reads, every contact and when they were read; a zero
// time when it does not hold them all. It is told which workspace by a
// live read with c, never by its caller's word.
type Source func(ctx context.Context, c *client.Client) (contacts []client.Contact, readAt time.Time, err error)

// WithSource has a build take the contacts from src when src read them
// within maxAge, and read OpenPhone only when it did not: then a process
// that starts, or an index that is rebuilt, reads no contact again.
func WithSource(src Source, maxAge time.Duration) Option {
	return func(x *Index) { x.source, x.maxAge = src, maxAge }
}

// New returns the index of c's contacts, built on first use with c. Its
// builds stop when ctx is done.
func New(ctx context.Context, c *client.Client, opts ...Option) *Index {
	x := configured(ctx, opts)
	x.own = &Key{c: c}
	x.keys = []weak.Pointer[Key]{weak.Make(x.own)}
	return x
}

// configured is an index with opts and no key.
func configured(ctx context.Context, opts []Option) *Index {
	x := &Index{ctx: ctx, refresh: DefaultRefresh, wait: DefaultWait, now: time.Now}
	for _, opt := range opts {
		opt(x)
	}
	return x
}

// A snapshot is the index at one time: complete, or a build's so far. A
// build adds to it page by page; a look-up reads it as it was when the
// look-up began (a View), without copying it.
type snapshot struct {
	// mu guards contacts (the slice, not its elements), byNumber and the
	// build's progress while a build adds to them. An element once added
	// is never written again, nor is an entry of a byNumber slice: a View
	// reads both outside mu.
	mu       sync.RWMutex
	contacts []client.Contact
	byNumber map[string][]int32 // E.164 -> indexes into contacts, ascending
	built    time.Time
	// The build's progress: when it started, the pages read, the total
	// the first page announced (OpenPhone's totalItems: an estimate), and
	// a channel closed at each page.
	started time.Time
	pages   int
	total   int
	paged   chan struct{}
}

func newSnapshot(now time.Time) *snapshot {
	return &snapshot{byNumber: map[string][]int32{}, started: now, paged: make(chan struct{})}
}

// pageRead records a page read, of a workspace of about total contacts, and
// tells those waiting for it.
func (s *snapshot) pageRead(total int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages++
	s.total = max(total, len(s.contacts))
	close(s.paged)
	s.paged = make(chan struct{})
}

// endsBy reports whether the build of s may be expected to end by
// deadline, at the pace of its pages so far, and the channel closed at its
// next page. Before its first page it cannot tell, and says yes.
func (s *snapshot) endsBy(deadline, now time.Time) (bool, <-chan struct{}) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.pages == 0 {
		return true, s.paged
	}
	perPage := now.Sub(s.started) / time.Duration(s.pages)
	left := (s.total - len(s.contacts) + pageSize - 1) / pageSize
	return !now.Add(time.Duration(left) * perPage).After(deadline), s.paged
}

// add indexes contacts by each number they hold, in E.164.
func (s *snapshot) add(contacts []client.Contact) {
	s.mu.Lock()
	defer s.mu.Unlock()
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

// len is how many contacts s holds now.
func (s *snapshot) len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.contacts)
}

// view is s as it is now: the contacts it holds, and no later ones.
func (s *snapshot) view() View {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return View{snap: s, contacts: s.contacts[:len(s.contacts):len(s.contacts)]}
}

// A View is what a look-up could see: the index, complete or as far as it
// was built, or why there is none.
type View struct {
	snap     *snapshot
	contacts []client.Contact // those of snap when the view was taken
	// Loading is set while the first build is under way: the view holds
	// the contacts indexed so far.
	Loading bool
	// Err says why there are no contacts to see: the build failed, or the
	// key could not show which workspace it reads.
	Err error
}

// Indexed is how many contacts the view holds.
func (v View) Indexed() int { return len(v.contacts) }

// Of returns the contacts that hold number, an E.164 number.
func (v View) Of(number string) []client.Contact {
	if v.snap == nil {
		return nil
	}
	v.snap.mu.RLock()
	ids := v.snap.byNumber[number]
	v.snap.mu.RUnlock()
	out := make([]client.Contact, 0, len(ids))
	for _, id := range ids {
		if int(id) >= len(v.contacts) {
			break // added after the view was taken
		}
		out = append(out, v.contacts[id])
	}
	return out
}

// All returns every contact of the view. The slice must not be changed.
func (v View) All() []client.Contact { return v.contacts }

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
		x.waitForBuild(ctx, done)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	switch {
	case x.ready != nil:
		return x.ready.view()
	case x.partial != nil:
		v := x.partial.view()
		v.Loading = true
		return v
	}
	return View{Err: x.err}
}

// waitForBuild waits for the first build to end (done closed), for as
// long as the index's wait allows and the build may be expected to end
// within it: a look-up never waits for a build that will not bring its
// answer in time, so that a person's call during a long build costs no
// more than its own place in the rate limit.
func (x *Index) waitForBuild(ctx context.Context, done <-chan struct{}) {
	deadline := x.now().Add(x.wait)
	timer := time.NewTimer(x.wait)
	defer timer.Stop()
	for {
		x.mu.Lock()
		partial := x.partial
		x.mu.Unlock()
		paged := make(<-chan struct{}) // never, when the build is already over
		if partial != nil {
			var worth bool
			if worth, paged = partial.endsBy(deadline, x.now()); !worth {
				return
			}
		}
		select {
		case <-done:
			return
		case <-paged: // look again at its pace
		case <-timer.C:
			return
		case <-ctx.Done():
			return
		}
	}
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
	x.partial = newSnapshot(now)
	go x.build(x.partial, x.done)
}

// errNoKey is why a workspace's index cannot be built: none of its keys
// is in use any more.
var errNoKey = errors.New("contacts: no key of this workspace is in use")

// build pages through every contact into s, then makes it the index. It
// reads with the workspace's first key that works: when OpenPhone refuses
// that key (401), the key is dropped and the next one starts again.
func (x *Index) build(s *snapshot, done chan struct{}) {
	defer close(done)
	ctx, cancel := context.WithTimeout(client.WithLane(x.ctx, client.LaneBackground), buildTimeout)
	defer cancel()
	start := x.now()
	err := errNoKey
	for k := x.builder(); k != nil; k = x.builder() {
		if err = x.pageAll(ctx, k.c, s); !isRefused(err) || k == x.own {
			break
		}
		x.drop(k, err)
		if x.builder() != nil {
			s = newSnapshot(x.now()) // the next key starts afresh
			x.mu.Lock()
			x.partial = s
			x.mu.Unlock()
		}
	}
	if x.onBuilt != nil {
		x.onBuilt(x.now().Sub(start), s.len(), err)
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

// builder is the key a build reads with: the first that is still in use.
func (x *Index) builder() *Key {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.keys = slices.DeleteFunc(x.keys, func(p weak.Pointer[Key]) bool { return p.Value() == nil })
	if len(x.keys) == 0 {
		return nil
	}
	return x.keys[0].Value()
}

// attach lets k build the index, after the keys already there. A build
// that failed for want of a working key may start again at once.
func (x *Index) attach(k *Key) {
	x.mu.Lock()
	defer x.mu.Unlock()
	p := weak.Make(k)
	if slices.Contains(x.keys, p) {
		return
	}
	x.keys = append(x.keys, p)
	if x.err != nil && (isRefused(x.err) || errors.Is(x.err, errNoKey)) {
		x.failedAt = time.Time{}
	}
}

// detach stops k building the index.
func (x *Index) detach(k *Key) {
	x.mu.Lock()
	defer x.mu.Unlock()
	p := weak.Make(k)
	x.keys = slices.DeleteFunc(x.keys, func(q weak.Pointer[Key]) bool { return q == p })
}

// drop detaches k, which OpenPhone refused with err, and tells k so: it
// sees the index no more until its own read shows its workspace again.
func (x *Index) drop(k *Key, err error) {
	x.detach(k)
	k.refused(x, err)
}

// pageAll reads, with c, the custom fields and every page of contacts
// into s; or the contacts from the index's source, when it has them.
func (x *Index) pageAll(ctx context.Context, c *client.Client, s *snapshot) error {
	fields, err := c.ListCustomFields(ctx)
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
	if x.source != nil {
		stored, readAt, err := x.source(ctx, c)
		if err == nil && !readAt.IsZero() && x.now().Sub(readAt) < x.maxAge {
			s.add(stored)
			s.pageRead(len(stored))
			return nil
		}
	}
	p := client.ListContactsParams{MaxResults: pageSize}
	for {
		page, err := c.ListContacts(ctx, p)
		if err != nil {
			return fmt.Errorf("contacts: %w", err)
		}
		s.add(page.Data)
		s.pageRead(page.TotalItems)
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

// isRefused reports OpenPhone refusing a key: it no longer works.
func isRefused(err error) bool {
	var apiErr *client.APIError
	return errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized
}

// Fields returns the workspace's custom fields: those the last build read,
// or, before any, read now. Nil when they cannot be read.
func (x *Index) Fields(ctx context.Context) []client.CustomField {
	return x.fieldsWith(ctx, x.own.c)
}

// fieldsWith returns the fields the last build read, or reads them with c.
func (x *Index) fieldsWith(ctx context.Context, c *client.Client) []client.CustomField {
	x.mu.Lock()
	fields := x.fields
	x.mu.Unlock()
	if fields != nil {
		return fields
	}
	fields, err := c.ListCustomFields(ctx)
	if err != nil {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.fields = fields
	return fields
}
