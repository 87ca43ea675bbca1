// Package ingest keeps a store.Store current with an OpenPhone workspace:
// a Syncer reads the workspace through a client.Client and writes what it
// reads to the store. Data flows one way, client → ingest → store; ingest
// knows nothing of the tools that read the store.
//
// A sync first backfills the window (Options.Days) newest first, so that
// the recent days are usable first; the backfill is resumable, its place
// kept in the store. Later syncs are incremental: the conversations with
// activity or changes since the last one, and in each only what is new.
// The texts OpenPhone makes of calls (voicemail transcripts, summaries and
// transcripts) are read for the calls that may have them, and read again
// while they are being made. Every request goes in the rate limiter's
// background lane, so that a person's calls always come first.
//
// One Syncer at a time syncs a workspace, whatever process it is in: it
// holds the store's lease on the workspace (store.LeaseSync) while it
// syncs, and renews it as it goes. A Syncer that dies leaves the lease to
// expire, and the next one to come takes it over and resumes.
//
//	s := ingest.New(c, st, ingest.Options{})
//	report, err := s.Sync(ctx) // or s.Run(ctx, time.Minute, logError)
package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/store"
)

// Defaults of Options.
const (
	DefaultDays          = 90
	DefaultLeaseTTL      = 2 * time.Minute
	DefaultWorkers       = 4
	DefaultContactsEvery = time.Hour
)

// Options configure a Syncer. The zero value takes every default.
type Options struct {
	// Days is the window kept: activity older than Days days is neither
	// read nor kept.
	Days int
	// Holder names this Syncer in the store's lease; by default a random
	// ID. A process that restarts with the same Holder takes its own lease
	// back at once; another waits for it to expire. Two live Syncers must
	// never share one.
	Holder string
	// LeaseTTL is how long the lease lasts unless renewed: how long a
	// dead Syncer holds the workspace up.
	LeaseTTL time.Duration
	// Workers is how many conversations are read at once. The rate
	// limiter is what bounds the requests; workers only keep it busy
	// while answers are on their way.
	Workers int
	// KeepLease keeps the lease between syncs, for a process that syncs
	// on and on (Run, a server): while it lives, the Syncers of other
	// processes leave the workspace to it, sending no request, and take
	// it over once its lease expires (LeaseTTL after its last sync began
	// or renewed it) or it gives the lease up (Release). The interval
	// between its syncs must be shorter than LeaseTTL.
	KeepLease bool
	// ContactsEvery is how often every contact is read again (contacts
	// deleted in OpenPhone leave the store then).
	ContactsEvery time.Duration
	// Progress, when set, is called as the sync advances: after each page
	// of conversations, and at the end of each phase. It must be quick.
	Progress func(Progress)
	// Now is the clock of the window and the marks; time.Now by default.
	Now func() time.Time
}

// Progress is how far a sync has come.
type Progress struct {
	Workspace string
	Phase     Phase
	// Read counts what the phase has read: conversations (for the
	// backfill, since it began, across restarts), calls (call texts) or
	// contacts.
	Read int
	// Reached is how far back a backfill has read: every conversation
	// active since is stored whole (store.SyncState.CoveredSince). Horizon
	// is how far back it will read.
	Reached, Horizon time.Time
	// Done is set on the phase's last report.
	Done bool
}

// A Phase is a part of a sync.
type Phase string

// The phases of a sync.
const (
	PhaseBackfill    Phase = "backfill"
	PhaseIncremental Phase = "incremental"
	PhaseCallTexts   Phase = "call texts"
	PhaseContacts    Phase = "contacts"
)

// A Report says what one Sync did.
type Report struct {
	Workspace string
	// Backfilled is set when the backfill finished in this sync.
	Backfilled bool
	// Conversations counts the conversations whose activity was read;
	// Messages and Calls what was stored of it; CallTexts the calls whose
	// texts were read.
	Conversations, Messages, Calls, CallTexts int
	// Contacts counts the contacts read, ContactsRemoved those gone.
	Contacts, ContactsRemoved int
	Pruned                    store.Pruned
}

// ErrLeaseHeld is the error of a Sync while another holder syncs the
// workspace: a *LeaseHeldError matches it.
var ErrLeaseHeld = errors.New("ingest: another syncer holds the workspace")

// A LeaseHeldError says who syncs the workspace, until when at the
// latest unless they renew.
type LeaseHeldError struct {
	Workspace string
	Lease     store.Lease
}

func (e *LeaseHeldError) Error() string {
	return fmt.Sprintf("ingest: workspace %s is synced by %s (lease until %s)", e.Workspace, e.Lease.Holder, e.Lease.Expires.Format(time.RFC3339))
}

// Is makes a LeaseHeldError match ErrLeaseHeld.
func (e *LeaseHeldError) Is(target error) bool { return target == ErrLeaseHeld }

// ErrLeaseLost is the error of a Sync that could not renew its lease in
// time, and stopped: another syncer has taken the workspace over.
var ErrLeaseLost = errors.New("ingest: the lease was lost to another syncer")

// A Syncer keeps a store current with the workspace of its client's key.
// Its methods are not for concurrent use: a process runs one Sync at a
// time per Syncer (Run does).
type Syncer struct {
	client *client.Client
	store  *store.Store
	opts   Options

	mu sync.Mutex // guards ws, which Workspace reads
	ws string     // the workspace of the last Sync, "" before one
}

// Workspace is the workspace of the Syncer's key, as its first Sync told
// it; "" before.
func (s *Syncer) Workspace() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ws
}

// New returns a Syncer that reads with c and writes to st.
func New(c *client.Client, st *store.Store, opts Options) *Syncer {
	if opts.Days <= 0 {
		opts.Days = DefaultDays
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = DefaultLeaseTTL
	}
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers
	}
	if opts.ContactsEvery <= 0 {
		opts.ContactsEvery = DefaultContactsEvery
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Holder == "" {
		b := make([]byte, 8)
		rand.Read(b)
		opts.Holder = "syncer-" + hex.EncodeToString(b)
	}
	return &Syncer{client: c, store: st, opts: opts}
}

// Holder is the Syncer's name in the store's lease.
func (s *Syncer) Holder() string { return s.opts.Holder }

// Run syncs now and then every interval until ctx is done, reporting each
// failed sync to onError, which may be nil: ErrLeaseHeld among them, which
// only says that another process syncs the workspace, and is normal where
// several share a store. It returns ctx's error.
func (s *Syncer) Run(ctx context.Context, interval time.Duration, onError func(error)) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.Sync(ctx); err != nil && onError != nil && ctx.Err() == nil {
			onError(err)
		}
		select {
		case <-ctx.Done():
			release, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			s.Release(release)
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Sync syncs the workspace once: it tells which workspace the key reads
// (a live read of its lines and users), takes the lease, reads the
// contacts when due, then backfills or reads what changed, reads the
// calls' texts that are due, and drops what has left the window. It returns a
// *LeaseHeldError, sending no other request, while another holder syncs.
//
// A Sync stopped by ctx leaves its lease to expire, as a killed process
// would; the next Sync resumes where it stopped.
func (s *Syncer) Sync(ctx context.Context) (Report, error) {
	ctx = client.WithLane(ctx, client.LaneBackground)
	// While another holds the workspace this Syncer last synced, it asks
	// OpenPhone nothing: replicas that wait add no requests.
	if ws := s.Workspace(); ws != "" {
		if l, held, err := s.store.CurrentLease(ctx, ws, store.LeaseSync); err != nil {
			return Report{}, err
		} else if held && l.Holder != s.opts.Holder {
			return Report{Workspace: ws}, &LeaseHeldError{Workspace: ws, Lease: l}
		}
	}
	ws, err := Workspace(ctx, s.client, s.store)
	if err != nil {
		return Report{}, err
	}
	s.mu.Lock()
	s.ws = ws
	s.mu.Unlock()
	r := &run{Syncer: s, ws: ws, report: Report{Workspace: ws}}
	if err := r.renew(ctx, true); err != nil {
		return r.report, err
	}
	err = r.sync(ctx)
	if err != nil && ctx.Err() == nil && !errors.Is(err, ErrLeaseLost) {
		st, _ := s.store.SyncState(ctx, ws)
		st.LastError = err.Error()
		s.store.SetSyncState(ctx, ws, st)
	}
	if ctx.Err() == nil && !errors.Is(err, ErrLeaseLost) && !s.opts.KeepLease {
		s.store.ReleaseLease(ctx, ws, store.LeaseSync, s.opts.Holder)
	}
	return r.report, err
}

// Release gives up the lease this Syncer keeps (Options.KeepLease), so
// that another process's Syncer takes the workspace over at its next
// sync rather than when the lease expires: for a process that stops.
func (s *Syncer) Release(ctx context.Context) error {
	ws := s.Workspace()
	if ws == "" {
		return nil
	}
	return s.store.ReleaseLease(ctx, ws, store.LeaseSync, s.opts.Holder)
}

// Workspace tells which workspace of st the key of c reads: a live read
// of the key's lines and users (store.Workspace says how they name it),
// which are recorded. It is how a caller is tied to the rows it may read,
// never on its own word. Its requests go in ctx's lane (client.WithLane).
func Workspace(ctx context.Context, c *client.Client, st *store.Store) (string, error) {
	lines, err := c.ListPhoneNumbers(ctx, client.ListPhoneNumbersParams{})
	if err != nil {
		return "", fmt.Errorf("ingest: lines: %w", err)
	}
	var users []client.User
	token := ""
	for {
		page, err := c.ListUsers(ctx, client.ListUsersParams{MaxResults: client.MaxUsersPerPage, PageToken: token})
		if err != nil {
			return "", fmt.Errorf("ingest: users: %w", err)
		}
		users = append(users, page.Data...)
		if page.NextPageToken == nil {
			break
		}
		token = *page.NextPageToken
	}
	return st.Workspace(ctx, lines.Data, users)
}

// A run is one Sync.
type run struct {
	*Syncer
	ws string

	mu       sync.Mutex // guards what follows
	report   Report
	renewed  time.Time
	noMedia  bool // the key may not read voicemails (403)
	noAITxts bool // the plan has no summaries and transcripts (403)
}

// renew takes or renews the lease, when a third of it has passed (or
// always, with force).
func (r *run) renew(ctx context.Context, force bool) error {
	r.mu.Lock()
	due := force || r.store.Now().Sub(r.renewed) > r.opts.LeaseTTL/3 // on the lease's own clock
	r.mu.Unlock()
	if !due {
		return nil
	}
	l, ok, err := r.store.AcquireLease(ctx, r.ws, store.LeaseSync, r.opts.Holder, r.opts.LeaseTTL)
	switch {
	case err != nil:
		return err
	case !ok && force:
		return &LeaseHeldError{Workspace: r.ws, Lease: l}
	case !ok:
		return fmt.Errorf("%w (now held by %s)", ErrLeaseLost, l.Holder)
	}
	r.mu.Lock()
	r.renewed = r.store.Now()
	r.mu.Unlock()
	return nil
}

func (r *run) progress(p Progress) {
	if r.opts.Progress != nil {
		p.Workspace = r.ws
		r.opts.Progress(p)
	}
}

func (r *run) sync(ctx context.Context) error {
	st, err := r.store.SyncState(ctx, r.ws)
	if err != nil {
		return err
	}
	// Contacts first: every answer names people by them, and a full read
	// costs one request per 50.
	if st.ContactsReadAt == nil || r.opts.Now().Sub(*st.ContactsReadAt) >= r.opts.ContactsEvery {
		if err := r.contacts(ctx, &st); err != nil {
			return err
		}
	}
	if st.BackfillDoneAt == nil {
		err = r.backfill(ctx, &st)
	} else {
		err = r.incremental(ctx, &st)
	}
	if err != nil {
		return err
	}
	if err := r.callTexts(ctx); err != nil {
		return err
	}
	cut := r.horizon()
	if r.report.Pruned, err = r.store.Prune(ctx, r.ws, cut); err != nil {
		return err
	}
	if st.CoveredSince != nil && st.CoveredSince.Before(cut) {
		st.CoveredSince = &cut
	}
	now := r.opts.Now()
	st.LastSyncAt, st.LastError = &now, ""
	return r.store.SetSyncState(ctx, r.ws, st)
}

// horizon is the oldest instant of the window.
func (r *run) horizon() time.Time { return r.opts.Now().AddDate(0, 0, -r.opts.Days) }
