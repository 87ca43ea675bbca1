package openphonetest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
)

// The fake answers as Quo's OpenAPI document says, and records what it was
// asked.
func Example() {
	api := openphonetest.NewServer(openphonetest.DemoWorkspace())
	defer api.Close()
	c, _ := client.New(api.APIKey, client.WithBaseURL(api.URL))
	list, err := c.ListPhoneNumbers(context.Background(), client.ListPhoneNumbersParams{})
	if err != nil {
		panic(err)
	}
	for _, l := range list.Data {
		fmt.Println(l.ID, l.Name, l.Number)
	}
	for _, r := range api.RequestsTo("/v1/phone-numbers") {
		fmt.Println(r.Method, r.Path)
	}
	// Output:
	// PNEAIjRnLh Sales +14155550100
	// PNKxsS2wxn Support +14155550123
	// PNTmEQnADH Front Desk +12125550199
	// GET /v1/phone-numbers
}

// A fault replaces the next answer: here the error body the document gives
// GET /v1/users for 503, then a normal answer again.
func ExampleServer_Inject() {
	api := openphonetest.NewServer(openphonetest.DemoWorkspace())
	defer api.Close()
	c, _ := client.New(api.APIKey, client.WithBaseURL(api.URL), client.WithRetryPolicy(client.RetryPolicy{MaxAttempts: 1}))
	api.Inject(openphonetest.Fault{Path: "/v1/users", Status: http.StatusServiceUnavailable})
	_, err := c.ListUsers(context.Background(), client.ListUsersParams{MaxResults: 10})
	var apiErr *client.APIError
	fmt.Println(errors.As(err, &apiErr), apiErr.Status)
	_, err = c.ListUsers(context.Background(), client.ListUsersParams{MaxResults: 10})
	fmt.Println(err)
	// Output:
	// true 503
	// <nil>
}
