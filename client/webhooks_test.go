package client_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

func TestWebhookParamsValidate(t *testing.T) {
	ok := client.CreateWebhookParams{Kind: client.WebhookMessages, URL: "https://mcp.example.com/webhooks/openphone", Events: []string{"message.received"}}
	with := func(change func(p *client.CreateWebhookParams)) client.CreateWebhookParams {
		p := ok
		p.Events = slices.Clone(ok.Events)
		change(&p)
		return p
	}
	for _, tc := range []struct {
		name  string
		p     client.CreateWebhookParams
		param string // "" when valid
		kind  client.Kind
	}{
		{"https", ok, "", ""},
		{"http to localhost", with(func(p *client.CreateWebhookParams) { p.URL = "http://localhost:8080/webhooks/openphone" }), "", ""},
		{"http to a loopback address", with(func(p *client.CreateWebhookParams) { p.URL = "http://127.0.0.1:9/x" }), "", ""},
		{"http to [::1]", with(func(p *client.CreateWebhookParams) { p.URL = "http://[::1]:9/x" }), "", ""},
		{"lines", with(func(p *client.CreateWebhookParams) { p.ResourceIDs = []string{"PN1", "PN2"} }), "", ""},
		{"every line", with(func(p *client.CreateWebhookParams) { p.ResourceIDs = []string{"*"} }), "", ""},
		{"every event of calls", with(func(p *client.CreateWebhookParams) {
			p.Kind, p.Events = client.WebhookCalls, client.WebhookEvents(client.WebhookCalls)
		}), "", ""},
		{"disabled, with a label, as a user", with(func(p *client.CreateWebhookParams) {
			p.Status, p.Label, p.UserID = client.WebhookDisabled, "ours", "US1"
		}), "", ""},

		{"no kind", with(func(p *client.CreateWebhookParams) { p.Kind = "" }), "kind", client.KindMissing},
		{"an unknown kind", with(func(p *client.CreateWebhookParams) { p.Kind = "texts" }), "kind", client.KindMalformed},
		{"contacts", with(func(p *client.CreateWebhookParams) {
			p.Kind, p.Events = client.WebhookContacts, []string{"contact.updated"}
		}), "kind", client.KindMalformed},
		{"no url", with(func(p *client.CreateWebhookParams) { p.URL = "" }), "url", client.KindMissing},
		{"a relative url", with(func(p *client.CreateWebhookParams) { p.URL = "/webhooks/openphone" }), "url", client.KindMalformed},
		{"a host alone", with(func(p *client.CreateWebhookParams) { p.URL = "mcp.example.com/webhooks" }), "url", client.KindMalformed},
		{"http across the network", with(func(p *client.CreateWebhookParams) { p.URL = "http://mcp.example.com/webhooks/openphone" }), "url", client.KindMalformed},
		{"ftp", with(func(p *client.CreateWebhookParams) { p.URL = "ftp://mcp.example.com/x" }), "url", client.KindMalformed},
		{"a password in the url", with(func(p *client.CreateWebhookParams) { p.URL = "https://u:p@mcp.example.com/x" }), "url", client.KindMalformed},
		{"no events", with(func(p *client.CreateWebhookParams) { p.Events = nil }), "events", client.KindMissing},
		{"empty events", with(func(p *client.CreateWebhookParams) { p.Events = []string{} }), "events", client.KindLength},
		{"an event of another kind", with(func(p *client.CreateWebhookParams) { p.Events = []string{"call.completed"} }), "events[0]", client.KindMalformed},
		{"a contact event", with(func(p *client.CreateWebhookParams) { p.Events = []string{"message.received", "contact.updated"} }), "events[1]", client.KindMalformed},
		{"an event twice", with(func(p *client.CreateWebhookParams) { p.Events = []string{"message.received", "message.received"} }), "events[1]", client.KindConflict},
		{"no lines", with(func(p *client.CreateWebhookParams) { p.ResourceIDs = []string{} }), "resourceIds", client.KindLength},
		{"every line and one", with(func(p *client.CreateWebhookParams) { p.ResourceIDs = []string{"*", "PN1"} }), "resourceIds", client.KindConflict},
		{"a number for a line", with(func(p *client.CreateWebhookParams) { p.ResourceIDs = []string{"+15555550100"} }), "resourceIds[0]", client.KindNotALineID},
		{"status paused", with(func(p *client.CreateWebhookParams) { p.Status = "paused" }), "status", client.KindMalformed},
		{"a user by name", with(func(p *client.CreateWebhookParams) { p.UserID = "avery" }), "userId", client.KindMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.Validate()
			var verr client.ValidationError
			switch {
			case tc.param == "" && err != nil:
				t.Fatalf("valid params refused: %v", err)
			case tc.param == "":
			case !errors.As(err, &verr) || verr[0].Param != tc.param || verr[0].Kind != tc.kind:
				t.Fatalf("%v, want a %s problem with %s first", err, tc.kind, tc.param)
			}
		})
	}
}

// TestWebhooksAgainstTheFake: what CreateWebhook makes, ListWebhooks and
// GetWebhook read back with its key, and DeleteWebhook deletes; what the
// client refuses is never sent.
func TestWebhooksAgainstTheFake(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	srv := testkit.Fake(t, ws)
	c := newClient(t, srv)
	ctx := t.Context()
	const url = "https://mcp.example.com/webhooks/openphone"

	made := map[string]client.Webhook{}
	for _, kind := range client.WebhookKinds {
		p := client.CreateWebhookParams{Kind: kind, URL: url, Events: client.WebhookEvents(kind)}
		if kind == client.WebhookCalls {
			p.Label, p.ResourceIDs = "calls of one line", []string{ws.Lines[0].ID}
		}
		h, err := c.CreateWebhook(ctx, p)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if h.Kind() != kind || h.URL != url || !slices.Equal(h.Events, p.Events) || h.Status != client.WebhookEnabled || h.OrgID == "" || h.DeletedAt != nil {
			t.Errorf("%s: made %+v", kind, h)
		}
		if key, err := base64.StdEncoding.DecodeString(h.Key); err != nil || len(key) < 16 {
			t.Errorf("%s: key %q is not base64 of a random key: %v", kind, h.Key, err)
		}
		made[h.ID] = *h
	}
	calls := srv.RequestsTo("/v1/webhooks/calls")
	if len(calls) != 1 || calls[0].Method != http.MethodPost {
		t.Errorf("requests to /v1/webhooks/calls: %+v", calls)
	}

	listed, err := c.ListWebhooks(ctx, client.ListWebhooksParams{})
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != len(client.WebhookKinds) {
		t.Fatalf("listed %d webhooks, want %d", len(listed), len(client.WebhookKinds))
	}
	keys := map[string]bool{}
	for _, h := range listed {
		want := made[h.ID]
		if h.Key != want.Key || h.URL != url || (h.Label == nil) != (h.Kind() != client.WebhookCalls) || !slices.Equal(h.ResourceIDs, want.ResourceIDs) {
			t.Errorf("listed %+v, made %+v", h, want)
		}
		keys[h.Key] = true
		got, err := c.GetWebhook(ctx, h.ID)
		if err != nil || got.Key != h.Key || got.Kind() != h.Kind() {
			t.Errorf("GetWebhook(%s) = %+v, %v", h.ID, got, err)
		}
	}
	if len(keys) != len(listed) {
		t.Errorf("%d distinct keys for %d webhooks: each has its own", len(keys), len(listed))
	}
	if others, err := c.ListWebhooks(ctx, client.ListWebhooksParams{UserID: ws.Users[1].ID}); err != nil || len(others) != 0 {
		t.Errorf("another user's webhooks: %+v, %v", others, err)
	}

	for id := range made {
		if err := c.DeleteWebhook(ctx, id); err != nil {
			t.Fatalf("DeleteWebhook(%s): %v", id, err)
		}
	}
	var apiErr *client.APIError
	for id := range made {
		if _, err := c.GetWebhook(ctx, id); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
			t.Errorf("GetWebhook(%s) after its deletion: %v, want a 404", id, err)
		}
		if err := c.DeleteWebhook(ctx, id); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
			t.Errorf("DeleteWebhook(%s) again: %v, want a 404", id, err)
		}
	}
	if left := srv.Webhooks(); len(left) != 0 {
		t.Errorf("left: %+v", left)
	}

	// Refused before anything is sent.
	before := len(srv.Requests())
	var verr client.ValidationError
	if _, err := c.GetWebhook(ctx, "AC123"); !errors.As(err, &verr) {
		t.Errorf("GetWebhook(AC123): %v", err)
	}
	if err := c.DeleteWebhook(ctx, ""); !errors.As(err, &verr) {
		t.Errorf("DeleteWebhook(\"\"): %v", err)
	}
	if _, err := c.ListWebhooks(ctx, client.ListWebhooksParams{UserID: "avery"}); !errors.As(err, &verr) {
		t.Errorf("ListWebhooks(avery): %v", err)
	}
	if _, err := c.CreateWebhook(ctx, client.CreateWebhookParams{Kind: client.WebhookMessages, URL: "http://mcp.example.com/x", Events: []string{"message.received"}}); !errors.As(err, &verr) {
		t.Errorf("CreateWebhook over plain http: %v", err)
	}
	if n := len(srv.Requests()) - before; n != 0 {
		t.Errorf("%d requests sent for what the client refuses", n)
	}
	// A line the workspace lacks is OpenPhone's 404.
	_, err = c.CreateWebhook(ctx, client.CreateWebhookParams{Kind: client.WebhookCalls, URL: url, Events: []string{"call.completed"}, ResourceIDs: []string{"PNnotours"}})
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Errorf("a line not of the workspace: %v", err)
	}
}

func TestWebhookKindOf(t *testing.T) {
	for _, tc := range []struct {
		events []string
		want   client.WebhookKind
		ok     bool
	}{
		{[]string{"message.received"}, client.WebhookMessages, true},
		{[]string{"call.ringing", "call.completed"}, client.WebhookCalls, true},
		{[]string{"call.summary.completed"}, client.WebhookCallSummaries, true},
		{[]string{"call.transcript.completed"}, client.WebhookCallTranscripts, true},
		{[]string{"contact.deleted", "contact.updated"}, client.WebhookContacts, true},
		{[]string{"message.received", "call.completed"}, "", false},
		{[]string{"task.created"}, "", false},
		{nil, "", false},
	} {
		if got, ok := client.WebhookKindOf(tc.events); got != tc.want || ok != tc.ok {
			t.Errorf("WebhookKindOf(%q) = %q, %v; want %q, %v", tc.events, got, ok, tc.want, tc.ok)
		}
	}
}
