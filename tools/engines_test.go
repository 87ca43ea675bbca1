package tools

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
	"github.com/openphone-mcp/openphone-mcp/store"
)

// TestStoreToolsAnswerAlikeOnBothEngines: the demo synced into a SQLite
// store and into a PostgreSQL one; the tools that read the store give
// the same answers, word for word, on both.
func TestStoreToolsAnswerAlikeOnBothEngines(t *testing.T) {
	_, lite := demoServer(t, syncedDemoAt(t, filepath.Join(t.TempDir(), store.FileName)))
	_, pg := demoServer(t, syncedDemoAt(t, testkit.PostgresURL(t)))
	calls := []struct {
		tool string
		args map[string]any
	}{
		{"search_messages", map[string]any{"query": "invoice"}},
		{"search_messages", map[string]any{"query": "invoice", "maxResults": 3}},
		{"search_messages", map[string]any{"query": `"side gate"`}},
		{"search_messages", map[string]any{"query": "the", "direction": "outgoing", "maxResults": 50}},
		{"search_messages", map[string]any{"query": "appointment", "in": []string{"voicemails", "transcripts"}}},
		{"search_messages", map[string]any{"query": "call", "phoneNumbers": []string{"Support"}, "since": "2026-11-01T00:00:00Z"}},
		{"search_messages", map[string]any{"query": "thanks", "participants": []string{"(415) 555-0111"}}},
		{"activity_report", map[string]any{}},
		{"activity_report", map[string]any{"groupBy": "user"}},
		{"activity_report", map[string]any{"groupBy": "day", "timeZone": "America/New_York"}},
		{"activity_report", map[string]any{"groupBy": "hour", "since": "2026-11-19T00:00:00Z", "phoneNumbers": []string{"Sales"}}},
		{"recent_activity", map[string]any{}},
		{"recent_activity", map[string]any{"since": "2026-11-01T00:00:00Z"}},
	}
	for _, c := range calls {
		t.Run(fmt.Sprint(c.tool, c.args), func(t *testing.T) {
			fromSQLite, fromPostgres := text(call(t, lite, c.tool, c.args)), text(call(t, pg, c.tool, c.args))
			if fromSQLite != fromPostgres {
				t.Errorf("SQLite:\n%s\n\nPostgreSQL:\n%s", fromSQLite, fromPostgres)
			}
			if len(fromSQLite) < 200 {
				t.Errorf("a short answer says little:\n%s", fromSQLite)
			}
		})
	}
	// The next page, by the page token of the first.
	first := text(call(t, lite, "search_messages", map[string]any{"query": "invoice", "maxResults": 3}))
	_, token := hitIDs(first)
	if token == "" {
		t.Fatalf("no page token:\n%s", first)
	}
	if a, b := text(call(t, lite, "search_messages", map[string]any{"query": "invoice", "maxResults": 3, "pageToken": token})),
		text(call(t, pg, "search_messages", map[string]any{"query": "invoice", "maxResults": 3, "pageToken": token})); a != b {
		t.Errorf("the second page differs:\nSQLite:\n%s\n\nPostgreSQL:\n%s", a, b)
	}
}
