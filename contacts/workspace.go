package contacts

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"
	"weak"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// A Registry holds the contact index of each workspace that its keys
// read: every key of one workspace reads one index, built once, with one
// of them. Make one per process (per API base URL) and make every key's
// Key from it. It is safe for concurrent use.
//
// A key joins a workspace's index only once its own read of the workspace
// (GET /v1/users, the workspace's members) shows which workspace it is:
// never on its say-so, and never before. Two keys share an index only
// when their reads show the same members; a key whose read fails sees no
// index at all. A key rechecks its workspace when the index would be
// rebuilt (WithRefresh), so a key that OpenPhone stops taking (401) stops
// seeing the index within that interval, or at once if a build finds it
// refused.
type Registry struct {
	ctx           context.Context
	opts          []Option
	wait, refresh time.Duration // as opts set them
	now           func() time.Time

	mu sync.Mutex
	// byWorkspace is weak: an index lives as long as a key reads it.
	byWorkspace map[workspace]weak.Pointer[Index]
}

// NewRegistry returns a registry whose indexes are made with opts and
// whose background work (identity checks, builds) stops when ctx is done.
func NewRegistry(ctx context.Context, opts ...Option) *Registry {
	x := configured(ctx, opts)
	return &Registry{ctx: ctx, opts: opts, wait: x.wait, refresh: x.refresh, now: time.Now, byWorkspace: map[workspace]weak.Pointer[Index]{}}
}

// A workspace is an OpenPhone workspace as a key's own read shows it: the
// SHA-256 of its members' user IDs, sorted. User IDs are OpenPhone's and
// each belongs to one workspace; a key lists only its own workspace's.
type workspace [sha256.Size]byte

// maxUserPages bounds the pages an identity check reads (50 users each).
const maxUserPages = 100

// workspaceOf reads, with c, the members of c's workspace, and returns
// their hash.
func workspaceOf(ctx context.Context, c *client.Client) (workspace, error) {
	var ids []string
	p := client.ListUsersParams{MaxResults: client.MaxUsersPerPage}
	for range maxUserPages {
		page, err := c.ListUsers(ctx, p)
		if err != nil {
			return workspace{}, fmt.Errorf("contacts: which workspace the key reads: %w", err)
		}
		for _, u := range page.Data {
			ids = append(ids, u.ID)
		}
		if page.NextPageToken == nil {
			if len(ids) == 0 {
				return workspace{}, errors.New("contacts: which workspace the key reads: it lists no users")
			}
			slices.Sort(ids)
			h := sha256.New()
			for _, id := range slices.Compact(ids) {
				h.Write([]byte(id))
				h.Write([]byte{0})
			}
			return workspace(h.Sum(nil)), nil
		}
		p.PageToken = *page.NextPageToken
	}
	return workspace{}, fmt.Errorf("contacts: which workspace the key reads: more than %d pages of users", maxUserPages)
}

// join attaches k to the index of ws, made if there is none, and returns
// it.
func (r *Registry) join(ws workspace, k *Key) *Index {
	r.mu.Lock()
	defer r.mu.Unlock()
	x := r.byWorkspace[ws].Value()
	if x == nil {
		for id, p := range r.byWorkspace {
			if p.Value() == nil {
				delete(r.byWorkspace, id) // read by no key any more
			}
		}
		x = configured(r.ctx, r.opts)
		r.byWorkspace[ws] = weak.Make(x)
	}
	x.attach(k)
	return x
}

// Key returns the way c reads its workspace's index. Keep it for as long
// as c is in use: the index is shared by the Keys that hold it.
func (r *Registry) Key(c *client.Client) *Key {
	return &Key{c: c, reg: r}
}

// A Key is one API key's access to the contact index of its workspace,
// from a Registry. It is safe for concurrent use.
type Key struct {
	c   *client.Client
	reg *Registry // nil for the key of an index made by New

	mu sync.Mutex // guards what follows
	// x is the index of the workspace the key's last check showed; nil
	// before, and after OpenPhone refused the key.
	x         *Index
	checking  chan struct{} // closed when the check under way ends; nil when none
	checkedAt time.Time
	err       error // why the last check failed, or why the key was refused
}

// View is the index of the key's workspace as Index.View sees it. Before
// the key's own read has shown its workspace, the look-up waits for that
// read as it would for a build (the index's wait), and sees nothing
// (Loading) or why the read failed (Err).
func (k *Key) View(ctx context.Context) View {
	x, err := k.index(ctx)
	switch {
	case x != nil:
		return x.View(ctx)
	case err != nil:
		return View{Err: err}
	}
	return View{Loading: true}
}

// Fields returns the custom fields of the key's workspace: those its
// index read, or, before any, read now with the key. Nil when they cannot
// be read.
func (k *Key) Fields(ctx context.Context) []client.CustomField {
	if x, _ := k.index(ctx); x != nil {
		return x.fieldsWith(ctx, k.c)
	}
	fields, err := k.c.ListCustomFields(ctx)
	if err != nil {
		return nil
	}
	return fields
}

// index returns the index of the key's workspace, checking which
// workspace that is when the key has not, or did so a refresh interval
// ago. A first check is waited for up to the index's wait or ctx's end;
// a recheck runs in the background while the key goes on reading. Nil and
// no error: the first check is still under way.
func (k *Key) index(ctx context.Context) (*Index, error) {
	k.mu.Lock()
	k.checkIfDue()
	x, done := k.x, k.checking
	k.mu.Unlock()
	if x == nil && done != nil {
		timer := time.NewTimer(k.reg.wait) // as long as for a build
		defer timer.Stop()
		select {
		case <-done:
		case <-timer.C:
		case <-ctx.Done():
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.x != nil {
		return k.x, nil
	}
	return nil, k.err
}

// checkIfDue starts a check of the key's workspace when there is none
// under way and the last is missing, stale, or failed long enough ago.
// The caller holds k.mu.
func (k *Key) checkIfDue() {
	now, refresh := k.reg.now(), k.reg.refresh
	switch {
	case k.checking != nil:
		return
	case k.x != nil && now.Sub(k.checkedAt) < refresh:
		return
	case k.x == nil && k.err != nil && now.Sub(k.checkedAt) < retryAfter:
		return
	}
	k.checking = make(chan struct{})
	go k.check(k.checking, k.x != nil)
}

// check reads which workspace the key reads, and joins its index. A first
// check runs in the interactive lane, for a look-up waits on it; a recheck
// in the background lane. The check is the key's own, not its caller's:
// a caller giving up does not fail it.
func (k *Key) check(done chan struct{}, recheck bool) {
	defer close(done)
	ctx := k.reg.ctx
	if recheck {
		ctx = client.WithLane(ctx, client.LaneBackground)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	ws, err := workspaceOf(ctx, k.c)
	var x *Index
	if err == nil {
		x = k.reg.join(ws, k)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.checking, k.checkedAt = nil, k.reg.now()
	switch {
	case err == nil:
		if k.x != nil && k.x != x {
			k.x.detach(k) // the workspace's members changed: it has a new identity
		}
		k.x, k.err = x, nil
	case isRefused(err) || isForbidden(err):
		if k.x != nil {
			k.x.detach(k)
		}
		k.x, k.err = nil, err
	default:
		// A network failure or a 429 does not undo what the key's last
		// read showed: it goes on reading that index.
		k.err = err
	}
}

// refused is told by x that OpenPhone refused the key with err: the key
// no longer reads x, and checks its workspace again after retryAfter.
func (k *Key) refused(x *Index, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.x == x {
		k.x, k.err, k.checkedAt = nil, err, k.reg.now()
	}
}

func isForbidden(err error) bool {
	var apiErr *client.APIError
	return errors.As(err, &apiErr) && apiErr.Status == http.StatusForbidden
}
