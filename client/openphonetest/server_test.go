package openphonetest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
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

// TestAddKey: a key added to a server is taken as its own key is; a key of
// another server is not.
func TestAddKey(t *testing.T) {
	srv := openphonetest.NewServer(openphonetest.DemoWorkspace())
	defer srv.Close()
	other := openphonetest.NewServer(openphonetest.DemoWorkspace())
	defer other.Close()
	second := srv.AddKey()
	for _, tt := range []struct {
		key  string
		want int
	}{{srv.APIKey, http.StatusOK}, {second, http.StatusOK}, {other.APIKey, http.StatusUnauthorized}, {other.AddKey(), http.StatusUnauthorized}} {
		if status, _ := getWith(t, srv, tt.key, "/v1/users", "maxResults=10"); status != tt.want {
			t.Errorf("a key: %d, want %d", status, tt.want)
		}
	}
}
