package tools

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/ingest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
	"github.com/openphone-mcp/openphone-mcp/store"
)

// syncedDemo is the demo workspace synced into a store (a real SQLite
// file), on the demo's clock.
func syncedDemo(t *testing.T) *store.Store {
	t.Helper()
	return syncedDemoAt(t, filepath.Join(t.TempDir(), store.FileName))
}

// syncedDemoAt is syncedDemo in the store at where: a SQLite file, or a
// PostgreSQL URL.
func syncedDemoAt(t *testing.T, where string) *store.Store {
	t.Helper()
	_, c := testkit.NewAPI(t, openphonetest.DemoWorkspace(), client.WithRateLimit(1000))
	st, err := store.Open(t.Context(), where)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := ingest.New(c, st, ingest.Options{Now: func() time.Time { return openphonetest.DemoEpoch }}).Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st
}

// demoServer serves a fake of the demo workspace of its own on the demo's
// clock, with st as its store (nil: none).
func demoServer(t *testing.T, st *store.Store) (*openphonetest.Server, *server.MCPServer) {
	api, c := testkit.NewAPI(t, openphonetest.DemoWorkspace(), client.WithRateLimit(1000))
	return api, NewServer(Config{Client: c, Version: "test", Context: t.Context(), ContactsWait: time.Minute, Store: st,
		Now: func() time.Time { return openphonetest.DemoEpoch }})
}

// notDirectory are the requests that are not the directory's (lines and
// users) nor the contact index's.
func notDirectory(reqs []openphonetest.Request) []string {
	var paths []string
	for _, r := range reqs {
		if !slices.Contains([]string{"/v1/phone-numbers", "/v1/users", "/v1/contacts", "/v1/contact-custom-fields"}, r.Path) {
			paths = append(paths, r.Path)
		}
	}
	return paths
}

// TestRecentActivityFromStore: the store gives the answer a live read
// gives, for windows ending now and in the past, for each only, with no
// request beyond the directory's, and says how fresh it is.
func TestRecentActivityFromStore(t *testing.T) {
	st := syncedDemo(t)
	_, live := demoServer(t, nil)
	storeAPI, stored := demoServer(t, st)
	lines := openphonetest.DemoWorkspace().Lines
	windows := []map[string]any{
		{}, // the last 24 hours
		{"since": openphonetest.DemoEpoch.Add(-72 * time.Hour).Format(time.RFC3339)},
		{"since": "2026-11-17T00:00:00Z", "until": "2026-11-18T12:00:00Z"},
		{"since": "2026-11-19T06:00:00Z", "until": "2026-11-19T18:00:00Z"},
		{"since": "2026-11-01T00:00:00Z", "until": "2026-11-20T00:00:00Z", "phoneNumbers": []string{lines[0].ID}},
		{"since": "2026-11-01T00:00:00Z", "phoneNumbers": []string{lines[len(lines)-1].Number}, "userId": lines[len(lines)-1].UserIDs[0]},
		{"since": "2026-11-01T00:00:00Z", "userId": lines[0].UserIDs[0]},
	}
	deleted := deletedInDemo()
	shown, same := 0, 0
	for _, w := range windows {
		for _, only := range []string{onlyAll, onlyNeedsReply, onlyMissedCalls} {
			args := map[string]any{"only": only, "maxConversations": 50}
			for k, v := range w {
				args[k] = v
			}
			name := fmt.Sprint(args)
			before := len(notDirectory(storeAPI.Requests()))
			fromStore, fromLive := text(call(t, stored, "recent_activity", args)), text(call(t, live, "recent_activity", args))
			if extra := notDirectory(storeAPI.Requests())[before:]; len(extra) > 0 {
				t.Errorf("%s: the store's answer sent %d requests beyond the directory's: %v", name, len(extra), extra)
			}
			storeWindow, storeHead, storeRest := opened(fromStore)
			liveWindow, liveHead, liveRest := opened(fromLive)
			if !strings.Contains(storeHead, "From the store, as of 17:00:00 UTC (synced 0 s ago).") {
				t.Errorf("%s: the header does not say how fresh it is: %s", name, storeHead)
			}
			if strings.Contains(liveHead, "From the store") {
				t.Errorf("%s: the live answer: %s", name, liveHead)
			}
			if !strings.HasPrefix(storeWindow, "Window: ") || storeWindow != liveWindow {
				t.Errorf("%s: window\nstore: %s\nlive:  %s", name, storeWindow, liveWindow)
			}
			// The store drops a conversation deleted in OpenPhone with its
			// activity; a live read still lists it.
			storeBlocks := blocks(fromStore, nil)
			liveBlocks := blocks(fromLive, deleted)
			if !slices.Equal(storeBlocks, liveBlocks) {
				t.Errorf("%s: the blocks differ:%s", name, blockDiff(storeBlocks, liveBlocks))
			}
			// Without a deleted conversation in the window, the whole
			// answer after the headline (legend included) is the same.
			if len(blocks(fromLive, nil)) == len(liveBlocks) {
				same++
				if storeRest != liveRest {
					t.Errorf("%s: the answers differ after the headline\nstore:\n%s\nlive:\n%s", name, storeRest, liveRest)
				}
			}
			shown += len(storeBlocks)
		}
	}
	if shown == 0 || same == 0 {
		t.Errorf("%d conversations shown, %d answers compared whole: the test proves too little", shown, same)
	}
	t.Logf("%d conversations shown, %d of %d answers compared whole", shown, same, 3*len(windows))
}

// TestRecentActivityBeforeTheStore: a window that begins before what the
// store covers is read live.
func TestRecentActivityBeforeTheStore(t *testing.T) {
	st := syncedDemo(t)
	api, s := demoServer(t, st)
	args := map[string]any{"since": openphonetest.DemoEpoch.AddDate(0, 0, -100).Format(time.RFC3339), "until": "2026-11-18T12:00:00Z"}
	out := text(call(t, s, "recent_activity", args))
	if strings.Contains(out, "From the store") {
		t.Errorf("a window before the store's coverage answered from it:\n%s", out)
	}
	if len(api.RequestsTo("/v1/conversations")) == 0 {
		t.Error("a window before the store's coverage was not read live")
	}
}

// deletedInDemo are the conversations the demo workspace has deleted.
func deletedInDemo() []string {
	var ids []string
	for _, c := range openphonetest.DemoWorkspace().Conversations {
		if c.DeletedAt != nil {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// blocks are the conversation blocks of an answer of recent_activity,
// but those of the conversations skip.
func blocks(answer string, skip []string) []string {
	var bs []string
	for _, b := range strings.Split(answer, "\n\n") {
		id, _, _ := strings.Cut(b, " ")
		if strings.HasPrefix(b, "CN") && !slices.Contains(skip, id) {
			bs = append(bs, b)
		}
	}
	return bs
}

// opened cuts an answer into its opening line (the window), its headline
// and the rest.
func opened(answer string) (window, headline, rest string) {
	window, rest, _ = strings.Cut(answer, "\n")
	headline, rest, _ = strings.Cut(rest, "\n")
	return window, headline, rest
}

// blockDiff names the blocks of the store's answer and the live one that
// differ.
func blockDiff(s, l []string) string {
	var d strings.Builder
	for _, b := range s {
		if !slices.Contains(l, b) {
			d.WriteString("\nonly from the store:\n" + b)
		}
	}
	for _, b := range l {
		if !slices.Contains(s, b) {
			d.WriteString("\nonly live:\n" + b)
		}
	}
	if d.Len() == 0 {
		return " the same blocks, in another order"
	}
	return d.String()
}

// TestRecentActivityStoreFreshness: an answer from a store synced an hour
// ago says so, and that what came since is not in it.
func TestRecentActivityStoreFreshness(t *testing.T) {
	st := syncedDemo(t)
	_, c := testkit.NewAPI(t, openphonetest.DemoWorkspace(), client.WithRateLimit(1000))
	s := NewServer(Config{Client: c, Version: "test", Context: t.Context(), ContactsWait: time.Minute, Store: st,
		Now: func() time.Time { return openphonetest.DemoEpoch.Add(time.Hour) }})
	_, head, _ := opened(text(call(t, s, "recent_activity", map[string]any{})))
	if want := "From the store, as of 17:00:00 UTC (synced 1 h ago); activity after it is not included."; !strings.Contains(head, want) {
		t.Errorf("header %q, want %q", head, want)
	}
	// A window that ended before the store's last sync is whole.
	_, head, _ = opened(text(call(t, s, "recent_activity", map[string]any{"since": "2026-11-19T00:00:00Z", "until": "2026-11-20T00:00:00Z"})))
	if want := "From the store, as of 17:00:00 UTC (synced 1 h ago)."; !strings.Contains(head, want) {
		t.Errorf("header %q, want %q", head, want)
	}
}

// TestRecentActivityStoreLacksAVoicemail: a voicemail the store has not
// read yet is the one request an answer from the store sends.
func TestRecentActivityStoreLacksAVoicemail(t *testing.T) {
	st := syncedDemo(t)
	ws, err := st.Workspaces(t.Context())
	if err != nil || len(ws) != 1 {
		t.Fatalf("workspaces %v, %v", ws, err)
	}
	if err := st.PutCallTexts(t.Context(), ws[0], "ACbzW78kKN", store.CallTexts{VoicemailStatus: store.TextPending}); err != nil {
		t.Fatal(err)
	}
	api, s := demoServer(t, st)
	_, live := demoServer(t, nil)
	args := map[string]any{"since": "2026-11-17T17:00:00Z"}
	fromStore := text(call(t, s, "recent_activity", args))
	if got := notDirectory(api.Requests()); !slices.Equal(got, []string{"/v1/call-voicemails/ACbzW78kKN"}) {
		t.Errorf("requests %v, want the one voicemail's", got)
	}
	if !strings.Contains(fromStore, "From the store") || !strings.Contains(fromStore, `"Calling about the invoice`) {
		t.Errorf("the voicemail read live is not in the answer from the store:\n%s", fromStore)
	}
	if s, l := blocks(fromStore, nil), blocks(text(call(t, live, "recent_activity", args)), deletedInDemo()); !slices.Equal(s, l) {
		t.Errorf("the blocks differ:%s", blockDiff(s, l))
	}
}

// TestRecentActivityStoreWithoutTheWorkspace: a store that never synced
// the key's workspace leaves the answer to a live read.
func TestRecentActivityStoreWithoutTheWorkspace(t *testing.T) {
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	api, s := demoServer(t, st)
	if out := text(call(t, s, "recent_activity", map[string]any{})); strings.Contains(out, "From the store") {
		t.Errorf("an empty store answered:\n%s", out)
	}
	if len(api.RequestsTo("/v1/conversations")) == 0 {
		t.Error("an empty store's answer was not read live")
	}
	if list, _ := st.Workspaces(t.Context()); len(list) != 0 {
		t.Errorf("reading recorded a workspace in the store: %v", list)
	}
}

// TestRecentActivityStoreNotShown: from the store, the conversations kept
// past maxConversations are counted, not silently dropped.
func TestRecentActivityStoreNotShown(t *testing.T) {
	_, s := demoServer(t, syncedDemo(t))
	out := text(call(t, s, "recent_activity", map[string]any{"maxConversations": 5, "since": "2026-11-17T17:00:00Z"}))
	_, head, _ := opened(out)
	if n := len(blocks(out, nil)); n != 5 || !strings.Contains(head, "Examined: every conversation with activity in the window (43). 38 more are not shown (maxConversations)") {
		t.Errorf("%d blocks; header %s", n, head)
	}
}
