package client_test

import (
	"context"
	"errors"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

func TestListPhoneNumbers(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	srv := testkit.Fake(t, ws)
	c := newClient(t, srv)

	all, err := c.ListPhoneNumbers(context.Background(), client.ListPhoneNumbersParams{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Data) != len(ws.Lines) {
		t.Fatalf("%d lines, want %d", len(all.Data), len(ws.Lines))
	}
	sales := all.Data[0]
	if sales.ID != ws.Lines[0].ID || sales.Name != "Sales" || sales.Number != "+14155550100" ||
		sales.FormattedNumber != "(415) 555-0100" || len(sales.Users) != 3 || sales.Users[0].FirstName == "" {
		t.Errorf("first line: %+v", sales)
	}

	mine, err := c.ListPhoneNumbers(context.Background(), client.ListPhoneNumbersParams{UserID: ws.Users[3].ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(mine.Data) != 1 || mine.Data[0].Name != "Support" {
		t.Errorf("lines of %s: %+v", ws.Users[3].ID, mine.Data)
	}
	if got := srv.Requests()[1].Query.Get("userId"); got != ws.Users[3].ID {
		t.Errorf("userId sent as %q", got)
	}

	var verr client.ValidationError
	if _, err := c.ListPhoneNumbers(context.Background(), client.ListPhoneNumbersParams{UserID: "bob"}); !errors.As(err, &verr) {
		t.Errorf("bad userId: err = %v", err)
	}
}

func TestListUsersPages(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	srv := testkit.Fake(t, ws)
	c := newClient(t, srv)
	var ids []string
	p := client.ListUsersParams{MaxResults: 2}
	for {
		page, err := c.ListUsers(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page.Data {
			ids = append(ids, u.ID)
		}
		if page.NextPageToken == nil {
			break
		}
		p.PageToken = *page.NextPageToken
	}
	if len(ids) != len(ws.Users) || ids[0] != ws.Users[0].ID {
		t.Errorf("paged through %v, want the %d users", ids, len(ws.Users))
	}
	for _, bad := range []int{0, 51} {
		if _, err := c.ListUsers(context.Background(), client.ListUsersParams{MaxResults: bad}); err == nil {
			t.Errorf("maxResults %d accepted", bad)
		}
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("fake saw %d requests, want 3 (bad maxResults must not be sent)", n)
	}
}

func TestFaultsByPath(t *testing.T) {
	srv := testkit.Demo(t)
	c := newClient(t, srv, noRetries)
	srv.Inject(openphonetest.Fault{Path: "/v1/users", Status: 500})
	if err := list(context.Background(), c); err != nil {
		t.Fatalf("conversations took a fault meant for users: %v", err)
	}
	var apiErr *client.APIError
	if _, err := c.ListUsers(context.Background(), client.ListUsersParams{MaxResults: 5}); !errors.As(err, &apiErr) || apiErr.Status != 500 {
		t.Errorf("users: err = %v, want the injected 500", err)
	}
}
