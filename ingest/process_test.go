package ingest

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
	"github.com/openphone-mcp/openphone-mcp/store"
)

// syncerProcess is the environment variable that makes the test binary a
// syncer process (runSyncerProcess) instead of running the tests.
const syncerProcess = "INGEST_TEST_SYNCER_PROCESS"

// runSyncerProcess backfills the store INGEST_TEST_STORE from the fake at
// INGEST_TEST_URL, says "page" on stdout once it has stored a page, and
// then waits to be killed.
func runSyncerProcess() {
	c, err := client.New(os.Getenv("INGEST_TEST_KEY"), client.WithBaseURL(os.Getenv("INGEST_TEST_URL")), client.WithRateLimit(1000))
	if err != nil {
		panic(err)
	}
	st, err := store.Open(context.Background(), os.Getenv("INGEST_TEST_STORE"))
	if err != nil {
		panic(err)
	}
	ttl, _ := time.ParseDuration(os.Getenv("INGEST_TEST_TTL"))
	s := newSyncer(c, st, Options{Holder: "the-killed-process", LeaseTTL: ttl, Progress: func(p Progress) {
		if p.Phase == PhaseBackfill && p.Read > 0 {
			fmt.Println("page")
			select {} // until killed
		}
	}})
	_, err = s.Sync(context.Background())
	fmt.Println("sync ended:", err)
}

// TestKilledProcess kills a syncer process (SIGKILL) in the midst of its
// backfill: the file it was writing opens whole, its lease holds others
// off until it expires, and then another syncer resumes its backfill.
func TestKilledProcess(t *testing.T) { forEachEngine(t, testKilledProcess) }

func testKilledProcess(t *testing.T, storePath func(testing.TB) string) {
	const ttl = time.Second
	ws := generated(13, 250)
	api, c := testkit.NewAPI(t, ws, client.WithRateLimit(1000))
	path := storePath(t)

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), syncerProcess+"=1", "INGEST_TEST_KEY="+api.APIKey, "INGEST_TEST_URL="+api.URL,
		"INGEST_TEST_STORE="+path, "INGEST_TEST_TTL="+ttl.String())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "page\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the syncer process said %q", line)
	}
	cmd.Process.Kill()
	cmd.Wait()
	killedAt := time.Now()

	if !store.IsPostgres(path) {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		var integrity string
		if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
			t.Errorf("integrity of the killed process's file: %q, %v", integrity, err)
		}
		db.Close()
	}

	// This process's clock of the lease stands at the kill until the test
	// moves it past the lease: however slow the machine, the lease holds
	// until then, and not after.
	lease := &leaseClock{now: killedAt}
	st := openStore(t, path, store.WithClock(lease.Now))
	var tookOver time.Time // when the second syncer began, its lease taken
	s := newSyncer(c, st, Options{LeaseTTL: ttl, Progress: func(Progress) {
		if tookOver.IsZero() {
			tookOver = st.Now()
		}
	}})
	_, err = s.Sync(context.Background())
	var held *LeaseHeldError
	if !errors.As(err, &held) || held.Lease.Holder != "the-killed-process" {
		t.Fatalf("sync while the dead process's lease holds: %v", err)
	}
	lease.Set(held.Lease.Expires.Add(time.Millisecond))
	r, err := s.Sync(context.Background())
	if err != nil || !r.Backfilled {
		t.Fatalf("sync after the lease expired: %+v, %v", r, err)
	}
	// The dead process's lease ran out within a lease of its death, and
	// the first sync after took it over.
	if left := held.Lease.Expires.Sub(killedAt); left > ttl {
		t.Errorf("the dead process's lease ran %v after the kill, with a lease of %v", left, ttl)
	}
	if tookOver.IsZero() || tookOver.Before(held.Lease.Expires) {
		t.Errorf("taken over at %v, the lease expiring at %v", tookOver, held.Lease.Expires)
	}
	sy, _ := st.SyncState(context.Background(), r.Workspace)
	if sy.BackfillConversations < conversationsPerPage || r.Conversations > 250-conversationsPerPage+10 {
		t.Errorf("the backfill did not resume: %d conversations read in all, %d by the second syncer", sy.BackfillConversations, r.Conversations)
	}
	rereadThreads(t, api)
	convs, messages, _ := live(api, ws)
	if got := status(t, st, r.Workspace).Counts; got.Conversations != convs || got.Messages != messages {
		t.Errorf("after the takeover: %+v, want %d conversations and %d messages", got, convs, messages)
	}
}
