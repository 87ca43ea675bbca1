package tools

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/contacts"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// workspaceNames looks up a workspace's names the way the server does,
// through the fake API.
func workspaceNames(t testing.TB, ws openphonetest.Workspace) *names {
	t.Helper()
	_, c := testkit.NewAPI(t, ws)
	var userIDs []string
	for _, u := range ws.Users {
		userIDs = append(userIDs, u.ID)
	}
	n, err := newDirectory(c).lookup(t.Context(), nil, userIDs)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRenderConversationsGolden(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	n := workspaceNames(t, ws)
	next := "NXw"
	tests := []struct {
		golden string
		page   client.ConversationPage
		params client.ListConversationsParams
	}{
		{"summary_demo.txt", client.ConversationPage{Data: ws.Conversations}, client.ListConversationsParams{MaxResults: 100}},
		{"summary_more.txt", client.ConversationPage{Data: ws.Conversations[:2], NextPageToken: &next}, client.ListConversationsParams{MaxResults: 2}},
		{"summary_none.txt", client.ConversationPage{Data: []client.Conversation{}}, client.ListConversationsParams{
			PhoneNumbers: []string{"+14155550100"}, UserID: "US123abc", CreatedAfter: "2030-01-01T00:00:00Z", ExcludeInactive: new(true), MaxResults: 10,
		}},
		{"summary_empty_page.txt", client.ConversationPage{Data: []client.Conversation{}}, client.ListConversationsParams{MaxResults: 10, PageToken: "abc"}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			golden(t, tt.golden, []byte(render(listConversations, tt.params, conversationsResult{tt.page.Data, tt.page.NextPageToken}, n)+"\n"))
		})
	}
}

// TestHostileNamesStayInTheirField checks that no name can forge a row or a
// field: every row stays one line, under its line's heading, and each
// hostile name comes back intact from exactly one quoted field.
func TestHostileNamesStayInTheirField(t *testing.T) {
	for _, name := range openphonetest.HostileNames {
		c := client.Conversation{ID: "CN1", PhoneNumberID: "PN1", Participants: []string{"+15555550100"}, Name: &name}
		out := render(listConversations, client.ListConversationsParams{MaxResults: 1}, conversationsResult{Conversations: []client.Conversation{c}}, nil)
		lines := strings.Split(out, "\n")
		row := lines[len(lines)-1]
		if len(lines) != 5 || lines[2] != "Line PN1" || !strings.HasPrefix(row, "CN1 +15555550100 ") {
			t.Fatalf("name %q broke the layout:\n%s", name, out)
		}
		quoted := strings.TrimPrefix(row, "CN1 +15555550100 ")
		var back string
		if err := json.Unmarshal([]byte(quoted), &back); err != nil || back != name {
			t.Errorf("name %q rendered as %s, which does not read back as one string (%v)", name, quoted, err)
		}
	}
	// Upstream values that are not plain IDs are quoted too, the line's in
	// its heading.
	c := client.Conversation{ID: "CN1 PNforged", PhoneNumberID: "PN1\n", Participants: []string{"+1 555"}}
	out := render(listConversations, client.ListConversationsParams{MaxResults: 1}, conversationsResult{Conversations: []client.Conversation{c}}, nil)
	if want := "\nLine \"PN1\\n\"\nNo activity yet\n\"CN1 PNforged\" \"+1 555\""; !strings.HasSuffix(out, want) {
		t.Errorf("got\n%s\nwant it to end with\n%s", out, want)
	}
}

func TestRowsCarryEveryField(t *testing.T) {
	at := func(s string) *time.Time { t, _ := time.Parse(time.RFC3339, s); return &t }
	c := client.Conversation{
		ID: "CNa", PhoneNumberID: "PNb", Participants: []string{"+15555550100", "+15555550101"},
		Name: new("Acme"), AssignedTo: new("USc"), LastActivityAt: at("2025-01-02T03:04:05Z"), LastActivityID: new("ACd"),
		CreatedAt: at("2024-12-30T00:00:00Z"), UpdatedAt: at("2025-01-05T00:00:00Z"),
		MutedUntil: at("2025-02-01T10:00:00Z"), SnoozedUntil: at("2025-01-03T09:30:00Z"), DeletedAt: at("2025-01-06T00:00:00Z"),
	}
	out := render(listConversations, client.ListConversationsParams{MaxResults: 1}, conversationsResult{Conversations: []client.Conversation{c}}, nil)
	want := "\nLine PNb\n2025-01-02\n03:04 CNa +15555550100,+15555550101 \"Acme\" USc ACd Dec30 2024 updated Jan5 muted until Feb1 10:00 snoozed until Jan3 09:30 deleted Jan6 00:00"
	if !strings.HasSuffix(out, want) {
		t.Errorf("got\n%s\nwant it to end with\n%s", out, want)
	}
}

// millis matches the milliseconds of the API's timestamps.
var millis = regexp.MustCompile(`\.\d{3}Z"`)

// rawAndSummaryTokens returns the o200k token counts of the first page of
// maxResults conversations as the API sends it, of the same page with
// whole-second timestamps, and of its summary, names legend included.
func rawAndSummaryTokens(t testing.TB, ws openphonetest.Workspace, maxResults int) (raw, rawSeconds, summary int) {
	srv, c := testkit.NewAPI(t, ws)
	params := client.ListConversationsParams{MaxResults: maxResults}
	body, err := srv.Get("/v1/conversations", params.Query())
	if err != nil {
		t.Fatal(err)
	}
	page, err := c.ListConversations(t.Context(), params)
	if err != nil {
		t.Fatal(err)
	}
	text := render(listConversations, params, conversationsResult{page.Data, page.NextPageToken}, workspaceNames(t, ws))
	return testkit.Tokens(string(body)), testkit.Tokens(millis.ReplaceAllString(string(body), `Z"`)), testkit.Tokens(text)
}

// summaryTokenBudget bounds the summary of a page of 100 realistic
// conversations as a share of the raw JSON's tokens. The pages come to about
// 30% since a line heads its rows instead of being on each.
const summaryTokenBudget = 0.32

// TestSummaryTokenBudget holds such pages to summaryTokenBudget, for several
// workspaces so that no one seed is lucky.
func TestSummaryTokenBudget(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		raw, rawSeconds, sum := rawAndSummaryTokens(t, openphonetest.GenerateWorkspace(seed, 100), 100)
		ratio := float64(sum) / float64(raw)
		t.Logf("seed %d: raw %d tokens, summary %d tokens, %.1f%% (%.1f%% of the raw JSON with whole-second timestamps)",
			seed, raw, sum, 100*ratio, 100*float64(sum)/float64(rawSeconds))
		if ratio > summaryTokenBudget {
			t.Errorf("seed %d: summary is %.1f%% of the raw JSON's tokens, over the %.0f%% budget", seed, 100*ratio, 100*summaryTokenBudget)
		}
	}
}

// contactsPageTokens returns the o200k tokens of a page of 100
// conversations as the API sends it, and of list_conversations' answer,
// whose legend names every participant's contact.
func contactsPageTokens(t *testing.T, seed uint64) (raw, summary int) {
	ws := openphonetest.GenerateWorkspace(seed, 100)
	ws.Contacts = openphonetest.GenerateContacts(ws, seed, 500)
	f := newFixture(t, ws, client.WithRateLimit(1000))
	body, err := f.api.Get("/v1/conversations", client.ListConversationsParams{MaxResults: 100}.Query())
	if err != nil {
		t.Fatal(err)
	}
	out := text(call(t, f.server, "list_conversations", map[string]any{"maxResults": 100}))
	if !strings.Contains(out, "\nContacts") || strings.Contains(out, "still loading") {
		t.Fatalf("the page names no contacts:\n%s", out)
	}
	return testkit.Tokens(string(body)), testkit.Tokens(out)
}

// contactsTokenBudget bounds a page of 100 conversations whose legend
// names three in five participants' contacts, as a share of the raw JSON's
// tokens: the target, the names being facts the raw page lacks.
// Each named number costs about 10 tokens, number and quoted name, and the
// page names about 70; a company is named once, in the one legend line of
// contacts. The pages come to about 35%.
const contactsTokenBudget = 0.37

// TestSummaryWithContactsTokenBudget holds such pages, for several
// workspaces, to contactsTokenBudget.
func TestSummaryWithContactsTokenBudget(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		raw, sum := contactsPageTokens(t, seed)
		t.Logf("seed %d: raw %d tokens, summary %d tokens, %.1f%%", seed, raw, sum, 100*float64(sum)/float64(raw))
		if float64(sum) > contactsTokenBudget*float64(raw) {
			t.Errorf("seed %d: the summary with contacts is %.1f%% of the raw JSON, over %.0f%%", seed, 100*float64(sum)/float64(raw), 100*contactsTokenBudget)
		}
	}
}

// demoTokenBudget bounds the demo workspace's full page of conversations
// (48 of them, every participant's contact named), as a share of the raw
// JSON's o200k tokens: what `--demo call list_conversations
// '{"maxResults":100}'` prints, the text the model reads.
const demoTokenBudget = 0.40

// demoPage returns the first page of 100 conversations of ws as the API
// sends it, with its o200k tokens, and list_conversations' answer for it,
// the lines, users and contacts found as the demo finds them.
func demoPage(t *testing.T, ws openphonetest.Workspace) (page client.ConversationPage, raw int, summary string) {
	t.Helper()
	f := newFixture(t, ws, client.WithRateLimit(1000))
	body, err := f.api.Get("/v1/conversations", client.ListConversationsParams{MaxResults: 100}.Query())
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	return page, testkit.Tokens(string(body)), text(call(t, f.server, "list_conversations", map[string]any{"maxResults": 100}))
}

// TestDemoConversationsTokenBudget renders the demo's full conversations
// page as the demo does, through the fake API and the server, holds it to
// demoTokenBudget, and checks that the saving lost no name: each line,
// assignee and participant's contact on the page is named, and each
// conversation's ID, participants and last activity are there.
func TestDemoConversationsTokenBudget(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	page, raw, out := demoPage(t, ws)
	sum := testkit.Tokens(out)
	t.Logf("%d conversations: raw %d tokens, summary %d tokens, %.3f", len(page.Data), raw, sum, float64(sum)/float64(raw))
	if len(page.Data) != len(ws.Conversations) || page.NextPageToken != nil {
		t.Fatalf("the page holds %d of the demo's %d conversations", len(page.Data), len(ws.Conversations))
	}
	if float64(sum) > demoTokenBudget*float64(raw) {
		t.Errorf("the demo's page is %.3f of the raw JSON's tokens, over %.2f", float64(sum)/float64(raw), demoTokenBudget)
	}

	onPage := map[string]bool{} // numbers, lines and users the page mentions
	var want []string
	for _, c := range page.Data {
		want = append(want, c.ID, strings.Join(c.Participants, ","), deref(c.LastActivityID))
		onPage[c.PhoneNumberID], onPage[deref(c.AssignedTo)] = true, true
		for _, p := range c.Participants {
			onPage[p] = true
		}
	}
	for _, l := range ws.Lines {
		if onPage[l.ID] {
			want = append(want, "\nLine "+l.ID+" "+strconv.Quote(l.Name)+" "+l.Number+"\n")
		}
	}
	for _, u := range ws.Users {
		if onPage[u.ID] {
			want = append(want, u.ID+" "+strconv.Quote(u.FirstName+" "+u.LastName))
		}
	}
	for _, ct := range ws.Contacts {
		for _, pn := range ct.DefaultFields.PhoneNumbers {
			if n, ok := contacts.Normalize(deref(pn.Value)); ok && onPage[n] && personOf(ct) != "" {
				want = append(want, n+" "+boundedQuote(personOf(ct)))
			}
		}
	}
	if len(want) < 3*len(page.Data)+40 {
		t.Fatalf("only %d facts to look for: the demo has changed", len(want))
	}
	for _, fact := range want {
		if fact != "" && !strings.Contains(out, fact) {
			t.Errorf("the page lost %q:\n%s", fact, out)
		}
	}
}
