package tools

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
)

// threadRows are the conversation rows of a find_contacts or get_contact
// answer: the indented lines under a contact.
func threadRows(out string) []string {
	return regexp.MustCompile(`(?m)^   .*$`).FindAllString(out, -1)
}

// TestContactsLeadToConversations: find_contacts and get_contact show each
// match's conversations, with line, last activity and whether a reply is
// awaited; the same from the store as live; live within their budget.
func TestContactsLeadToConversations(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	st := syncedDemo(t)
	liveAPI, live := demoServer(t, nil)
	_, stored := demoServer(t, st)
	for _, tt := range []struct {
		name, tool string
		args       map[string]any
		want       []string // in the rows, in order
	}{
		{"a contact in a 1:1 and a group", "find_contacts", map[string]any{"query": "Priya Raman"},
			[]string{`CNpZWoyPwX PNTmEQnADH "Front Desk" with +14155550112, last activity 2026-11-20 16:10, no reply awaited`,
				`CNMBh7paoQ PNKxsS2wxn "Support" with +14155550112,+15035550120, conversation named "Aisha Mohammed"`}},
		{"a contact awaiting a reply", "find_contacts", map[string]any{"query": "José Álvarez"},
			[]string{`CNjbyyhuv9 PNKxsS2wxn "Support" with +13125550112, last activity 2026-11-19 12:09, awaits a reply since 2026-11-19 12:09`}},
		{"a number in any format, in a group named otherwise", "find_contacts", map[string]any{"query": "(305) 555-0122"},
			[]string{`CNjlz0GM3I PNTmEQnADH "Front Desk" with +14155550137,+13055550122, conversation named "Dr. Kim's office"`}},
		{"get_contact", "get_contact", map[string]any{"id": ws.Contacts[0].ID},
			[]string{"CNpZWoyPwX", "CNMBh7paoQ"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := map[string]int{}
			for _, path := range []string{"/v1/conversations", "/v1/messages", "/v1/calls"} {
				before[path] = len(liveAPI.RequestsTo(path))
			}
			liveOut := text(call(t, live, tt.tool, tt.args))
			storedOut := text(call(t, stored, tt.tool, tt.args))
			rows := threadRows(liveOut)
			if len(rows) != len(tt.want) {
				t.Fatalf("%d conversation rows, want %d:\n%s", len(rows), len(tt.want), liveOut)
			}
			for i, w := range tt.want {
				if !strings.Contains(rows[i], w) {
					t.Errorf("row %d is %q, want %q in it", i, rows[i], w)
				}
			}
			if s := threadRows(storedOut); strings.Join(s, "\n") != strings.Join(rows, "\n") {
				t.Errorf("from the store:\n%s\nlive:\n%s", strings.Join(s, "\n"), strings.Join(rows, "\n"))
			}
			if !strings.Contains(storedOut, "Conversations as of 2026-11-20") {
				t.Errorf("the store's answer does not say how fresh it is:\n%s", storedOut)
			}
			// Live: at most maxThreadScanPages of conversations, and two
			// reads per conversation shown.
			sent := func(path string) int { return len(liveAPI.RequestsTo(path)) - before[path] }
			convs, msgs := sent("/v1/conversations"), sent("/v1/messages")+sent("/v1/calls")
			if convs > maxThreadScanPages || msgs > 2*maxContactsWithThreads*maxThreadsPerContact {
				t.Errorf("live: %d conversation pages and %d reads of texts and calls", convs, msgs)
			}
		})
	}
}

// TestContactThreadsAwaitAsRecentActivity: whether a contact's
// conversation awaits a reply is decided as recent_activity decides it.
func TestContactThreadsAwaitAsRecentActivity(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	f := newFixture(t, ws, client.WithRateLimit(1000))
	a := NewAccount(t.Context(), f.client)
	recent, err := readRecent(t.Context(), a, recentRequest{Since: "2026-10-01T00:00:00Z", Until: openphonetest.DemoEpoch.Add(time.Hour).Format(time.RFC3339),
		Only: onlyAll, MaxConversations: 50})
	if err != nil {
		t.Fatal(err)
	}
	awaiting := map[string]*time.Time{}
	for _, c := range recent.Conversations {
		awaiting[c.Conversation.ID] = c.AwaitingSince
	}
	threads, src := a.contactThreads(t.Context(), ws.Contacts[:maxContactsWithThreads])
	if src.Err != "" || src.Contacts != maxContactsWithThreads {
		t.Fatalf("source %+v", src)
	}
	compared := 0
	for _, ts := range threads {
		for _, th := range ts.Conversations {
			want, ok := awaiting[th.Conversation.ID]
			if !ok {
				continue
			}
			compared++
			if (want == nil) != (th.AwaitingSince == nil) || want != nil && !want.Equal(*th.AwaitingSince) {
				t.Errorf("%s: awaiting since %v, recent_activity says %v", th.Conversation.ID, th.AwaitingSince, want)
			}
		}
	}
	if compared == 0 {
		t.Fatal("no conversation compared")
	}
}

// TestFindContactsNoMatch: an answer with no match says what to try next.
func TestFindContactsNoMatch(t *testing.T) {
	f := newFixture(t, openphonetest.DemoWorkspace())
	for _, tt := range []struct{ query, want string }{
		{"Nobody Anywhere", "list_contacts lists every contact"},
		{"(999) 555-0000", "search_messages with it as participants"},
	} {
		out := text(call(t, f.server, "find_contacts", map[string]any{"query": tt.query}))
		if !strings.Contains(out, tt.want) {
			t.Errorf("%q: %s", tt.query, out)
		}
	}
}
