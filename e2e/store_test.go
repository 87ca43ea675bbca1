package e2e

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// TestE2EStoreCommands: store sync fills the store from the key's
// workspace, store status says what it holds and as of when, store
// forget deletes it; the store's file is private.
func TestE2EStoreCommands(t *testing.T) {
	api := testkit.Fake(t, openphonetest.DemoWorkspace())
	path := filepath.Join(t.TempDir(), "state", "store.db")
	run := func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(binary, append([]string{"--store", "sqlite:" + path, "--max-rps", "1000"}, args...)...)
		cmd.Env = append(os.Environ(), apiEnv(api)...)
		out, code := output(t, cmd)
		return string(out), code
	}
	if out, code := run("store", "status"); code != 0 || !strings.Contains(out, "holds no workspace yet") {
		t.Fatalf("status of an empty store: exit %d:\n%s", code, out)
	}
	out, code := run("store", "sync")
	if code != 0 || !strings.Contains(out, "Synced workspace ws") {
		t.Fatalf("sync: exit %d:\n%s", code, out)
	}
	ws := api.Conversations()
	out, code = run("store", "status")
	if code != 0 || !strings.Contains(out, "covers: from ") || !strings.Contains(out, "backfill done") ||
		!strings.Contains(out, "3 lines, 5 users") || !strings.Contains(out, " conversations, ") {
		t.Fatalf("status after the sync (%d conversations in the fake): exit %d:\n%s", len(ws), code, out)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the store's file: %v %v; want mode 0600", info.Mode(), err)
	}
	if out, code := run("store", "forget"); code != 0 || !strings.Contains(out, "Forgot workspace ws") {
		t.Fatalf("forget: exit %d:\n%s", code, out)
	}
	if out, _ := run("store", "status"); !strings.Contains(out, "holds no workspace yet") {
		t.Fatalf("status after forget:\n%s", out)
	}
}

// TestE2EStoreSyncsWhileServing: a server with the store on keeps it
// current in the background, with the server's key.
func TestE2EStoreSyncsWhileServing(t *testing.T) {
	api := testkit.Fake(t, openphonetest.DemoWorkspace())
	path := filepath.Join(t.TempDir(), "store.db")
	srv := startHTTP(t, append(apiEnv(api), "OPENPHONE_STORE=sqlite:"+path, "OPENPHONE_MAX_RPS=1000"))
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		cmd := exec.Command(binary, "--store", "sqlite:"+path, "store", "status")
		cmd.Env = append(os.Environ(), noKeyEnv...)
		out, _ := output(t, cmd)
		if strings.Contains(string(out), "backfill done") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not fill its store in a minute:\n%s", out)
		}
	}
	// Its metrics say so: a sync, and the rows.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		resp, err := http.Get(strings.TrimSuffix(srv.url, "/mcp") + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), `openphone_mcp_store_syncs_total{outcome="ok"}`) && strings.Contains(string(body), `openphone_mcp_store_rows{kind="messages"}`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no store metrics after a minute:\n%s", body)
		}
	}
}

// storeDefault leaves the store as a newcomer has it: OPENPHONE_STORE
// unset (an empty value counts as unset).
const storeDefault = "OPENPHONE_STORE="

// TestE2EStoreIsOnByDefault: with no setting, a server keeps store.db in
// its state directory (0600 in 0700) and syncs it; a server started again
// builds its contact index from the store, reading no contact from
// OpenPhone.
func TestE2EStoreIsOnByDefault(t *testing.T) {
	api := testkit.Fake(t, openphonetest.DemoWorkspace())
	state := filepath.Join(t.TempDir(), "state")
	env := append(apiEnv(api), storeDefault, "OPENPHONE_STATE_DIR="+state, "OPENPHONE_MAX_RPS=1000")
	first := startClient(t, env)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		cmd := exec.Command(binary, "store", "status")
		cmd.Env = append(os.Environ(), append(noKeyEnv, storeDefault, "OPENPHONE_STATE_DIR="+state)...)
		out, _ := output(t, cmd)
		if strings.Contains(string(out), "backfill done") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not fill its default store in a minute:\n%s", out)
		}
	}
	if info, err := os.Stat(filepath.Join(state, "store.db")); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the default store: %v; want store.db, mode 0600", err)
	}
	if info, err := os.Stat(state); err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("the state directory: %v %v; want mode 0700", info.Mode(), err)
	}
	first.Close()

	read := len(api.RequestsTo("/v1/contacts"))
	second := startClient(t, env)
	out := callOK(t, second, "find_contacts", map[string]any{"query": "raman dental"})
	if !strings.Contains(out, "Priya Raman") {
		t.Errorf("find_contacts after a restart:\n%s", out)
	}
	if again := len(api.RequestsTo("/v1/contacts")) - read; again != 0 {
		t.Errorf("the restarted server read %d pages of contacts from OpenPhone; want none: the store has them", again)
	}
	// So does a server over HTTP, whose keys share one index per workspace.
	second.Close()
	srv := startHTTP(t, env)
	_, body := srv.postJSON(t, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"find_contacts","arguments":{"query":"raman dental"}}}`, nil)
	if !strings.Contains(body, "Priya Raman") {
		t.Errorf("find_contacts over HTTP:\n%s", body)
	}
	if again := len(api.RequestsTo("/v1/contacts")) - read; again != 0 {
		t.Errorf("the server over HTTP read %d pages of contacts from OpenPhone; want none: the store has them", again)
	}
}

// TestE2EDemoStore: the demo syncs into a temporary store of its own,
// which recent_activity answers from, and leaves nothing behind; --store
// off reads live.
func TestE2EDemoStore(t *testing.T) {
	tmp := t.TempDir()
	run := func(env ...string) string {
		cmd := exec.Command(binary, "--demo", "call", "recent_activity", `{}`)
		cmd.Env = append(os.Environ(), append(append(noKeyEnv, "TMPDIR="+tmp), env...)...)
		out, code := output(t, cmd)
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		return string(out)
	}
	if out := run(storeDefault); !strings.Contains(out, "From the store, as of") {
		t.Errorf("the demo's recent_activity is not from its store:\n%s", out)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the demo left %d files in TMPDIR: %v", len(left), left)
	}
	if out := run("OPENPHONE_STORE=off"); strings.Contains(out, "From the store") {
		t.Errorf("with --store off, the demo answered from a store:\n%s", out)
	}
}
