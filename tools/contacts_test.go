package tools

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
)

// TestContactToolsGolden renders the contact tools, and a page of
// conversations whose legend names its contacts, over the demo workspace:
// numbers stored in other formats, a number two contacts share, a contact
// with only a company, hostile names and emoji.
func TestContactToolsGolden(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	f := newFixture(t, ws)
	for _, tt := range []struct {
		golden, tool string
		args         map[string]any
		isError      bool
	}{
		{"conversations_with_contacts.txt", "list_conversations", map[string]any{"maxResults": 25}, false},
		{"contacts_page.txt", "list_contacts", map[string]any{"maxResults": 12}, false},
		{"contacts_by_source.txt", "list_contacts", map[string]any{"sources": []string{"acme-crm"}, "maxResults": 50}, false},
		{"contact.txt", "get_contact", map[string]any{"id": ws.Contacts[0].ID}, false},
		{"contact_unknown.txt", "get_contact", map[string]any{"id": "66d0d87e8dc1211467372303"}, true},
		{"find_by_name.txt", "find_contacts", map[string]any{"query": "zoe angstrom"}, false},
		{"find_by_number.txt", "find_contacts", map[string]any{"query": "(305) 555-0122"}, false},
		{"find_by_last_digits.txt", "find_contacts", map[string]any{"query": "0112", "maxResults": 2}, false},
		{"find_none.txt", "find_contacts", map[string]any{"query": "Nobody Anywhere"}, false},
		{"find_blank.txt", "find_contacts", map[string]any{"query": "  "}, true},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			res := call(t, f.server, tt.tool, tt.args)
			if res.IsError != tt.isError {
				t.Fatalf("isError %v: %s", res.IsError, text(res))
			}
			golden(t, tt.golden, []byte(text(res)+"\n"))
		})
	}
}

// TestContactNamesAreData: hostile contact names cannot forge a legend
// entry or a row: each is quoted whole, with its newline escaped.
func TestContactNamesAreData(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	f := newFixture(t, ws)
	out := text(call(t, f.server, "list_conversations", map[string]any{"maxResults": 48}))
	for _, hostile := range openphonetest.HostileContactNames {
		name := strings.TrimSpace(hostile[0] + " " + hostile[1])
		if !strings.Contains(out, boundedQuote(name)) {
			t.Errorf("the legend does not quote %q whole:\n%s", name, out)
		}
	}
	if strings.Contains(out, "\n+14155550000") {
		t.Error("a contact's name started a line of its own")
	}
}

// TestContactsDegradeToBareNumbers: a key that may not read contacts gets
// its answers, with bare numbers and one line saying why.
func TestContactsDegradeToBareNumbers(t *testing.T) {
	f := newFixture(t, openphonetest.DemoWorkspace(), client.WithRetryPolicy(client.RetryPolicy{MaxAttempts: 1}))
	f.api.Inject(openphonetest.Fault{Path: "/v1/contacts", Status: http.StatusForbidden})
	res := call(t, f.server, "list_conversations", map[string]any{"maxResults": 5})
	out := text(res)
	if res.IsError || strings.Contains(out, "\nContacts") || !strings.Contains(out, "Contact names are unavailable (OpenPhone answered 403: this API key may not read contacts): numbers are bare.") {
		t.Errorf("isError %v:\n%s", res.IsError, out)
	}
	// find_contacts, whose answer is the contacts, says what OpenPhone said.
	res = call(t, f.server, "find_contacts", map[string]any{"query": "priya"})
	if !res.IsError || !strings.Contains(text(res), "403") {
		t.Errorf("find_contacts without access: isError %v: %s", res.IsError, text(res))
	}
}

// TestCallsGoFirstWhileContactsIndex holds the index's build after its
// first page while interactive calls run: each is answered, with the
// names indexed so far and the line saying the rest are loading, and the
// build is still held when they are done.
func TestCallsGoFirstWhileContactsIndex(t *testing.T) {
	ws := openphonetest.GenerateWorkspace(1, 100)
	ws.Contacts = openphonetest.GenerateContacts(ws, 1, 1000)
	api, c := newFixtureAPI(t, ws)
	api.Inject(openphonetest.Fault{Path: "/v1/contacts", Delay: time.Millisecond}, openphonetest.Fault{Path: "/v1/contacts", Delay: time.Hour})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	s := NewServer(Config{Client: c, Version: "test", Context: ctx})
	firstPage := ws.Conversations[0].Participants[0]
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			res := call(t, s, "list_conversations", map[string]any{"maxResults": 20})
			out := text(res)
			if res.IsError || !strings.Contains(out, "Contact names are still loading (50 contacts indexed so far)") || !inContactsLegend(out, firstPage+" ") {
				t.Errorf("a call during indexing: isError %v:\n%s", res.IsError, out)
			}
		})
	}
	wg.Wait()
	// The build asks for the second page once it has indexed the first,
	// which the calls may answer from before that request is sent.
	for deadline := time.Now().Add(10 * time.Second); len(api.RequestsTo("/v1/contacts")) < 2 && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
	}
	if n := len(api.RequestsTo("/v1/contacts")); n != 2 {
		t.Errorf("%d contacts pages requested, want the first and the held second", n)
	}
}

// newFixtureAPI is a fake API with a fast client of its key.
func newFixtureAPI(t *testing.T, ws openphonetest.Workspace) (*openphonetest.Server, *client.Client) {
	f := newFixture(t, ws, client.WithRateLimit(1000))
	return f.api, f.client
}

// inContactsLegend reports whether a line of out's contacts legend, with
// or without a company, holds entry.
func inContactsLegend(out, entry string) bool {
	return regexp.MustCompile(`(?m)^Contacts(?: at "[^"\n]*")?: .*` + regexp.QuoteMeta(entry)).MatchString(out)
}
