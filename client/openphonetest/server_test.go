package openphonetest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
)

// get sends a raw request, as a client with bugs might, and decodes the body.
func get(t *testing.T, srv *openphonetest.Server, auth, rawQuery string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/conversations?"+rawQuery, nil)
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
