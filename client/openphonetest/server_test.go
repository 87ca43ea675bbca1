package openphonetest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
)

// get sends a raw request for conversations, as a client with bugs might,
// and decodes the body.
func get(t *testing.T, srv *openphonetest.Server, auth, rawQuery string) (int, map[string]any) {
	t.Helper()
	return getWith(t, srv, auth, "/v1/conversations", rawQuery)
}

// getWith sends a GET for path and rawQuery with auth as the
// Authorization header, and decodes the body.
func getWith(t *testing.T, srv *openphonetest.Server, auth, path, rawQuery string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path+"?"+rawQuery, nil)
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	return resp.StatusCode, body
}

func TestStrictness(t *testing.T) {
	srv := openphonetest.NewServer(openphonetest.DemoWorkspace())
	defer srv.Close()
	line := openphonetest.DemoWorkspace().Lines[0]
	tests := []struct {
		name      string
		auth      string
		query     string
		status    int
		errorPath string
	}{
		{"valid", srv.APIKey, "maxResults=10", 200, ""},
		{"Bearer prefix", "Bearer " + srv.APIKey, "maxResults=10", 401, ""},
		{"no key", "", "maxResults=10", 401, ""},
		{"maxResults missing", srv.APIKey, "", 400, "/query/maxResults"},
		{"maxResults 0", srv.APIKey, "maxResults=0", 400, "/query/maxResults"},
		{"maxResults 101", srv.APIKey, "maxResults=101", 400, "/query/maxResults"},
		{"maxResults not a number", srv.APIKey, "maxResults=ten", 400, "/query/maxResults"},
		{"bracketed array", srv.APIKey, "maxResults=10&phoneNumbers[]=" + url.QueryEscape(line.Number), 400, "/query/phoneNumbers[]"},
		{"unescaped plus", srv.APIKey, "maxResults=10&phoneNumbers=" + line.Number, 400, "/query/phoneNumbers/0"},
		{"escaped plus", srv.APIKey, "maxResults=10&phoneNumbers=" + url.QueryEscape(line.Number), 200, ""},
		{"unknown parameter", srv.APIKey, "maxResults=10&limit=5", 400, "/query/limit"},
		{"date only", srv.APIKey, "maxResults=10&createdAfter=2024-01-01", 400, "/query/createdAfter"},
		{"boolean as 1", srv.APIKey, "maxResults=10&excludeInactive=1", 400, "/query/excludeInactive"},
		{"forged page token", srv.APIKey, "maxResults=10&pageToken=abc", 400, "/query/pageToken"},
		{"unknown line", srv.APIKey, "maxResults=10&phoneNumbers=PNnope", 404, ""},
		{"unknown user", srv.APIKey, "maxResults=10&userId=USnope", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get(t, srv, tt.auth, tt.query)
			if status != tt.status {
				t.Fatalf("status %d, want %d; body %v", status, tt.status, body)
			}
			if status != 200 {
				for _, field := range []string{"message", "code", "status", "docs", "title"} {
					if _, ok := body[field]; !ok {
						t.Errorf("error body lacks %q: %v", field, body)
					}
				}
			}
			if tt.errorPath != "" && !strings.Contains(mustJSON(body["errors"]), `"path":"`+tt.errorPath+`"`) {
				t.Errorf("errors %s do not name %s", mustJSON(body["errors"]), tt.errorPath)
			}
		})
	}
}

func TestBodiesCarryEveryField(t *testing.T) {
	srv := openphonetest.NewServer(openphonetest.DemoWorkspace())
	defer srv.Close()
	_, body := get(t, srv, srv.APIKey, "maxResults=100")
	for _, field := range []string{"data", "totalItems", "nextPageToken"} {
		if _, ok := body[field]; !ok {
			t.Errorf("page lacks %q", field)
		}
	}
	for _, c := range body["data"].([]any) {
		if n := len(c.(map[string]any)); n != 12 {
			t.Errorf("conversation has %d fields, want all 12 (nulls included): %v", n, c)
		}
	}
}

func TestPagingAndFilters(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	srv := openphonetest.NewServer(ws)
	defer srv.Close()

	seen := map[string]bool{}
	query := "maxResults=7&excludeInactive=false"
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatal("paging does not end")
		}
		status, body := get(t, srv, srv.APIKey, query)
		if status != 200 {
			t.Fatalf("status %d: %v", status, body)
		}
		for _, c := range body["data"].([]any) {
			id := c.(map[string]any)["id"].(string)
			if seen[id] {
				t.Fatalf("%s seen twice", id)
			}
			seen[id] = true
		}
		next, _ := body["nextPageToken"].(string)
		if next == "" {
			break
		}
		query = "maxResults=7&excludeInactive=false&pageToken=" + url.QueryEscape(next)
		if status, _ := get(t, srv, srv.APIKey, "maxResults=7&pageToken="+url.QueryEscape(next)); status != 400 {
			t.Errorf("a page token used with other filters: status %d, want 400", status)
		}
	}
	if len(seen) != len(ws.Conversations) {
		t.Errorf("paged through %d conversations, want %d", len(seen), len(ws.Conversations))
	}

	user := ws.Users[3] // a member of Support only
	_, body := get(t, srv, srv.APIKey, "maxResults=100&userId="+user.ID)
	for _, c := range body["data"].([]any) {
		if c.(map[string]any)["phoneNumberId"] != ws.Lines[1].ID {
			t.Errorf("userId filter let through a conversation on %v", c.(map[string]any)["phoneNumberId"])
		}
	}
	_, body = get(t, srv, srv.APIKey, "maxResults=100&createdAfter=2030-01-01T00:00:00Z")
	if n := len(body["data"].([]any)); n != 0 {
		t.Errorf("createdAfter in the future matched %d conversations", n)
	}
}

func TestInjectAndRecord(t *testing.T) {
	srv := openphonetest.NewServer(openphonetest.Workspace{})
	defer srv.Close()
	srv.Inject(openphonetest.Fault{Status: 429}, openphonetest.Fault{Status: 200, Body: `{"data":[],"totalItems":0,"nextPageToken":null}`})
	for _, want := range []int{429, 200, 401} {
		auth := srv.APIKey
		if want == 401 {
			auth = "wrong"
		}
		if status, _ := get(t, srv, auth, "maxResults=1"); status != want {
			t.Errorf("status %d, want %d", status, want)
		}
	}
	if got := len(srv.Requests()); got != 3 {
		t.Errorf("recorded %d requests, want 3", got)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestRequestLogIsBounded: the server keeps the last MaxRecorded requests,
// in order, however many it receives.
func TestRequestLogIsBounded(t *testing.T) {
	srv := openphonetest.NewServer(openphonetest.DemoWorkspace())
	defer srv.Close()
	const sent = openphonetest.MaxRecorded + 250
	for i := range sent {
		if _, err := srv.Get("/v1/users", url.Values{"maxResults": {strconv.Itoa(i%50 + 1)}}); err != nil {
			t.Fatal(err)
		}
	}
	reqs := srv.Requests()
	if len(reqs) != openphonetest.MaxRecorded {
		t.Fatalf("%d requests kept, want %d", len(reqs), openphonetest.MaxRecorded)
	}
	for i, r := range reqs {
		if want := strconv.Itoa((sent-openphonetest.MaxRecorded+i)%50 + 1); r.Query.Get("maxResults") != want {
			t.Fatalf("request %d has maxResults %s, want %s: the log is out of order", i, r.Query.Get("maxResults"), want)
		}
	}
}

// getPath sends an authenticated GET for path and rawQuery.
func getPath(t *testing.T, srv *openphonetest.Server, path, rawQuery string) (int, map[string]any) {
	t.Helper()
	return getWith(t, srv, srv.APIKey, path, rawQuery)
}

// TestThreadEndpointsAreStrict: messages and calls reject what the API
// rejects.
func TestThreadEndpointsAreStrict(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	srv := openphonetest.NewServer(ws)
	defer srv.Close()
	c := ws.Conversations[0]
	line := "phoneNumberId=" + c.PhoneNumberID
	one := "participants=" + url.QueryEscape(c.Participants[0])
	eleven := strings.Repeat("participants=%2B14155550100&", 11)
	for _, tt := range []struct {
		name, path, query string
		status            int
		errorPath         string
	}{
		{"messages", "/v1/messages", line + "&" + one + "&maxResults=5", 200, ""},
		{"messages without phoneNumberId", "/v1/messages", one + "&maxResults=5", 400, "/query/phoneNumberId"},
		{"messages with a number as phoneNumberId", "/v1/messages", "phoneNumberId=%2B14155550100&" + one + "&maxResults=5", 400, "/query/phoneNumberId"},
		{"messages without participants", "/v1/messages", line + "&maxResults=5", 400, "/query/participants"},
		{"messages with 11 participants", "/v1/messages", line + "&" + eleven + "maxResults=5", 400, "/query/participants"},
		{"messages with a bad number", "/v1/messages", line + "&participants=415-555-0100&maxResults=5", 400, "/query/participants/0"},
		{"messages without maxResults", "/v1/messages", line + "&" + one, 400, "/query/maxResults"},
		{"messages with maxResults 101", "/v1/messages", line + "&" + one + "&maxResults=101", 400, "/query/maxResults"},
		{"messages with an unknown key", "/v1/messages", line + "&" + one + "&maxResults=5&conversationId=" + c.ID, 400, "/query/conversationId"},
		{"messages with a bad date", "/v1/messages", line + "&" + one + "&maxResults=5&since=yesterday", 400, "/query/since"},
		{"messages on an unknown line", "/v1/messages", "phoneNumberId=PNnope&" + one + "&maxResults=5", 404, ""},
		{"calls", "/v1/calls", line + "&" + one + "&maxResults=5", 200, ""},
		{"calls with two participants", "/v1/calls", line + "&" + one + "&participants=%2B14155550100&maxResults=5", 400, ""},
		{"calls without participants", "/v1/calls", line + "&maxResults=5", 400, "/query/participants"},
		{"calls with a bad userId", "/v1/calls", line + "&" + one + "&maxResults=5&userId=bob", 400, "/query/userId"},
		{"a call by a bad ID", "/v1/calls/CN123", "", 400, "/path/callId"},
		{"an unknown call", "/v1/calls/ACnope", "", 404, ""},
		{"an unknown summary", "/v1/call-summaries/ACnope", "", 404, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := getPath(t, srv, tt.path, tt.query)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %v", status, tt.status, body)
			}
			if tt.errorPath != "" && !strings.Contains(fmt.Sprint(body["errors"]), tt.errorPath) {
				t.Errorf("errors %v lack %s", body["errors"], tt.errorPath)
			}
		})
	}
}

// TestCallInsightsSwitch: without the plan's call insights, summaries and
// transcripts answer 403; with them, the demo's calls have every status.
func TestCallInsightsSwitch(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	srv := openphonetest.NewServer(ws)
	defer srv.Close()
	statuses := map[string]bool{}
	for id, s := range ws.Summaries {
		statuses[s.Status] = true
		if status, body := getPath(t, srv, "/v1/call-summaries/"+id, ""); status != 200 || body["data"] == nil {
			t.Fatalf("summary of %s: %d %v", id, status, body)
		}
	}
	for _, want := range []string{"completed", "in-progress", "absent"} {
		if !statuses[want] {
			t.Errorf("no demo call has a %s summary", want)
		}
	}
	srv.SetCallInsights(false)
	for id := range ws.Summaries {
		for _, path := range []string{"/v1/call-summaries/", "/v1/call-transcripts/"} {
			if status, _ := getPath(t, srv, path+id, ""); status != 403 {
				t.Errorf("%s%s without the plan: %d, want 403", path, id, status)
			}
		}
		break
	}
}

// TestDemoActivity: the demo's threads hold what a reader must see
// handled.
func TestDemoActivity(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	texts := map[string]bool{}
	statuses := map[string]bool{}
	for _, m := range ws.Messages {
		texts[m.Text] = true
		statuses[m.Direction+" "+m.Status] = true
	}
	for _, want := range openphonetest.HostileTexts {
		if !texts[want] {
			t.Errorf("no message says %q", want)
		}
	}
	long := false
	for text := range texts {
		long = long || len([]rune(text)) >= 1500
	}
	if !long {
		t.Error("no 1,500-character message")
	}
	for _, want := range []string{"incoming received", "outgoing delivered", "outgoing undelivered", "outgoing sent"} {
		if !statuses[want] {
			t.Errorf("no %s message", want)
		}
	}
	calls := map[string]bool{}
	for _, c := range ws.Calls {
		calls[c.Status] = true
	}
	if !calls["missed"] || !calls["completed"] {
		t.Errorf("call statuses %v, want missed and completed ones", calls)
	}
}
