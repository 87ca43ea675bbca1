package tools

import (
	"strings"
	"testing"
)

func TestActivityReportAnswer(t *testing.T) {
	_, s := demoServer(t, syncedDemo(t))
	for name, args := range map[string]map[string]any{
		"report_by_line.txt":         {},
		"report_by_user.txt":         {"groupBy": "user"},
		"report_by_day_new_york.txt": {"groupBy": "day", "timeZone": "America/New_York", "phoneNumbers": []string{"Support"}},
	} {
		golden(t, name, []byte(text(call(t, s, "activity_report", args))))
	}
	// A window that begins before the store's copy says what it counts.
	out := text(call(t, s, "activity_report", map[string]any{"since": "2020-01-01T00:00:00Z"}))
	if !strings.Contains(out, "You asked from 2020-01-01T00:00:00Z, but the store's copy begins at") {
		t.Errorf("a window before the store:\n%s", out)
	}
}

func TestActivityReportRefuses(t *testing.T) {
	api, s := demoServer(t, syncedDemo(t))
	for _, tt := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"groupBy": "week"}, "want line, user, day or hour"},
		{map[string]any{"timeZone": "Mars/Olympus"}, "IANA name"},
		{map[string]any{"timeZone": "Local"}, "IANA name"},
		{map[string]any{"since": "2026-11-20T00:00:00Z", "until": "2026-11-19T00:00:00Z"}, "not earlier than until"},
		{map[string]any{"userId": "bob"}, "user ID"},
		{map[string]any{"until": "2020-01-01T00:00:00Z"}, "before the store's copy begins"},
		{map[string]any{"since": "2027-01-01T00:00:00Z"}, "is not earlier than the window's end, now"},
	} {
		refusedLocally(t, api, s, "activity_report", tt.args, tt.want)
	}
	_, live := demoServer(t, nil)
	if res := call(t, live, "activity_report", map[string]any{}); !res.IsError || !strings.Contains(text(res), "--store off") {
		t.Errorf("without a store: %s", text(res))
	}
}
