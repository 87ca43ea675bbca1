package tools

import (
	"context"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/contacts"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// TestSharedAccountsReadTheirWorkspaceIndex: the server's own account and
// a caller's account of one workspace find its contacts with one build
// between them; a caller's account of another workspace finds only its
// own workspace's.
func TestSharedAccountsReadTheirWorkspaceIndex(t *testing.T) {
	ws1, ws2 := openphonetest.GenerateWorkspace(1, 20), openphonetest.GenerateWorkspace(2, 20)
	ws1.Contacts, ws2.Contacts = openphonetest.GenerateContacts(ws1, 1, 120), openphonetest.GenerateContacts(ws2, 2, 30)
	api1, api2 := testkit.Fake(t, ws1), testkit.Fake(t, ws2)
	keyOf := func(api *openphonetest.Server, key string) *client.Client {
		c, err := client.New(key, client.WithBaseURL(api.URL), client.WithRateLimit(1000))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	indexes := contacts.NewRegistry(t.Context(), contacts.WithWait(time.Minute))
	server := NewSharedAccount(keyOf(api1, api1.APIKey), indexes) // as NewServer makes with Config.Contacts
	caller := NewSharedAccount(keyOf(api1, api1.AddKey()), indexes)
	stranger := NewSharedAccount(keyOf(api2, api2.APIKey), indexes)
	name := contacts.DisplayName(ws1.Contacts[len(ws1.Contacts)-1])
	for _, tt := range []struct {
		who     string
		a       *Account
		indexed int
		found   bool
	}{{"the server", server, 120, true}, {"a caller of the workspace", caller, 120, true}, {"a caller of another workspace", stranger, 30, false}} {
		res, err := findContacts.call(context.Background(), tt.a, findRequest{Query: name, MaxResults: 50})
		if err != nil {
			t.Fatalf("%s: %v", tt.who, err)
		}
		found := false
		for _, ct := range res.Contacts {
			found = found || ct.ID == ws1.Contacts[len(ws1.Contacts)-1].ID
		}
		if v := tt.a.contacts.View(context.Background()); v.Indexed() != tt.indexed || found != tt.found {
			t.Errorf("%s: %d contacts indexed, %q found %v; want %d, %v", tt.who, v.Indexed(), name, found, tt.indexed, tt.found)
		}
	}
	if n := len(api1.RequestsTo("/v1/contacts")); n != 3 {
		t.Errorf("%d pages of the workspace's contacts read, want one build's 3", n)
	}
}
