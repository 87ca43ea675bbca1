package tools

import (
	"strings"
	"testing"
	"time"
)

// TestAnswersOpenWithTheirWindow: an answer about a window of time opens
// with it, in absolute times, and with the server's now (the demo's clock
// here, not the machine's), in the one line every tool writes alike; an
// answer about no window opens with none.
func TestAnswersOpenWithTheirWindow(t *testing.T) {
	_, s := demoServer(t, syncedDemo(t))
	const now = "now (2026-11-20T17:00:00Z, the server's clock)."
	for _, tt := range []struct {
		tool string
		args map[string]any
		want string // the first line; "" for an answer without a window
	}{
		{"recent_activity", map[string]any{}, "Window: 2026-11-19T17:00:00Z to " + now},
		{"recent_activity", map[string]any{"since": "2026-11-18T00:00:00Z", "until": "2026-11-19T00:00:00Z"},
			"Window: 2026-11-18T00:00:00Z to 2026-11-19T00:00:00Z; now is 2026-11-20T17:00:00Z (the server's clock)."},
		{"activity_report", map[string]any{}, "Window: 2026-11-13T17:00:00Z to " + now},
		{"search_messages", map[string]any{"query": "invoice", "since": "2026-11-01T00:00:00Z"}, "Window: 2026-11-01T00:00:00Z to " + now},
		{"search_messages", map[string]any{"query": "invoice", "until": "2026-11-10T00:00:00Z"}, "Window: up to 2026-11-10T00:00:00Z; now is 2026-11-20T17:00:00Z (the server's clock)."},
		{"search_messages", map[string]any{"query": "invoice"}, ""},
		{"list_conversations", map[string]any{"updatedAfter": "2026-11-20T00:00:00Z"}, "Window (updated): 2026-11-20T00:00:00Z to " + now},
		{"list_conversations", map[string]any{"createdAfter": "2026-11-01T00:00:00+01:00", "createdBefore": "2026-11-02T00:00:00Z"},
			"Window (created): 2026-10-31T23:00:00Z to 2026-11-02T00:00:00Z; now is 2026-11-20T17:00:00Z (the server's clock)."},
		{"list_conversations", map[string]any{"createdBefore": "2026-11-02T00:00:00Z"}, ""},
		{"list_conversations", map[string]any{}, ""},
		{"list_messages", map[string]any{"phoneNumberId": "Sales", "participants": []any{"+18085550117"}, "createdAfter": "2026-11-19T00:00:00Z"},
			"Window (created): 2026-11-19T00:00:00Z to " + now},
		{"list_calls", map[string]any{"phoneNumberId": "Sales", "participants": []any{"+18085550117"}, "createdAfter": "2026-11-19T00:00:00Z", "since": "2026-11-20T00:00:00Z"},
			"Window (created): 2026-11-19T00:00:00Z to 2026-11-20T00:00:00Z; now is 2026-11-20T17:00:00Z (the server's clock)."},
	} {
		res := call(t, s, tt.tool, tt.args)
		out := text(res)
		if res.IsError {
			t.Errorf("%s %v: %s", tt.tool, tt.args, out)
			continue
		}
		first, _, _ := strings.Cut(out, "\n")
		if tt.want == "" && strings.HasPrefix(first, "Window") || tt.want != "" && first != tt.want {
			t.Errorf("%s %v opens with\n%s\nwant\n%s", tt.tool, tt.args, first, tt.want)
		}
	}
}

// TestWindowLine: the one line, for each kind of window.
func TestWindowLine(t *testing.T) {
	at := func(s string) *time.Time { v, _ := time.Parse(time.RFC3339, s); return &v }
	now := *at("2026-11-20T17:00:00Z")
	for _, tt := range []struct {
		w    timeWindow
		want string
	}{
		{timeWindow{since: at("2026-11-19T17:00:00Z")}, "Window: 2026-11-19T17:00:00Z to now (2026-11-20T17:00:00Z, the server's clock)."},
		{timeWindow{since: at("2026-11-19T17:00:00Z"), until: at("2026-11-21T00:00:00Z")}, "Window: 2026-11-19T17:00:00Z to now (2026-11-20T17:00:00Z, the server's clock)."},
		{timeWindow{what: "created", since: at("2026-11-19T12:00:00-05:00"), until: at("2026-11-20T00:00:00Z")}, "Window (created): 2026-11-19T17:00:00Z to 2026-11-20T00:00:00Z; now is 2026-11-20T17:00:00Z (the server's clock)."},
		{timeWindow{until: at("2026-11-20T00:00:00Z")}, "Window: up to 2026-11-20T00:00:00Z; now is 2026-11-20T17:00:00Z (the server's clock)."},
	} {
		if got := tt.w.line(now); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
	}
}
