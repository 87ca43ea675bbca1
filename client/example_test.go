package client_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
)

// A client reads one API key's workspace: here, the fake API's demo.
func Example() {
	api := openphonetest.NewServer(openphonetest.DemoWorkspace())
	defer api.Close()
	c, err := client.New(api.APIKey, client.WithBaseURL(api.URL))
	if err != nil {
		panic(err)
	}
	page, err := c.ListConversations(context.Background(), client.ListConversationsParams{MaxResults: 2})
	if err != nil {
		panic(err)
	}
	for _, conv := range page.Data {
		fmt.Println(conv.ID, conv.PhoneNumberID, conv.Participants)
	}
	fmt.Println("more:", page.NextPageToken != nil)
	// Output:
	// CNpZWoyPwX PNTmEQnADH [+14155550112]
	// CNjlz0GM3I PNTmEQnADH [+14155550137 +13055550122]
	// more: true
}

// Validate reports every parameter the API would refuse, each with a kind
// that a caller can act on without reading the words; nothing invalid is
// ever sent.
func ExampleListConversationsParams_Validate() {
	p := client.ListConversationsParams{PhoneNumbers: []string{"Sales"}, CreatedAfter: "yesterday", MaxResults: 500}
	var invalid client.ValidationError
	if errors.As(p.Validate(), &invalid) {
		for _, e := range invalid {
			fmt.Printf("%s: %s\n", e.Param, e.Kind)
		}
	}
	// Output:
	// phoneNumbers[0]: not a line
	// createdAfter: malformed
	// maxResults: out of range
}

// An answer with an error status is an *APIError, with OpenPhone's code,
// title and trace when it sent them.
func ExampleAPIError() {
	api := openphonetest.NewServer(openphonetest.DemoWorkspace())
	defer api.Close()
	c, _ := client.New("not-the-key", client.WithBaseURL(api.URL))
	_, err := c.ListUsers(context.Background(), client.ListUsersParams{MaxResults: 10})
	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.Status, apiErr.Title)
	}
	// Output:
	// 401 Unauthorized
}
