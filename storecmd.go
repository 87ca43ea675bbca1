package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/ingest"
	"github.com/openphone-mcp/openphone-mcp/store"
)

// syncMetrics receives what the store's sync does.
type syncMetrics interface {
	Synced(outcome string, at time.Time)
	StoreRows(kind string, n int)
	Backfilled(n int)
	SyncLeader(leads bool)
}

// serverSyncer is the Syncer of a server's store: it keeps the lease
// between syncs, and reports the backfill's progress to m.
func (cfg *config) serverSyncer(c *client.Client, st *store.Store, m syncMetrics) *ingest.Syncer {
	opts := cfg.syncOptions()
	opts.Progress = func(p ingest.Progress) {
		if p.Phase == ingest.PhaseBackfill {
			m.Backfilled(p.Read)
		}
	}
	opts.KeepLease, opts.LeaseTTL = true, syncLeaseTTL(cfg.syncInterval)
	return ingest.New(c, st, opts)
}

// keepCurrent syncs st with syncer (serverSyncer) now and every
// cfg.syncInterval until ctx is done, and reports each sync to m.
//
// Of the processes that keep one store current (a team's replicas on one
// PostgreSQL), one syncs: it keeps the workspace's lease between syncs,
// and the others ask OpenPhone nothing until it stops (it gives the lease
// up) or dies (its lease expires, syncLeaseTTL after its last sync began).
// Which process syncs is logged and counted when it changes; a failure is
// logged once until the sync works again.
func (cfg *config) keepCurrent(ctx context.Context, syncer *ingest.Syncer, st *store.Store, m syncMetrics, logger *slog.Logger) {
	logger.Info("keeping the store current", "store", st.String(), "every", cfg.syncInterval, "days", cfg.storeDays)
	tick := time.NewTicker(cfg.syncInterval)
	defer tick.Stop()
	defer func() { // hand the sync over at once to another replica
		release, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		syncer.Release(release)
	}()
	failing, leads := "", false
	lead := func(now bool) {
		if now != leads {
			leads = now
			m.SyncLeader(now)
			if now {
				logger.Info("this process syncs the store now", "holder", syncer.Holder())
			} else {
				logger.Info("another process syncs the store now: this one reads it")
			}
		}
	}
	for {
		r, err := syncer.Sync(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, ingest.ErrLeaseHeld):
			lead(false)
			m.Synced("elsewhere", time.Time{})
			logger.Debug("another process syncs the store", "err", err)
		case errors.Is(err, ingest.ErrLeaseLost):
			lead(false)
			m.Synced("failed", time.Time{})
		case err != nil:
			m.Synced("failed", time.Time{})
			if err.Error() != failing {
				logger.Warn("the store's sync failed; the tools read OpenPhone live meanwhile", "err", err)
			}
			failing = err.Error()
		default:
			lead(true)
			m.Synced("ok", time.Now())
			if failing != "" {
				logger.Info("the store syncs again")
			}
			failing = ""
			if s, err := st.Status(ctx, r.Workspace); err == nil {
				for kind, n := range map[string]int{"lines": s.Counts.Lines, "users": s.Counts.Users, "contacts": s.Counts.Contacts,
					"conversations": s.Counts.Conversations, "messages": s.Counts.Messages, "calls": s.Counts.Calls} {
					m.StoreRows(kind, n)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// storeCommand runs `store status`, `store sync` or `store forget [WS]`,
// and returns the exit status.
func (cfg *config) storeCommand(ctx context.Context, c *client.Client, verb, arg string, logger *slog.Logger) int {
	st, err := store.Open(ctx, cfg.storePath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "openphone-mcp: the store %s: %v\n", store.Describe(cfg.storePath), err)
		return 1
	}
	defer st.Close()
	needKey := func() bool {
		if c == nil {
			fmt.Fprintln(os.Stderr, "openphone-mcp: store "+verb+" reads OpenPhone: set OPENPHONE_API_KEY")
		}
		return c != nil
	}
	switch verb {
	case "status":
		return storeStatus(ctx, st, os.Stdout)
	case "sync":
		if !needKey() {
			return 2
		}
		return cfg.storeSync(ctx, c, st)
	case "forget":
		ws := arg
		if ws == "" {
			if !needKey() {
				return 2
			}
			if ws, err = ingest.Workspace(ctx, c, st); err != nil {
				fmt.Fprintf(os.Stderr, "openphone-mcp: the key's workspace: %v\n", err)
				return 1
			}
		}
		if err := st.Forget(ctx, ws); err != nil {
			fmt.Fprintf(os.Stderr, "openphone-mcp: forget %s: %v\n", ws, err)
			return 1
		}
		fmt.Printf("Forgot workspace %s: its rows are deleted from %s.\n", ws, store.Describe(cfg.storePath))
		return 0
	}
	fmt.Fprintf(os.Stderr, "openphone-mcp: store %q: want status, sync or forget\n", verb)
	return 2
}

// storeStatus writes, per workspace of st, the window it covers, its last
// sync and its counts.
func storeStatus(ctx context.Context, st *store.Store, w io.Writer) int {
	workspaces, err := st.Workspaces(ctx)
	if err != nil {
		fmt.Fprintf(os.Stderr, "openphone-mcp: %v\n", err)
		return 1
	}
	if len(workspaces) == 0 {
		fmt.Fprintf(w, "The store %s holds no workspace yet: openphone-mcp store sync fills it.\n", st.Path())
		return 0
	}
	for _, ws := range workspaces {
		s, err := st.Status(ctx, ws)
		if err != nil {
			fmt.Fprintf(os.Stderr, "openphone-mcp: %s: %v\n", ws, err)
			return 1
		}
		fmt.Fprintf(w, "Workspace %s in %s\n", ws, st.Path())
		covered := "nothing yet"
		if since, asOf := s.Sync.CoveredSince, s.Sync.AsOf(); since != nil && asOf != nil {
			covered = fmt.Sprintf("from %s to %s", since.UTC().Format(time.RFC3339), asOf.UTC().Format(time.RFC3339))
		}
		backfill := "under way"
		if s.Sync.BackfillDoneAt != nil {
			backfill = "done " + s.Sync.BackfillDoneAt.UTC().Format(time.RFC3339)
		}
		last := "never"
		if s.Sync.LastSyncAt != nil {
			last = fmt.Sprintf("%s (%s ago)", s.Sync.LastSyncAt.UTC().Format(time.RFC3339), time.Since(*s.Sync.LastSyncAt).Round(time.Second))
		}
		fmt.Fprintf(w, "  covers: %s; backfill %s; last sync %s\n", covered, backfill, last)
		if s.Sync.LastError != "" {
			fmt.Fprintf(w, "  last error: %s\n", s.Sync.LastError)
		}
		n := s.Counts
		fmt.Fprintf(w, "  %d lines, %d users, %d contacts, %d conversations, %d texts, %d calls\n", n.Lines, n.Users, n.Contacts, n.Conversations, n.Messages, n.Calls)
	}
	return 0
}

// syncLeaseTTL is how long the lease of a server's sync lasts unless
// renewed: long enough that syncs every interval keep it, and so how long
// a dead replica holds the sync up before another takes it over.
func syncLeaseTTL(interval time.Duration) time.Duration {
	return max(ingest.DefaultLeaseTTL, 2*interval)
}

// syncOptions are the sync's options, as the flags set them.
func (cfg *config) syncOptions() ingest.Options {
	return ingest.Options{Days: cfg.storeDays, ContactsEvery: cfg.contactsRefresh, Now: cfg.clock}
}

// progressLine is a sync's progress as a terminal shows it: a bar of how
// far back the backfill has read, out of how far it reads; or a count.
func progressLine(p ingest.Progress, now time.Time) string {
	line := fmt.Sprintf("%s: %d read", p.Phase, p.Read)
	if p.Reached.IsZero() || !p.Horizon.Before(now) {
		return line
	}
	done := min(max(now.Sub(p.Reached).Seconds()/now.Sub(p.Horizon).Seconds(), 0), 1)
	if p.Done {
		done = 1
	}
	const width = 24
	bar := strings.Repeat("█", int(done*width)) + strings.Repeat("·", width-int(done*width))
	return fmt.Sprintf("%s %3.0f%% %s, back to %s", bar, done*100, line, p.Reached.UTC().Format("Jan 2"))
}

// storeSync syncs the key's workspace once, with its progress on stderr
// when stderr is a terminal, and says what it read.
func (cfg *config) storeSync(ctx context.Context, c *client.Client, st *store.Store) int {
	opts := cfg.syncOptions()
	if term.IsTerminal(int(os.Stderr.Fd())) {
		opts.Progress = func(p ingest.Progress) { fmt.Fprint(os.Stderr, "\r\033[K"+progressLine(p, time.Now())) }
		defer fmt.Fprintln(os.Stderr)
	}
	r, err := ingest.New(c, st, opts).Sync(ctx)
	if err != nil {
		fmt.Fprintf(os.Stderr, "openphone-mcp: store sync: %v\n", err)
		return 1
	}
	fmt.Printf("Synced workspace %s into %s: %d conversations read, %d texts and %d calls stored, %d calls' texts read, %d contacts read (%d removed).\n",
		r.Workspace, st.Path(), r.Conversations, r.Messages, r.Calls, r.CallTexts, r.Contacts, r.ContactsRemoved)
	return 0
}
