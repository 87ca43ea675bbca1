package tools

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/ingest"
)

// demoTexts are the demo's texts that a scan of its data finds: those
// whose text holds the word (case ignored), in the store's window, not in
// a deleted conversation, and that keep pass.
func demoTexts(word string, keep func(client.Message) bool) []string {
	ws := openphonetest.DemoWorkspace()
	deleted := deletedInDemo()
	horizon := openphonetest.DemoEpoch.AddDate(0, 0, -ingest.DefaultDays)
	re := regexp.MustCompile(`(?i)(^|[^\pL\pN_-])` + regexp.QuoteMeta(word) + `($|[^\pL\pN_-])`)
	var ids []string
	for _, m := range ws.Messages {
		if re.MatchString(m.Text) && !m.CreatedAt.Before(horizon) && !slices.Contains(deleted, *m.ConversationID) && keep(m) {
			ids = append(ids, m.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// hitIDs are the IDs of the hits an answer of search_messages shows, and
// the page token it gives ("" when none).
func hitIDs(answer string) ([]string, string) {
	var ids []string
	for _, m := range regexp.MustCompile(`(?m)^\w+ \d+ \d\d:\d\d \w+ (?:in|out) (AC\w+) in CN`).FindAllStringSubmatch(answer, -1) {
		ids = append(ids, m[1])
	}
	token := ""
	if m := regexp.MustCompile(`pageToken "([^"]+)"`).FindStringSubmatch(answer); m != nil {
		token = m[1]
	}
	return ids, token
}

// TestSearchMessagesFindsWhatAScanFinds: each search finds, across every
// page, exactly the texts a scan of the demo's data finds, and says how
// many; with no request to OpenPhone but the directory's.
func TestSearchMessagesFindsWhatAScanFinds(t *testing.T) {
	api, s := demoServer(t, syncedDemo(t))
	ws := openphonetest.DemoWorkspace()
	line := ws.Lines[0]
	someone := "" // who sent a text saying thanks
	if ids := demoTexts("thanks", func(m client.Message) bool { return m.Direction == "incoming" && strings.HasPrefix(m.From, "+1") }); len(ids) > 0 {
		i := slices.IndexFunc(ws.Messages, func(m client.Message) bool { return m.ID == ids[0] })
		someone = ws.Messages[i].From
	}
	national := "(" + someone[2:5] + ") " + someone[5:8] + "-" + someone[8:]
	all := func(client.Message) bool { return true }
	for _, tt := range []struct {
		name string
		args map[string]any
		want []string
	}{
		{"a word", map[string]any{"query": "thursday"}, demoTexts("thursday", all)},
		{"another case", map[string]any{"query": "INVOICE"}, demoTexts("invoice", all)},
		{"received only", map[string]any{"query": "thursday", "direction": "incoming"}, demoTexts("thursday", func(m client.Message) bool { return m.Direction == "incoming" })},
		{"a line by name", map[string]any{"query": "thanks", "phoneNumbers": []string{line.Name}}, demoTexts("thanks", func(m client.Message) bool { return *m.PhoneNumberID == line.ID })},
		{"a participant as people write it", map[string]any{"query": "thanks", "participants": []string{national}},
			demoTexts("thanks", func(m client.Message) bool { return m.From == someone || slices.Contains(m.To, someone) })},
		{"a window", map[string]any{"query": "thanks", "since": "2026-11-18T00:00:00Z", "until": "2026-11-20T00:00:00Z"},
			demoTexts("thanks", func(m client.Message) bool {
				return !m.CreatedAt.Before(time.Date(2026, 11, 18, 0, 0, 0, 0, time.UTC)) && m.CreatedAt.Before(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC))
			})},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.want) == 0 {
				t.Fatal("the scan finds nothing: the test proves nothing")
			}
			args := map[string]any{"in": []string{"texts"}, "maxResults": 7}
			for k, v := range tt.args {
				args[k] = v
			}
			before := len(notDirectory(api.Requests()))
			var got []string
			for page := 0; ; page++ {
				out := text(call(t, s, "search_messages", args))
				if _, after, windowed := strings.Cut(out, "\n"); windowed && strings.HasPrefix(out, "Window: ") {
					out = after // a window given opens the answer
				}
				opening := fmt.Sprintf("%d matches for ", len(tt.want))
				if len(tt.want) == 1 {
					opening = "1 match for "
				}
				if page == 0 && !strings.HasPrefix(out, opening) {
					t.Errorf("the answer does not open with the %d found:\n%s", len(tt.want), out)
				}
				ids, token := hitIDs(out)
				got = append(got, ids...)
				if token == "" || page > 20 {
					break
				}
				args["pageToken"] = token
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("found %d: %v\nwant %d: %v", len(got), got, len(tt.want), tt.want)
			}
			if extra := notDirectory(api.Requests())[before:]; len(extra) > 0 {
				t.Errorf("the search sent requests to OpenPhone: %v", extra)
			}
		})
	}
}

func TestSearchMessagesAnswer(t *testing.T) {
	_, s := demoServer(t, syncedDemo(t))
	out := text(call(t, s, "search_messages", map[string]any{"query": `"side gate"`, "maxResults": 3}))
	golden(t, "search_side_gate.txt", []byte(out))
	out = text(call(t, s, "search_messages", map[string]any{"query": "zanzibar"}))
	golden(t, "search_none.txt", []byte(out))
}

// TestSearchMessagesRefuses: arguments it cannot take are refused with
// what to give instead, before anything is read.
func TestSearchMessagesRefuses(t *testing.T) {
	api, s := demoServer(t, syncedDemo(t))
	for _, tt := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"query": ` "" * `}, "query"},
		{map[string]any{"query": "— 👍 «»"}, "has no word to find"},
		{map[string]any{"query": "x", "direction": "sideways"}, "want incoming or outgoing"},
		{map[string]any{"query": "x", "in": []string{"emails"}}, "want texts, voicemails, summaries or transcripts"},
		{map[string]any{"query": "x", "since": "yesterday"}, "RFC 3339"},
		{map[string]any{"query": "x", "pageToken": "nope"}, "not a page token"},
		{map[string]any{"query": "x", "maxResults": 51}, "from 1 to 50"},
		{map[string]any{"query": "x", "participants": []string{"Nobody Atall"}}, "find_contacts"},
		{map[string]any{"query": "x", "participants": []string{"415-555"}}, "not a valid phone number"},
	} {
		refusedLocally(t, api, s, "search_messages", tt.args, tt.want)
	}
	// With no store, it says how to turn one on.
	_, live := demoServer(t, nil)
	res := call(t, live, "search_messages", map[string]any{"query": "invoice"})
	if out := text(res); !res.IsError || !strings.Contains(out, "--store off") || !strings.Contains(out, "list_messages") {
		t.Errorf("without a store: %s", out)
	}
}

// refusedLocally calls tool with args, and checks that the call is an
// error saying want, and that it sent nothing to OpenPhone but the
// directory's requests.
func refusedLocally(t *testing.T, api *openphonetest.Server, s *server.MCPServer, tool string, args map[string]any, want string) {
	t.Helper()
	before := len(notDirectory(api.Requests()))
	res := call(t, s, tool, args)
	if out := text(res); !res.IsError || !strings.Contains(out, want) {
		t.Errorf("%v: %v %s; want an error saying %q", args, res.IsError, out, want)
	}
	if extra := notDirectory(api.Requests())[before:]; len(extra) > 0 {
		t.Errorf("%v reached OpenPhone: %v", args, extra)
	}
}
