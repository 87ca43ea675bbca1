package e2e

import (
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// syncsNow is the log line of a replica that has begun to sync the store,
// and fromTheStore what search_messages says of a store it has read.
const (
	syncsNow     = "this process syncs the store now"
	fromTheStore = "Searched: the server's store"
)

// TestE2EReplicasShareOnePostgres: three server processes on one
// PostgreSQL store, as a team runs them: one syncs, and the backfill's
// requests are those of one server; the others answer from what it
// stored, and their write ledger is in the same database. When the
// syncing one stops, another takes the sync over at its next sync.
func TestE2EReplicasShareOnePostgres(t *testing.T) {
	api := testkit.Fake(t, openphonetest.DemoWorkspace())
	env := append(apiEnv(api), "OPENPHONE_STORE="+testkit.PostgresURL(t), "OPENPHONE_SYNC_INTERVAL=10s",
		"OPENPHONE_MAX_RPS=1000", "OPENPHONE_LOG_LEVEL=info", "OPENPHONE_ALLOW_WRITES=true", "OPENPHONE_CONFIRMATION_SECRET="+strings.Repeat("s", 64))
	var replicas []*httpServer
	for range 3 {
		replicas = append(replicas, startHTTP(t, env))
	}
	// Their write ledger is the store's database: no Redis, no file.
	for _, r := range replicas {
		if !strings.Contains(r.stderr.String(), `ledger="PostgreSQL at 127.0.0.1:`) {
			t.Errorf("a replica's write ledger is not in PostgreSQL:\n%s", r.stderr.String())
		}
	}
	leader := -1
	waitFor(t, "a replica to sync the store", func() bool {
		for i, r := range replicas {
			if strings.Contains(r.stderr.String(), syncsNow) {
				leader = i
				return true
			}
		}
		return false
	})
	// Every replica has tried once, and the first sync is done.
	waitFor(t, "the first sync", func() bool {
		time.Sleep(100 * time.Millisecond)
		return strings.Contains(searchDemo(t, replicas[leader]), fromTheStore)
	})
	for i, r := range replicas {
		if i != leader && strings.Contains(r.stderr.String(), syncsNow) {
			t.Errorf("replicas %d and %d both synced:\n%s", leader, i, r.stderr.String())
		}
	}
	if n := len(api.RequestsTo("/v1/conversations")); n > 2 {
		t.Errorf("the replicas listed conversations %d times; one backfill of the demo lists them once or twice", n)
	}
	// Another replica answers from what the syncing one stored.
	other := (leader + 1) % len(replicas)
	if out := searchDemo(t, replicas[other]); !strings.Contains(out, fromTheStore) || !regexp.MustCompile(`[1-9][0-9]* matches for`).MatchString(out) {
		t.Errorf("search_messages on a replica that does not sync:\n%s", out)
	}

	replicas[leader].cmd.Process.Signal(syscall.SIGTERM)
	replicas[leader].cmd.Wait()
	// Within its sync interval (10s), which waitFor's bound exceeds.
	waitFor(t, "another replica to take the sync over", func() bool {
		for i, r := range replicas {
			if i != leader && strings.Contains(r.stderr.String(), syncsNow) {
				return true
			}
		}
		return false
	})
}

// searchDemo searches the demo's texts through r.
func searchDemo(t *testing.T, r *httpServer) string {
	t.Helper()
	_, body := r.postJSON(t, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search_messages","arguments":{"query":"invoice"}}}`, nil)
	return body
}
