package ingest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
	"github.com/openphone-mcp/openphone-mcp/store"
)

// TestMain fails the package's tests if any goroutine outlives them. With
// syncerProcess set, the test binary is a syncer process instead, which
// TestKilledProcess kills.
func TestMain(m *testing.M) {
	if os.Getenv(syncerProcess) != "" {
		runSyncerProcess()
		return
	}
	goleak.VerifyTestMain(m)
}

// now is the tests' clock: an hour after the fake's data ends.
var now = openphonetest.DemoEpoch.Add(time.Hour)

func clock() time.Time { return now }

func openStore(t testing.TB, path string, opts ...store.Option) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// forEachEngine runs test with a new store's address on each engine: a
// SQLite file, and a PostgreSQL schema of the test's own.
func forEachEngine(t *testing.T, test func(t *testing.T, storePath func(testing.TB) string)) {
	t.Run("sqlite", func(t *testing.T) { test(t, storePath) })
	t.Run("postgres", func(t *testing.T) { test(t, testkit.PostgresURL) })
}

// A leaseClock is a clock of the lease that moves only when a test says.
type leaseClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *leaseClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *leaseClock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

func storePath(t testing.TB) string { return filepath.Join(t.TempDir(), store.FileName) }

// generated is a workspace of n conversations with their activity.
func generated(seed uint64, n int) openphonetest.Workspace {
	ws := openphonetest.GenerateWorkspace(seed, n)
	ws.Activity = openphonetest.GenerateActivity(ws, seed)
	return ws
}

func newSyncer(c *client.Client, st *store.Store, opts Options) *Syncer {
	if opts.Now == nil {
		opts.Now = clock
	}
	return New(c, st, opts)
}

// live counts what the fake holds that the store should: its conversations
// not deleted, and the messages and calls of their threads (a thread being
// a line and its outside numbers, as the API lists them: the generator may
// give a deleted conversation and a live one the same thread).
func live(api *openphonetest.Server, ws openphonetest.Workspace) (convs, messages, calls int) {
	threadOf := map[string]string{}
	alive := map[string]bool{}
	for _, c := range api.Conversations() {
		threadOf[c.ID] = threadKey(c.PhoneNumberID, c.Participants)
		if c.DeletedAt == nil {
			convs++
			alive[threadOf[c.ID]] = true
		}
	}
	for _, m := range ws.Messages {
		if m.ConversationID != nil && alive[threadOf[*m.ConversationID]] {
			messages++
		}
	}
	for _, c := range ws.Calls {
		if alive[threadKey(c.PhoneNumberID, c.Participants)] {
			calls++
		}
	}
	return convs, messages, calls
}

func status(t *testing.T, st *store.Store, ws string) store.Status {
	t.Helper()
	s, err := st.Status(context.Background(), ws)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBackfillThenIncremental(t *testing.T) {
	ctx := context.Background()
	demo := openphonetest.DemoWorkspace()
	api, c := testkit.NewAPI(t, demo, client.WithRateLimit(1000))
	st := openStore(t, storePath(t))
	var phases []Phase
	s := newSyncer(c, st, Options{ContactsEvery: time.Nanosecond, Progress: func(p Progress) {
		if p.Done {
			phases = append(phases, p.Phase)
		}
	}})

	r, err := s.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Backfilled || !slices.Equal(phases, []Phase{PhaseContacts, PhaseBackfill, PhaseCallTexts}) {
		t.Errorf("first sync: %+v, phases %v", r, phases)
	}
	convs, messages, calls := live(api, demo)
	got := status(t, st, r.Workspace)
	if got.Counts.Conversations != convs || got.Counts.Messages != messages || got.Counts.Calls != calls || got.Counts.Contacts != len(demo.Contacts) {
		t.Errorf("after backfill: %+v; want %d conversations, %d messages, %d calls, %d contacts", got.Counts, convs, messages, calls, len(demo.Contacts))
	}
	if sy := got.Sync; sy.BackfillDoneAt == nil || !sy.AsOf().Equal(now) || !sy.CoveredSince.Equal(now.AddDate(0, 0, -DefaultDays)) {
		t.Errorf("sync state: %+v; want covered from %d days back as of now", sy, DefaultDays)
	}
	// Every request went in the background lane: the fake cannot tell, but
	// a summary that is still being made is due, and the rest done.
	// The demo's newest summary and transcript, and its newest voicemail,
	// are still being made: due again.
	due, _ := st.CallsDue(ctx, r.Workspace, "", 100)
	if len(due) != 2 || due[0].Summary != store.TextProcessing || due[1].Voicemail != store.TextProcessing {
		t.Fatalf("due after backfill: %+v", due)
	}
	if hits, _ := st.Search(ctx, store.SearchParams{Workspace: r.Workspace, Query: `"side gate"`, Kinds: []string{store.KindSummary}}); len(hits) == 0 {
		t.Error("no completed summary is searchable")
	}

	// Between syncs: a text arrives, a conversation begins, one is
	// deleted, a contact removed, and the summary made.
	conv := api.Conversations()[5]
	line := conv.PhoneNumberID
	at := now.Add(10 * time.Minute) // after the backfill began
	api.AddMessage(client.Message{ID: "ACnewtext01", ConversationID: &conv.ID, PhoneNumberID: &line, From: conv.Participants[0],
		To: []string{"+14155550100"}, Text: "The invoice INV-77031 was paid twice", Direction: "incoming", Status: "received", CreatedAt: at})
	fresh := client.Conversation{ID: "CNfresh0001", PhoneNumberID: line, Participants: []string{"+15035550177"}, CreatedAt: &at, UpdatedAt: &at}
	api.AddConversation(fresh)
	api.AddMessage(client.Message{ID: "ACnewtext02", ConversationID: &fresh.ID, PhoneNumberID: &line, From: "+15035550177",
		To: []string{"+14155550100"}, Text: "Bonjour, c'est Amélie", Direction: "incoming", Status: "received", CreatedAt: at.Add(time.Minute)})
	gone := api.Conversations()[1]
	api.DeleteConversation(gone.ID, at)
	api.RemoveContact(demo.Contacts[0].ID)
	api.SetCallSummary(client.CallSummary{CallID: due[0].ID, Status: client.InsightCompleted, Summary: []string{"Quoted 1,250 dollars for the roof"}})
	api.SetCallTranscript(client.CallTranscript{CallID: due[0].ID, Status: client.InsightCompleted, Dialogue: []client.TranscriptSegment{{Content: "The roof needs new flashing"}}})
	api.SetCallVoicemail(due[1].ID, client.CallVoicemail{ID: "VMdone0001", Status: client.VoicemailCompleted, Transcript: new("Please call about the gutter")})
	before := len(api.RequestsTo("/v1/messages"))

	now = now.Add(time.Hour)
	t.Cleanup(func() { now = openphonetest.DemoEpoch.Add(time.Hour) })
	r, err = s.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Messages counts what was read: the two new ones, and any read again
	// in the second of overlap before a conversation's last read.
	if r.Backfilled || r.Conversations != 2 || r.Messages < 2 || r.Messages > 3 || r.ContactsRemoved != 1 {
		t.Errorf("incremental: %+v; want 2 conversations read, 2 new messages, 1 contact removed", r)
	}
	// Only the two conversations with something new were read, from their
	// last read on.
	reads := api.RequestsTo("/v1/messages")[before:]
	if len(reads) != 2 {
		t.Errorf("incremental read %d threads' messages, want 2", len(reads))
	}
	for _, req := range reads {
		if req.Query.Get("createdAfter") == "" {
			t.Errorf("incremental read of %v without createdAfter", req.Query)
		}
	}
	got = status(t, st, r.Workspace)
	if got.Counts.Conversations != convs || got.Counts.Messages != messages+2-countMessages(demo, gone.ID) {
		t.Errorf("after incremental: %+v", got.Counts)
	}
	for query, want := range map[string]int{"INV-77031": 1, "amelie": 1, "roof": 2, "flashing": 1, "gutter": 1} {
		if hits, _ := st.Search(ctx, store.SearchParams{Workspace: r.Workspace, Query: query}); len(hits) != want {
			t.Errorf("search %q after incremental: %d hits, want %d", query, len(hits), want)
		}
	}
	if due, _ := st.CallsDue(ctx, r.Workspace, "", 100); len(due) != 0 {
		t.Errorf("still due: %+v", due)
	}
	if msgs, _ := st.Messages(ctx, r.Workspace, gone.ID); len(msgs) != 0 {
		t.Errorf("deleted conversation's %d messages kept", len(msgs))
	}
	// The key is nowhere on disk.
	files, _ := filepath.Glob(st.Path() + "*")
	for _, f := range files {
		if b, _ := os.ReadFile(f); bytes.Contains(b, []byte(api.APIKey)) {
			t.Errorf("%s holds the API key", f)
		}
	}
}

func countMessages(ws openphonetest.Workspace, conv string) int {
	n := 0
	for _, m := range ws.Messages {
		if m.ConversationID != nil && *m.ConversationID == conv {
			n++
		}
	}
	return n
}

// threadKey names a thread: its line and its outside numbers.
func threadKey(line string, participants []string) string {
	ps := slices.Clone(participants)
	slices.Sort(ps)
	return line + strings.Join(ps, ",")
}

// rereadThreads reports the threads whose messages were read more often
// than they have conversations with activity (the generator may give two
// conversations one thread): read again after a restart.
func rereadThreads(t *testing.T, api *openphonetest.Server) {
	t.Helper()
	reads, convs := map[string]int{}, map[string]int{}
	for _, r := range api.RequestsTo("/v1/messages") {
		reads[threadKey(r.Query.Get("phoneNumberId"), r.Query["participants"])]++
	}
	for _, c := range api.Conversations() {
		if c.DeletedAt == nil && c.LastActivityAt != nil {
			convs[threadKey(c.PhoneNumberID, c.Participants)]++
		}
	}
	for thread, n := range reads {
		if n > convs[thread] {
			t.Errorf("thread %s read %d times, for %d conversations", thread, n, convs[thread])
		}
	}
}

// cancelAfterFirstPage stops a sync once its first page of conversations
// is stored, as a kill would.
func cancelAfterFirstPage(cancel context.CancelFunc) func(Progress) {
	return func(p Progress) {
		if p.Phase == PhaseBackfill && p.Read > 0 {
			cancel()
		}
	}
}

func TestRestartResumesWithoutRereading(t *testing.T) {
	ws := generated(3, 150)
	api, c := testkit.NewAPI(t, ws, client.WithRateLimit(1000))
	path := storePath(t)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := openStore(t, path)
	if _, err := newSyncer(c, st, Options{Holder: "this-machine", Progress: cancelAfterFirstPage(cancel)}).Sync(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted sync: %v", err)
	}
	sy, _ := st.SyncState(context.Background(), mustWorkspace(t, st))
	if sy.BackfillDoneAt != nil || sy.CoveredSince == nil || sy.BackfillConversations != conversationsPerPage || sy.BackfillPageToken == "" {
		t.Errorf("interrupted backfill's state: %+v", sy)
	}
	st.Close()

	st = openStore(t, path) // the process restarts
	r, err := newSyncer(c, st, Options{Holder: "this-machine"}).Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !r.Backfilled || r.Conversations >= 150-conversationsPerPage+10 {
		t.Errorf("resumed sync: %+v", r)
	}
	rereadThreads(t, api)
	convs, messages, _ := live(api, ws)
	if got := status(t, st, r.Workspace); got.Counts.Conversations != convs || got.Counts.Messages != messages {
		t.Errorf("after resuming: %+v, want %d conversations and %d messages", got.Counts, convs, messages)
	}
}

func TestKilledSyncerLeaseTakenOver(t *testing.T) { forEachEngine(t, testKilledSyncerLeaseTakenOver) }

func testKilledSyncerLeaseTakenOver(t *testing.T, storePath func(testing.TB) string) {
	ws := generated(4, 150)
	api, c := testkit.NewAPI(t, ws, client.WithRateLimit(1000))
	path := storePath(t)
	const ttl = 400 * time.Millisecond
	// The lease's clock stands still until the test moves it past the
	// lease: the dead syncer's lease holds until then, however slow the
	// machine, and not after.
	lease := &leaseClock{now: time.Now()}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	killed := newSyncer(c, openStore(t, path, store.WithClock(lease.Now)), Options{LeaseTTL: ttl, Progress: cancelAfterFirstPage(cancel)})
	if _, err := killed.Sync(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("killed sync: %v", err)
	}

	other := newSyncer(c, openStore(t, path, store.WithClock(lease.Now)), Options{LeaseTTL: ttl})
	start := len(api.Requests())
	_, err := other.Sync(context.Background())
	var held *LeaseHeldError
	if !errors.As(err, &held) || !errors.Is(err, ErrLeaseHeld) || held.Lease.Holder != killed.Holder() {
		t.Fatalf("sync while the dead syncer's lease holds: %v", err)
	}
	for _, r := range api.Requests()[start:] {
		if r.Path != "/v1/phone-numbers" && r.Path != "/v1/users" {
			t.Errorf("a syncer without the lease requested %s", r.Path)
		}
	}

	lease.Set(held.Lease.Expires.Add(time.Millisecond))
	r, err := other.Sync(context.Background())
	if err != nil || !r.Backfilled {
		t.Fatalf("sync after the lease expired: %+v, %v", r, err)
	}
	rereadThreads(t, api)
}

func TestTwoSyncersOneFileOnlyOneSyncs(t *testing.T) {
	forEachEngine(t, testTwoSyncersOneFileOnlyOneSyncs)
}

func testTwoSyncersOneFileOnlyOneSyncs(t *testing.T, storePath func(testing.TB) string) {
	ws := generated(5, 120)
	api, c := testkit.NewAPI(t, ws, client.WithRateLimit(1000))
	path := storePath(t)
	second := newSyncer(c, openStore(t, path), Options{}) // another process on the same file
	var secondErr error
	var secondRequests atomic.Int64
	tried := false
	first := newSyncer(c, openStore(t, path), Options{Progress: func(p Progress) {
		if tried {
			return
		}
		tried = true // in the midst of the first one's backfill
		start := len(api.Requests())
		_, secondErr = second.Sync(context.Background())
		secondRequests.Store(int64(len(api.Requests()) - start))
	}})
	if _, err := first.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(secondErr, ErrLeaseHeld) || secondRequests.Load() != 2 {
		t.Errorf("second syncer: %v after %d requests; want ErrLeaseHeld after 2 (lines, users)", secondErr, secondRequests.Load())
	}
	// Once the first is done, the second may sync: incrementally.
	if r, err := second.Sync(context.Background()); err != nil || r.Backfilled {
		t.Errorf("second syncer after the first: %+v, %v", r, err)
	}
}

func TestWorkspacesKeptApart(t *testing.T) { forEachEngine(t, testWorkspacesKeptApart) }

func testWorkspacesKeptApart(t *testing.T, storePath func(testing.TB) string) {
	ctx := context.Background()
	wsA, wsB := generated(6, 40), generated(7, 30)
	line := wsB.Lines[0]
	conv := wsB.Conversations[0]
	wsB.Messages = append(wsB.Messages, client.Message{ID: "ACzanzibar1", ConversationID: &conv.ID, PhoneNumberID: &conv.PhoneNumberID,
		From: conv.Participants[0], To: []string{line.Number}, Text: "Shipping to Zanzibar", Direction: "incoming", Status: "received",
		CreatedAt: conv.LastActivityAt.Add(-time.Second)})
	apiA, cA := testkit.NewAPI(t, wsA, client.WithRateLimit(1000))
	apiB, cB := testkit.NewAPI(t, wsB, client.WithRateLimit(1000))
	st := openStore(t, storePath(t))
	rA, err := newSyncer(cA, st, Options{}).Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rB, err := newSyncer(cB, st, Options{}).Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rA.Workspace == rB.Workspace {
		t.Fatalf("two workspaces stored as one: %s", rA.Workspace)
	}
	for _, w := range []struct {
		id  string
		api *openphonetest.Server
		ws  openphonetest.Workspace
	}{{rA.Workspace, apiA, wsA}, {rB.Workspace, apiB, wsB}} {
		convs, messages, calls := live(w.api, w.ws)
		if got := status(t, st, w.id).Counts; got.Conversations != convs || got.Messages != messages || got.Calls != calls {
			t.Errorf("workspace %s: %+v; want %d, %d, %d", w.id, got, convs, messages, calls)
		}
	}
	if hits, _ := st.Search(ctx, store.SearchParams{Workspace: rA.Workspace, Query: "zanzibar"}); len(hits) != 0 {
		t.Errorf("workspace A finds B's text: %v", hits)
	}
	if hits, _ := st.Search(ctx, store.SearchParams{Workspace: rB.Workspace, Query: "zanzibar"}); len(hits) != 1 {
		t.Errorf("workspace B: %v", hits)
	}
	// A second key of workspace B shares its rows: it syncs incrementally.
	_, cB2 := testkit.NewAPI(t, wsB, client.WithRateLimit(1000))
	if r, err := newSyncer(cB2, st, Options{}).Sync(ctx); err != nil || r.Workspace != rB.Workspace || r.Backfilled {
		t.Errorf("second key of B: %+v, %v", r, err)
	}
}

func TestRetention(t *testing.T) {
	ctx := context.Background()
	ws := generated(8, 60)
	api, c := testkit.NewAPI(t, ws, client.WithRateLimit(1000))
	st := openStore(t, storePath(t))
	clock := now
	s := newSyncer(c, st, Options{Days: 2, Now: func() time.Time { return clock }})
	r, err := s.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check := func() {
		t.Helper()
		horizon := clock.AddDate(0, 0, -2)
		got := status(t, st, r.Workspace)
		if got.Oldest == nil || got.Oldest.Before(horizon) {
			t.Errorf("oldest activity %v, before the window's start %v", got.Oldest, horizon)
		}
		inWindow := 0
		for _, cv := range api.Conversations() {
			if cv.DeletedAt == nil && !activityAt(cv).Before(horizon) {
				inWindow++
			}
		}
		if got.Counts.Conversations != inWindow || got.Counts.Contacts != len(ws.Contacts) || got.Counts.Lines != 3 || got.Counts.Users != 5 {
			t.Errorf("kept %+v; want %d conversations in the window, and every contact, line and user", got.Counts, inWindow)
		}
	}
	check()
	clock = clock.Add(36 * time.Hour)
	defer func() {
		if sy := status(t, st, r.Workspace).Sync; !sy.CoveredSince.Equal(clock.AddDate(0, 0, -2)) {
			t.Errorf("covered since %v after pruning, want the window's start %v", sy.CoveredSince, clock.AddDate(0, 0, -2))
		}
	}()
	if r, err = s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if r.Pruned.Conversations == 0 || r.Pruned.Messages == 0 {
		t.Errorf("nothing pruned a day and a half later: %+v", r.Pruned)
	}
	check()
}

func TestInsightsForbidden(t *testing.T) {
	ws := generated(9, 30)
	api, c := testkit.NewAPI(t, ws, client.WithRateLimit(1000))
	api.SetCallInsights(false)
	st := openStore(t, storePath(t))
	r, err := newSyncer(c, st, Options{}).Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	summaries := 0
	for _, req := range api.Requests() {
		if strings.HasPrefix(req.Path, "/v1/call-summaries/") {
			summaries++
		}
	}
	if summaries > DefaultWorkers {
		t.Errorf("%d summaries asked for on a plan without them: want at most one per worker", summaries)
	}
	if due, _ := st.CallsDue(context.Background(), r.Workspace, "", 100); len(due) != 0 {
		t.Errorf("calls left due: %+v", due)
	}
}

func TestRenewedLeaseKeepsOthersOut(t *testing.T) {
	const ttl = 200 * time.Millisecond
	ws := generated(10, 350) // four pages of conversations
	_, c := testkit.NewAPI(t, ws, client.WithRateLimit(1000))
	path := storePath(t)
	// The lease's clock moves only between pages, 3/4 of the lease each
	// time: the lease holds only if each page's work renews it, however
	// slow this machine is.
	lease := &leaseClock{now: time.Now()}
	other := newSyncer(c, openStore(t, path, store.WithClock(lease.Now)), Options{LeaseTTL: ttl})
	pages := 0
	var otherErr error
	moved := time.Duration(0)
	first := newSyncer(c, openStore(t, path, store.WithClock(lease.Now)), Options{LeaseTTL: ttl, Progress: func(p Progress) {
		if p.Phase != PhaseBackfill || p.Done {
			return
		}
		pages++
		if pages < 3 {
			lease.Set(lease.Now().Add(3 * ttl / 4))
			moved += 3 * ttl / 4
			return
		}
		if pages == 3 {
			_, otherErr = other.Sync(context.Background())
		}
	}})
	if r, err := first.Sync(context.Background()); err != nil || !r.Backfilled {
		t.Fatalf("first: %+v, %v", r, err)
	}
	if moved <= ttl || !errors.Is(otherErr, ErrLeaseHeld) {
		t.Errorf("another syncer %v after the lease was first taken: %v; want ErrLeaseHeld after more than %v", moved, otherErr, ttl)
	}
}

func TestRun(t *testing.T) {
	ws := generated(11, 20)
	_, c := testkit.NewAPI(t, ws, client.WithRateLimit(1000))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	incremental := 0
	s := newSyncer(c, openStore(t, storePath(t)), Options{Progress: func(p Progress) {
		if p.Phase == PhaseIncremental && p.Done {
			if incremental++; incremental == 2 {
				cancel()
			}
		}
	}})
	var errs []error
	if err := s.Run(ctx, 10*time.Millisecond, func(err error) { errs = append(errs, err) }); !errors.Is(err, context.Canceled) || len(errs) > 0 {
		t.Errorf("Run: %v, errors %v", err, errs)
	}
	if incremental != 2 {
		t.Errorf("%d incremental syncs, want 2 after the backfill", incremental)
	}
}

// mustWorkspace is the one workspace of st.
func mustWorkspace(t *testing.T, st *store.Store) string {
	t.Helper()
	ids, err := st.Workspaces(context.Background())
	if err != nil || len(ids) != 1 {
		t.Fatalf("workspaces %v, %v", ids, err)
	}
	return ids[0]
}

func TestSummaryNotMadeYet(t *testing.T) {
	ctx := context.Background()
	ws := generated(12, 20)
	api, c := testkit.NewAPI(t, ws, client.WithRateLimit(1000))
	clock := now
	s := newSyncer(c, openStore(t, storePath(t)), Options{Now: func() time.Time { return clock }})
	r, err := s.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ws.Conversations, func(c client.Conversation) bool { return len(c.Participants) == 1 && c.DeletedAt == nil })
	conv := ws.Conversations[i]
	at := clock.Add(5 * time.Minute)
	// A call just answered: OpenPhone has made no summary or transcript
	// yet (404), and the caller left no voicemail.
	api.AddCall(conv.ID, client.Call{ID: "ACjustnow01", PhoneNumberID: conv.PhoneNumberID, Participants: conv.Participants,
		Direction: "incoming", Status: "completed", Duration: 120, CreatedAt: at, AnsweredAt: &at, CompletedAt: new(at.Add(2 * time.Minute))})
	clock = clock.Add(10 * time.Minute)
	if _, err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	due, _ := s.store.CallsDue(ctx, r.Workspace, conv.ID, 10)
	if len(due) != 1 || due[0].Summary != store.TextProcessing || due[0].Transcript != store.TextProcessing {
		t.Fatalf("a summary not made yet, just after the call: %+v", due)
	}
	// Two hours on, still nothing: there will be none.
	clock = clock.Add(2 * time.Hour)
	if _, err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	calls, _ := s.store.Calls(ctx, r.Workspace, conv.ID)
	if i := slices.IndexFunc(calls, func(c store.StoredCall) bool { return c.ID == "ACjustnow01" }); i < 0 ||
		calls[i].Texts.SummaryStatus != store.TextAbsent || calls[i].Texts.VoicemailStatus != store.TextAbsent {
		t.Errorf("stored: %+v", calls)
	}
}

// TestReplicasShareOneSync: three replicas keep the lease on one store, as
// servers do (KeepLease). One syncs; the others, after their first try,
// send OpenPhone nothing; the backfill costs what one syncer's alone does.
// When the syncing replica dies, another takes the workspace over once
// its lease expires, and goes on incrementally.
func TestReplicasShareOneSync(t *testing.T) { forEachEngine(t, testReplicasShareOneSync) }

func testReplicasShareOneSync(t *testing.T, storePath func(testing.TB) string) {
	ctx := context.Background()
	ws := generated(21, 120)
	// Requests other than the two that tell the workspace (lines, users),
	// which every replica makes once.
	syncRequests := func(api *openphonetest.Server, from int) int {
		n := 0
		for _, r := range api.Requests()[from:] {
			if r.Path != "/v1/phone-numbers" && r.Path != "/v1/users" {
				n++
			}
		}
		return n
	}
	alone, c := testkit.NewAPI(t, ws, client.WithRateLimit(1000))
	if _, err := newSyncer(c, openStore(t, storePath(t)), Options{}).Sync(ctx); err != nil {
		t.Fatal(err)
	}
	baseline := syncRequests(alone, 0)

	api, c := testkit.NewAPI(t, ws, client.WithRateLimit(1000))
	path := storePath(t)
	const ttl = time.Minute
	lease := &leaseClock{now: time.Now()} // moves only when the test says
	replicas := make([]*Syncer, 3)
	for i := range replicas {
		replicas[i] = newSyncer(c, openStore(t, path, store.WithClock(lease.Now)), Options{KeepLease: true, LeaseTTL: ttl})
	}
	errs := make([]error, len(replicas))
	var wg sync.WaitGroup
	for i, r := range replicas {
		wg.Go(func() { _, errs[i] = r.Sync(ctx) })
	}
	wg.Wait()
	leader := -1
	for i, err := range errs {
		switch {
		case err == nil && leader < 0:
			leader = i
		case err == nil:
			t.Fatalf("replicas %d and %d both synced", leader, i)
		case !errors.Is(err, ErrLeaseHeld):
			t.Fatalf("replica %d: %v", i, err)
		}
	}
	if leader < 0 {
		t.Fatal("no replica synced")
	}
	if got := syncRequests(api, 0); got != baseline {
		t.Errorf("three replicas' backfill: %d requests; one syncer's alone: %d", got, baseline)
	}

	followers := func() []int {
		var f []int
		for i := range replicas {
			if i != leader {
				f = append(f, i)
			}
		}
		return f
	}
	for round := range 2 {
		start := len(api.Requests())
		for _, i := range followers() {
			if _, err := replicas[i].Sync(ctx); !errors.Is(err, ErrLeaseHeld) {
				t.Fatalf("round %d, replica %d: %v; want ErrLeaseHeld", round, i, err)
			}
		}
		if n := len(api.Requests()) - start; n != 0 {
			t.Errorf("round %d: the waiting replicas sent %d requests", round, n)
		}
		if r, err := replicas[leader].Sync(ctx); err != nil || r.Backfilled {
			t.Fatalf("round %d, the syncing replica: %+v, %v", round, r, err)
		}
	}

	// The syncing replica dies: it syncs no more, and its lease holds
	// the others off until it expires, within a lease of its last sync.
	l, held, err := replicas[leader].store.CurrentLease(ctx, replicas[leader].Workspace(), store.LeaseSync)
	if err != nil || !held || l.Holder != replicas[leader].Holder() || l.Expires.Sub(lease.Now()) > ttl {
		t.Fatalf("the dead replica's lease: %+v, held %v, %v", l, held, err)
	}
	next := followers()[0]
	lease.Set(l.Expires.Add(-time.Millisecond))
	if _, err := replicas[next].Sync(ctx); !errors.Is(err, ErrLeaseHeld) {
		t.Fatalf("before the lease expired: %v", err)
	}
	lease.Set(l.Expires.Add(time.Millisecond))
	if r, err := replicas[next].Sync(ctx); err != nil || r.Backfilled {
		t.Fatalf("the replica taking over: %+v, %v; want an incremental sync", r, err)
	}
	if _, err := replicas[followers()[1]].Sync(ctx); !errors.Is(err, ErrLeaseHeld) {
		t.Errorf("the third replica after the takeover: %v; want ErrLeaseHeld", err)
	}
	// A replica that stops gives its lease up: the next takes over at once.
	if err := replicas[next].Release(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := replicas[followers()[1]].Sync(ctx); err != nil {
		t.Errorf("after the release: %v", err)
	}
}
