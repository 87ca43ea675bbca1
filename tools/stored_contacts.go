package tools

import (
	"context"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/contacts"
	"github.com/openphone-mcp/openphone-mcp/store"
)

// storedContacts is the contact index's source in st: the contacts of the
// workspace whose lines a live read with the key returns (one request,
// where reading every contact costs one per 50).
func storedContacts(st *store.Store) contacts.Source {
	return func(ctx context.Context, c *client.Client) ([]client.Contact, time.Time, error) {
		lines, err := c.ListPhoneNumbers(ctx, client.ListPhoneNumbersParams{})
		if err != nil {
			return nil, time.Time{}, err
		}
		ws, err := st.FindWorkspace(ctx, lines.Data)
		if err != nil {
			return nil, time.Time{}, err
		}
		cs, readAt, err := st.Contacts(ctx, ws)
		if err != nil || readAt == nil {
			return nil, time.Time{}, err
		}
		return cs, *readAt, nil
	}
}
