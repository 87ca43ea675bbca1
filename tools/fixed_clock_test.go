package tools

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// TestFixedClockPromisesNoRetry: on a clock that stands still (the demo's),
// a voicemail, summary, transcript or recording still being processed is
// said to be so without the advice to call again later, which could never
// help there; on a moving clock the advice stays.
func TestFixedClockPromisesNoRetry(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	var voicemailCall, summaryCall string
	for id, v := range ws.Voicemails {
		if v.Status == client.VoicemailInProgress {
			voicemailCall = id
		}
	}
	for id, s := range ws.Summaries {
		if s.Status == client.InsightInProgress {
			summaryCall = id
		}
	}
	if voicemailCall == "" || summaryCall == "" {
		t.Fatal("the demo has no voicemail or summary in progress")
	}
	for _, fixed := range []bool{false, true} {
		_, c := testkit.NewAPI(t, ws, client.WithRateLimit(1000))
		s := NewServer(Config{Client: c, Version: "test", Context: t.Context(), ContactsWait: time.Minute, FixedClock: fixed,
			Now: func() time.Time { return openphonetest.DemoEpoch }})
		var texts []string
		for _, tt := range []struct {
			tool string
			args map[string]any
		}{
			{"recent_activity", map[string]any{"only": "missed-calls"}},
			{"get_call", map[string]any{"callId": voicemailCall}},
			{"get_call", map[string]any{"callId": summaryCall}},
		} {
			res, err := CallTool(t.Context(), s, tt.tool, tt.args)
			if err != nil || res.IsError {
				t.Fatalf("%s %v: %v %s", tt.tool, tt.args, err, ResultText(res))
			}
			texts = append(texts, ResultText(res))
		}
		all := strings.Join(texts, "\n")
		promises := slices.ContainsFunc([]string{"again in a minute", "again later", "reads it later"}, func(p string) bool { return strings.Contains(all, p) })
		switch {
		case fixed && (promises || strings.Count(all, standingClock) != 5):
			t.Errorf("a fixed clock: %d notes of the standing clock, want 5 (voicemail twice, summary, transcript, recording); promises a retry: %v\n%s", strings.Count(all, standingClock), promises, all)
		case !fixed && (!promises || strings.Contains(all, standingClock)):
			t.Errorf("a moving clock:\n%s", all)
		}
	}
}
