package client_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// noRetries makes one attempt per call.
var noRetries = client.WithRetryPolicy(client.RetryPolicy{MaxAttempts: 1})

func newClient(t *testing.T, srv *openphonetest.Server, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.New(srv.APIKey, append([]client.Option{client.WithBaseURL(srv.URL + "/")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestQuery(t *testing.T) {
	tests := []struct {
		name   string
		params client.ListConversationsParams
		want   string
	}{
		{"only maxResults", client.ListConversationsParams{MaxResults: 10}, "maxResults=10"},
		{
			"arrays repeat the key and + is escaped",
			client.ListConversationsParams{MaxResults: 5, PhoneNumbers: []string{"+15555550100", "PN123abc"}},
			"maxResults=5&phoneNumbers=%2B15555550100&phoneNumbers=PN123abc",
		},
		{
			"every parameter",
			client.ListConversationsParams{
				PhoneNumbers: []string{"PNa"}, PhoneNumber: "+15555550100", UserID: "US1",
				CreatedAfter: "2024-01-01T00:00:00Z", CreatedBefore: "2024-02-01T00:00:00+01:00",
				UpdatedAfter: "2024-01-02T00:00:00Z", UpdatedBefore: "2024-01-03T00:00:00Z",
				ExcludeInactive: new(false), MaxResults: 100, PageToken: "a+b/c=",
			},
			"createdAfter=2024-01-01T00%3A00%3A00Z&createdBefore=2024-02-01T00%3A00%3A00%2B01%3A00&excludeInactive=false" +
				"&maxResults=100&pageToken=a%2Bb%2Fc%3D&phoneNumber=%2B15555550100&phoneNumbers=PNa" +
				"&updatedAfter=2024-01-02T00%3A00%3A00Z&updatedBefore=2024-01-03T00%3A00%3A00Z&userId=US1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.params.Query().Encode(); got != tt.want {
				t.Errorf("Query() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestListConversationsRequest(t *testing.T) {
	srv := testkit.Demo(t)
	c := newClient(t, srv, client.WithUserAgent("openphone-mcp/test"))
	line := openphonetest.DemoWorkspace().Lines[0]

	page, err := c.ListConversations(context.Background(), client.ListConversationsParams{
		PhoneNumbers: []string{line.Number, line.ID}, MaxResults: 3, ExcludeInactive: new(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Data) != 3 || page.NextPageToken == nil {
		t.Fatalf("got %d conversations, next %v; want 3 and a next page", len(page.Data), page.NextPageToken)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("fake received %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodGet || r.Path != "/v1/conversations" {
		t.Errorf("request %s %s, want GET /v1/conversations", r.Method, r.Path)
	}
	if got := r.Header.Get("Authorization"); got != srv.APIKey {
		t.Errorf("Authorization = %q, want the bare key", got)
	}
	if got := r.Header.Get("User-Agent"); got != "openphone-mcp/test" {
		t.Errorf("User-Agent = %q", got)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Errorf("Accept = %q", got)
	}
	if got := r.Query["phoneNumbers"]; len(got) != 2 || got[0] != line.Number || got[1] != line.ID {
		t.Errorf("phoneNumbers = %q", got)
	}
	for _, conv := range page.Data {
		if conv.PhoneNumberID != line.ID {
			t.Errorf("conversation %s on %s, want only %s", conv.ID, conv.PhoneNumberID, line.ID)
		}
	}
}

func TestDecodeNulls(t *testing.T) {
	srv := testkit.Fake(t, openphonetest.Workspace{})
	srv.Inject(openphonetest.Fault{Status: 200, Body: `{"data":[{"assignedTo":null,"createdAt":null,"deletedAt":null,
		"id":"CN1","lastActivityAt":"2024-05-01T10:00:00.123Z","lastActivityId":null,"mutedUntil":null,"name":null,
		"participants":["+15555550100"],"phoneNumberId":"PN1","snoozedUntil":null,"updatedAt":null}],
		"totalItems":7,"nextPageToken":null}`})
	page, err := newClient(t, srv).ListConversations(context.Background(), client.ListConversationsParams{MaxResults: 10})
	if err != nil {
		t.Fatal(err)
	}
	c := page.Data[0]
	if c.ID != "CN1" || c.PhoneNumberID != "PN1" || len(c.Participants) != 1 {
		t.Errorf("required fields: %+v", c)
	}
	if c.Name != nil || c.AssignedTo != nil || c.CreatedAt != nil || c.LastActivityID != nil || c.DeletedAt != nil {
		t.Errorf("null fields decoded as non-nil: %+v", c)
	}
	if want := time.Date(2024, 5, 1, 10, 0, 0, 123e6, time.UTC); c.LastActivityAt == nil || !c.LastActivityAt.Equal(want) {
		t.Errorf("lastActivityAt = %v, want %v", c.LastActivityAt, want)
	}
	if page.NextPageToken != nil || page.TotalItems != 7 {
		t.Errorf("next %v total %d", page.NextPageToken, page.TotalItems)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name  string
		fault openphonetest.Fault
		want  client.APIError
	}{
		{
			"documented shape with field errors",
			openphonetest.Fault{Status: 400, Body: `{"message":"Invalid query","code":"1000400","status":400,"docs":"https://openphone.com/docs","title":"Bad Request","trace":"tr1","errors":[{"path":"/query/userId","message":"Expected string","value":1,"schema":{"type":"string"}}]}`},
			client.APIError{Status: 400, Code: "1000400", Title: "Bad Request", Message: "Invalid query", Trace: "tr1", Errors: []client.FieldError{{Path: "/query/userId", Message: "Expected string"}}},
		},
		{
			"not phone number user",
			openphonetest.Fault{Status: 403, Body: `{"message":"The user is not a member of this phone number","code":"1001403","status":403,"title":"Not Phone Number User"}`},
			client.APIError{Status: 403, Code: "1001403", Title: "Not Phone Number User", Message: "The user is not a member of this phone number"},
		},
		{
			"older error shape",
			openphonetest.Fault{Status: 401, Body: `{"error":{"message":"Unauthorized","key":"unauthorized","trace":"tr2"}}`},
			client.APIError{Status: 401, Code: "unauthorized", Message: "Unauthorized", Trace: "tr2"},
		},
		{
			"numeric code",
			openphonetest.Fault{Status: 404, Body: `{"message":"Not found","code":1000404}`},
			client.APIError{Status: 404, Code: "1000404", Message: "Not found"},
		},
		{
			"HTML from a proxy",
			openphonetest.Fault{Status: 502, ContentType: "text/html; charset=utf-8", Body: "<html><body>502 Bad Gateway</body></html>"},
			client.APIError{Status: 502, NotJSON: "text/html"},
		},
		{
			"rate limited with Retry-After",
			openphonetest.Fault{Status: 429, Header: http.Header{"Retry-After": {"3"}}},
			client.APIError{Status: 429, Code: "1000429", Title: "Too Many Requests", Message: "injected 429", RetryAfter: "3"},
		},
		{
			"empty body",
			openphonetest.Fault{Status: 503, Body: " ", ContentType: "text/plain"},
			client.APIError{Status: 503, NotJSON: "text/plain"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := testkit.Demo(t)
			srv.Inject(tt.fault)
			_, err := newClient(t, srv, noRetries).ListConversations(context.Background(), client.ListConversationsParams{MaxResults: 10})
			var apiErr *client.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want *APIError", err)
			}
			if tt.want.Trace == "" { // the fake's own traces are random
				apiErr.Trace = ""
			}
			if got, want := *apiErr, tt.want; got.Status != want.Status || got.Code != want.Code || got.Title != want.Title ||
				got.Message != want.Message || got.Trace != want.Trace || got.RetryAfter != want.RetryAfter ||
				got.NotJSON != want.NotJSON || len(got.Errors) != len(want.Errors) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
			for i := range tt.want.Errors {
				if apiErr.Errors[i] != tt.want.Errors[i] {
					t.Errorf("field error %d = %+v, want %+v", i, apiErr.Errors[i], tt.want.Errors[i])
				}
			}
			if msg := apiErr.Error(); !strings.Contains(msg, http.StatusText(tt.want.Status)) {
				t.Errorf("Error() = %q, want it to name the status", msg)
			}
		})
	}
}

func TestUnreadableSuccess(t *testing.T) {
	for name, body := range map[string]string{
		"truncated":  `{"data":[{"id":"CN1"`,
		"html":       "<html>maintenance</html>",
		"wrong type": `{"data":{"id":"CN1"},"totalItems":1,"nextPageToken":null}`,
		"no data":    `{"totalItems":1,"nextPageToken":null}`,
	} {
		t.Run(name, func(t *testing.T) {
			srv := testkit.Demo(t)
			srv.Inject(openphonetest.Fault{Status: 200, Body: body})
			_, err := newClient(t, srv).ListConversations(context.Background(), client.ListConversationsParams{MaxResults: 10})
			var decodeErr *client.DecodeError
			if !errors.As(err, &decodeErr) {
				t.Fatalf("err = %v, want *DecodeError", err)
			}
		})
	}
}

func TestBodyCap(t *testing.T) {
	srv := testkit.Demo(t)
	srv.Inject(openphonetest.Fault{Status: 200, Body: `{"data":[],"pad":"` + strings.Repeat("x", 2048) + `"}`})
	_, err := newClient(t, srv, client.WithMaxBodyBytes(1024)).ListConversations(context.Background(), client.ListConversationsParams{MaxResults: 10})
	if err == nil || !strings.Contains(err.Error(), "exceeds 1024 bytes") {
		t.Fatalf("err = %v, want the body cap to trip", err)
	}
}

func TestInvalidParamsSendNothing(t *testing.T) {
	srv := testkit.Demo(t)
	_, err := newClient(t, srv).ListConversations(context.Background(), client.ListConversationsParams{MaxResults: 0})
	var verr client.ValidationError
	if !errors.As(err, &verr) || verr[0].Param != "maxResults" {
		t.Fatalf("err = %v, want a ValidationError naming maxResults", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("fake received %d requests, want none", n)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for name, build := range map[string]func() (*client.Client, error){
		"empty key":     func() (*client.Client, error) { return client.New("") },
		"relative URL":  func() (*client.Client, error) { return client.New("k", client.WithBaseURL("api.openphone.com")) },
		"ftp URL":       func() (*client.Client, error) { return client.New("k", client.WithBaseURL("ftp://x")) },
		"zero timeout":  func() (*client.Client, error) { return client.New("k", client.WithTimeout(0)) },
		"zero body cap": func() (*client.Client, error) { return client.New("k", client.WithMaxBodyBytes(0)) },
		"blank key":     func() (*client.Client, error) { return client.New(" \n") },
		"inner space":   func() (*client.Client, error) { return client.New("secret-part1 part2") },
		"control char":  func() (*client.Client, error) { return client.New("secret\x00key") },
		"http, remote":  func() (*client.Client, error) { return client.New("k", client.WithBaseURL("http://api.openphone.com")) },
		"http, private": func() (*client.Client, error) { return client.New("k", client.WithBaseURL("http://10.0.0.8:8080")) },
		"a path": func() (*client.Client, error) {
			return client.New("k", client.WithBaseURL("https://api.openphone.com/v1"))
		},
		"a query": func() (*client.Client, error) {
			return client.New("k", client.WithBaseURL("https://api.openphone.com?x=1"))
		},
		"http, lookalike": func() (*client.Client, error) {
			return client.New("k", client.WithBaseURL("http://localhost.example.com"))
		},
	} {
		c, err := build()
		if err == nil || c != nil {
			t.Errorf("%s: New succeeded, want an error", name)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: the error shows the key: %v", name, err)
		}
	}
	for _, origin := range []string{"https://api.quo.com", "https://api.quo.com/", "http://127.0.0.1:8080", "http://localhost:9", "http://[::1]:80"} {
		if _, err := client.New("k", client.WithBaseURL(origin)); err != nil {
			t.Errorf("%s: %v", origin, err)
		}
	}
}

// TestKeyIsTrimmed: a key pasted with a trailing newline is sent bare.
func TestKeyIsTrimmed(t *testing.T) {
	srv := testkit.Demo(t)
	c, err := client.New(" "+srv.APIKey+"\r\n", client.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListUsers(context.Background(), client.ListUsersParams{MaxResults: 1}); err != nil {
		t.Fatal(err)
	}
}

// TestConnectionsAreReused sends two bursts of parallel calls: the second
// reuses the first's connections instead of opening new ones.
func TestConnectionsAreReused(t *testing.T) {
	srv := testkit.Demo(t)
	srv.Inject(slices.Repeat([]openphonetest.Fault{{Delay: 50 * time.Millisecond}}, 32)...) // keep each burst in flight together
	c := newClient(t, srv, client.WithRateLimit(1000))
	for range 2 {
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				if _, err := c.ListConversations(context.Background(), client.ListConversationsParams{MaxResults: 1}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	conns := map[string]bool{}
	for _, r := range srv.Requests() {
		conns[r.RemoteAddr] = true
	}
	if len(conns) > 16 {
		t.Errorf("32 requests in two bursts of 16 opened %d connections, want at most 16", len(conns))
	}
}

func TestEmptyPageTokenIsTheLastPage(t *testing.T) {
	srv := testkit.Demo(t)
	c := newClient(t, srv)
	srv.Inject(
		openphonetest.Fault{Status: 200, Body: `{"data":[],"totalItems":0,"nextPageToken":""}`},
		openphonetest.Fault{Status: 200, Body: `{"data":[],"totalItems":0,"nextPageToken":""}`},
	)
	page, err := c.ListConversations(context.Background(), client.ListConversationsParams{MaxResults: 10})
	if err != nil || page.NextPageToken != nil {
		t.Errorf("conversations: err %v, next %v; want no next page", err, page.NextPageToken)
	}
	users, err := c.ListUsers(context.Background(), client.ListUsersParams{MaxResults: 10})
	if err != nil || users.NextPageToken != nil {
		t.Errorf("users: err %v, next %v; want no next page", err, users.NextPageToken)
	}
}
