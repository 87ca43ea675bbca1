package client_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

func TestThreadQuery(t *testing.T) {
	for _, tt := range []struct {
		name string
		got  string
		want string
	}{
		{"messages", client.ListMessagesParams{PhoneNumberID: "PN1", Participants: []string{"+15555550100", "+15555550101"}, MaxResults: 10}.Query().Encode(),
			"maxResults=10&participants=%2B15555550100&participants=%2B15555550101&phoneNumberId=PN1"},
		{"since is sent as createdBefore", client.ListCallsParams{PhoneNumberID: "PN1", Participants: []string{"+15555550100"}, Since: "2026-01-01T00:00:00Z", MaxResults: 5}.Query().Encode(),
			"createdBefore=2026-01-01T00%3A00%3A00Z&maxResults=5&participants=%2B15555550100&phoneNumberId=PN1"},
		{"createdBefore wins over since", client.ListMessagesParams{PhoneNumberID: "PN1", Participants: []string{"+15555550100"}, CreatedBefore: "2025-01-01T00:00:00Z", Since: "2026-01-01T00:00:00Z", MaxResults: 5}.Query().Encode(),
			"createdBefore=2025-01-01T00%3A00%3A00Z&maxResults=5&participants=%2B15555550100&phoneNumberId=PN1"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: %s\nwant %s", tt.name, tt.got, tt.want)
		}
	}
}

func TestThreadsAgainstTheFake(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	srv := testkit.Fake(t, ws)
	c := newClient(t, srv)
	ctx := context.Background()
	call := ws.Calls[0]

	calls, err := c.ListCalls(ctx, client.ListCallsParams{PhoneNumberID: call.PhoneNumberID, Participants: call.Participants, MaxResults: 100})
	if err != nil || len(calls.Data) == 0 {
		t.Fatalf("ListCalls: %v %+v", err, calls)
	}
	got, err := c.GetCall(ctx, call.ID)
	if err != nil || got.ID != call.ID || got.Status != call.Status || !got.CreatedAt.Equal(call.CreatedAt) {
		t.Errorf("GetCall: %v %+v", err, got)
	}
	if _, err := c.GetCallSummary(ctx, call.ID); err != nil {
		t.Errorf("GetCallSummary: %v", err)
	}
	srv.SetCallInsights(false)
	var apiErr *client.APIError
	if _, err := c.GetCallTranscript(ctx, call.ID); !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden {
		t.Errorf("GetCallTranscript off the plan: %v, want a 403", err)
	}

	m := ws.Messages[0]
	got2, err := c.GetMessage(ctx, m.ID)
	if err != nil || got2.Text != m.Text {
		t.Errorf("GetMessage: %v %+v", err, got2)
	}
	msgs, err := c.ListMessages(ctx, client.ListMessagesParams{PhoneNumberID: *m.PhoneNumberID, Participants: ws.Conversations[0].Participants, MaxResults: 100})
	if err != nil || len(msgs.Data) == 0 {
		t.Errorf("ListMessages: %v %+v", err, msgs)
	}

	before := len(srv.Requests())
	var verr client.ValidationError
	if _, err := c.GetCall(ctx, "CN123"); !errors.As(err, &verr) {
		t.Errorf("GetCall(CN123): %v, want a ValidationError", err)
	}
	if _, err := c.ListCalls(ctx, client.ListCallsParams{PhoneNumberID: call.PhoneNumberID, Participants: []string{"+15555550100", "+15555550101"}, MaxResults: 1}); !errors.As(err, &verr) {
		t.Errorf("ListCalls with two participants: %v, want a ValidationError", err)
	}
	if n := len(srv.Requests()); n != before {
		t.Errorf("invalid calls sent %d requests", n-before)
	}
}

// TestSinceIsCheckedAsCreatedBefore: the deprecated since is held to the
// range check createdBefore is, and is not given beside it, where one of
// the two would be dropped without a word.
func TestSinceIsCheckedAsCreatedBefore(t *testing.T) {
	base := client.ListMessagesParams{PhoneNumberID: "PN1", Participants: []string{"+15555550100"}, MaxResults: 5}
	for _, tt := range []struct {
		name  string
		edit  func(*client.ListMessagesParams)
		param string // the parameter the error names; "" for none
	}{
		{"since alone", func(p *client.ListMessagesParams) { p.Since = "2026-01-01T00:00:00Z" }, ""},
		{"since after createdAfter", func(p *client.ListMessagesParams) {
			p.Since, p.CreatedAfter = "2026-01-01T00:00:00Z", "2025-01-01T00:00:00Z"
		}, ""},
		{"since before createdAfter", func(p *client.ListMessagesParams) {
			p.Since, p.CreatedAfter = "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z"
		}, "createdAfter"},
		{"since with createdBefore", func(p *client.ListMessagesParams) {
			p.Since, p.CreatedBefore = "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z"
		}, "since"},
	} {
		p := base
		tt.edit(&p)
		err := p.Validate()
		var verr client.ValidationError
		switch {
		case tt.param == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.param != "" && (!errors.As(err, &verr) || verr[0].Param != tt.param):
			t.Errorf("%s: %v, want an error naming %s", tt.name, err, tt.param)
		}
	}
}
