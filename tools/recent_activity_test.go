package tools

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// demoClock serves f's API on the demo's clock, as --demo does.
func demoClock(t *testing.T, f fixture) *server.MCPServer {
	return NewServer(Config{Client: f.client, Version: "test", Context: t.Context(), ContactsWait: time.Minute,
		Now: func() time.Time { return openphonetest.DemoEpoch }})
}

func TestRecentActivityGolden(t *testing.T) {
	f := newFixture(t, openphonetest.DemoWorkspace(), client.WithRateLimit(1000))
	s := demoClock(t, f)
	for _, tt := range []struct {
		golden string
		args   map[string]any
	}{
		{"recent_all.txt", map[string]any{}},
		{"recent_needs_reply.txt", map[string]any{"only": "needs-reply"}},
		{"recent_missed_calls.txt", map[string]any{"only": "missed-calls"}},
		{"recent_more.txt", map[string]any{"maxConversations": 3, "phoneNumbers": []string{"support"}}},
		{"recent_none.txt", map[string]any{"since": "2026-11-20T16:59:00Z"}},
		{"recent_bad.txt", map[string]any{"since": "yesterday", "only": "unread", "maxConversations": 0}},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			res := call(t, s, "recent_activity", tt.args)
			if res.IsError != (tt.golden == "recent_bad.txt") {
				t.Fatalf("isError %v: %s", res.IsError, text(res))
			}
			golden(t, tt.golden, []byte(text(res)+"\n"))
		})
	}
}

// TestAwaitingReply holds the awaiting-reply rule to its edge cases.
func TestAwaitingReply(t *testing.T) {
	at := func(minute int) time.Time { return openphonetest.DemoEpoch.Add(time.Duration(minute) * time.Minute) }
	text := func(minute int, dir string) client.Message {
		return client.Message{Direction: dir, CreatedAt: at(minute)}
	}
	missed := func(minute int) client.Call {
		return client.Call{Direction: "incoming", Status: "missed", CreatedAt: at(minute)}
	}
	for _, tt := range []struct {
		name     string
		messages []client.Message
		calls    []client.Call
		want     int // the minute awaiting began, or -1 for none
	}{
		{"a text in", []client.Message{text(1, "incoming")}, nil, 1},
		{"a text in, answered", []client.Message{text(1, "incoming"), text(2, "outgoing")}, nil, -1},
		{"an outgoing reply, then a missed call", []client.Message{text(1, "incoming"), text(2, "outgoing")}, []client.Call{missed(3)}, 3},
		{"a missed call returned by an outgoing call", nil, []client.Call{missed(1), {Direction: "outgoing", Status: "completed", CreatedAt: at(2)}}, -1},
		{"a missed call, then texts in", []client.Message{text(5, "incoming"), text(6, "incoming")}, []client.Call{missed(4)}, 4},
		{"an answered incoming call after a text", []client.Message{text(1, "incoming")}, []client.Call{{Direction: "incoming", Status: "completed", AnsweredAt: new(at(2)), CreatedAt: at(2)}}, -1},
		{"a group thread, texted last", []client.Message{text(1, "outgoing"), text(2, "incoming"), text(3, "incoming")}, nil, 2},
		{"an outgoing call unanswered after a text in", []client.Message{text(1, "incoming")}, []client.Call{{Direction: "outgoing", Status: "no-answer", CreatedAt: at(2)}}, -1},
		{"nothing", nil, nil, -1},
	} {
		got := awaitingSince(tt.messages, tt.calls)
		if (got == nil) != (tt.want < 0) || got != nil && !got.Equal(at(tt.want)) {
			t.Errorf("%s: %v, want minute %d", tt.name, got, tt.want)
		}
	}
}

// TestMissedCalls holds the rule a call is missed by.
func TestMissedCalls(t *testing.T) {
	for status, want := range map[string]bool{"missed": true, "no-answer": true, "busy": true, "canceled": true, "abandoned": true,
		"completed": false, "answered": false, "forwarded": false, "failed": false, "ringing": false} {
		if got := isMissed(client.Call{Direction: "incoming", Status: status}); got != want {
			t.Errorf("an incoming %s call: missed %v, want %v", status, got, want)
		}
	}
	if isMissed(client.Call{Direction: "outgoing", Status: "no-answer"}) {
		t.Error("an outgoing call nobody answered counts as missed")
	}
}

// TestRecentActivityCancelled: a call cancelled while its reads are under
// way ends every one of them upstream.
func TestRecentActivityCancelled(t *testing.T) {
	f := newFixture(t, openphonetest.DemoWorkspace(), client.WithRateLimit(1000))
	s := demoClock(t, f)
	holds := slices.Repeat([]openphonetest.Fault{{Path: "/v1/messages", Delay: time.Hour}}, 50)
	f.api.Inject(holds...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		CallTool(ctx, s, "recent_activity", map[string]any{})
	}()
	for len(f.api.RequestsTo("/v1/messages")) < 14 { // the 14 conversations of the demo's last day
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	for deadline := time.Now().Add(10 * time.Second); f.api.Cancelled() < 14 && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
	}
	if n := f.api.Cancelled(); n < 14 {
		t.Errorf("%d held reads ended upstream, want all 14", n)
	}
}

// TestRecentActivityProgress: a client that asks for progress hears each
// conversation read, counting up.
func TestRecentActivityProgress(t *testing.T) {
	f := newFixture(t, openphonetest.DemoWorkspace(), client.WithRateLimit(1000))
	messages := callWithProgress(t, demoClock(t, f), "recent_activity", map[string]any{}, 14)
	for i, m := range messages[len(messages)-14:] {
		if !strings.HasSuffix(m, " of 14 conversations read") {
			t.Errorf("progress %d: %q", i, m)
		}
	}
	if last := messages[len(messages)-1]; last != "14 of 14 conversations read" {
		t.Errorf("the last progress is %q", last)
	}
}

// TestRecentActivityKeepsTheLimit: the reads of recent_activity, all at
// once, never put more than 10 requests in a second on the network.
func TestRecentActivityKeepsTheLimit(t *testing.T) {
	var writes testkit.WriteLog
	f := newFixture(t, openphonetest.DemoWorkspace(), writes.Option())
	res := call(t, demoClock(t, f), "recent_activity", map[string]any{})
	if res.IsError {
		t.Fatal(text(res))
	}
	if n, most := len(writes.Times()), writes.MostIn(time.Second); n < 20 || most > client.DefaultRateLimit {
		t.Errorf("%d requests, %d in one second at most; want over 20, and at most %d in any second", n, most, client.DefaultRateLimit)
	}
}

// TestRecentActivityShowsWhatFailed: a conversation whose reads failed
// still appears, with a line saying what could not be read.
func TestRecentActivityShowsWhatFailed(t *testing.T) {
	f := newFixture(t, openphonetest.DemoWorkspace(), client.WithRateLimit(1000), client.WithRetryPolicy(client.RetryPolicy{MaxAttempts: 1}))
	f.api.Inject(openphonetest.Fault{Path: "/v1/calls", Status: 500})
	res := call(t, demoClock(t, f), "recent_activity", map[string]any{})
	out := text(res)
	if res.IsError || strings.Count(out, "\nCould not read calls (OpenPhone answered 500).") != 1 || !strings.Contains(out, "14 conversations with activity") {
		t.Errorf("isError %v:\n%s", res.IsError, out)
	}
}
