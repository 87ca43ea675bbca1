package tools

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// requestsTo counts the fake's requests for one path.
func (f fixture) requestsTo(path string) int { return len(f.api.RequestsTo(path)) }

func TestLegendNamesLinesAndUsersOnThePage(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	f := newFixture(t, ws)
	sales := ws.Lines[0]
	res := call(t, f.server, "list_conversations", map[string]any{"phoneNumbers": []any{sales.ID}, "maxResults": 20})
	out := text(res)
	if res.IsError {
		t.Fatal(out)
	}
	if !strings.Contains(out, "\nLine "+sales.ID+` "Sales" +14155550100`+"\n") || strings.Count(out, "\nLine ") != 1 {
		t.Errorf("the rows are not under the Sales line, named, and it alone:\n%s", out)
	}
	for _, u := range ws.Users {
		named := strings.Contains(out, u.ID+` "`+u.FirstName+" "+u.LastName+`"`)
		onPage := strings.Count(out, u.ID) > 0
		if onPage != named {
			t.Errorf("%s: on the page %v, named %v", u.ID, onPage, named)
		}
		if named && strings.Count(out, u.FirstName+" "+u.LastName) != 1 {
			t.Errorf("%s is named more than once", u.ID)
		}
	}
}

func TestDirectoryCache(t *testing.T) {
	f := newFixture(t, openphonetest.DemoWorkspace())
	for range 3 {
		if res := call(t, f.server, "list_conversations", map[string]any{"maxResults": 50}); res.IsError {
			t.Fatal(text(res))
		}
	}
	if n := f.requestsTo("/v1/phone-numbers"); n != 1 {
		t.Errorf("3 calls fetched the lines %d times, want once", n)
	}
	if n := f.requestsTo("/v1/users"); n != 0 {
		t.Errorf("users were fetched %d times, though every assignee is on a line", n)
	}
}

func TestDirectoryRefreshes(t *testing.T) {
	ws, api, d, now := clockedDirectory(t)
	count := func() int {
		n := 0
		for _, r := range api.Requests() {
			if r.Path == "/v1/phone-numbers" {
				n++
			}
		}
		return n
	}
	lookup := func(userIDs ...string) {
		t.Helper()
		if _, err := d.lookup(context.Background(), nil, userIDs); err != nil {
			t.Fatal(err)
		}
	}
	lookup()
	lookup(ws.Users[0].ID)
	if count() != 1 {
		t.Fatalf("a fresh cache refetched: %d fetches", count())
	}
	lookup("USunknown1") // a miss, but the cache is too young to refetch
	if count() != 1 {
		t.Errorf("a miss refetched within %v", directoryMinRefresh)
	}
	*now = now.Add(directoryMinRefresh + time.Second)
	lookup("USunknown1") // a miss on an older cache: refetch, users included
	if count() != 2 || len(api.Requests()) != 3 {
		t.Errorf("a miss after %v: %d line fetches, %d requests; want 2 and a users fetch", directoryMinRefresh, count(), len(api.Requests()))
	}
	*now = now.Add(directoryTTL)
	lookup()
	if count() != 3 {
		t.Errorf("a stale cache was not refetched")
	}
}

func TestNamesLookupFailureFallsBackToIDs(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	f := newFixture(t, ws, client.WithRetryPolicy(client.RetryPolicy{MaxAttempts: 1}))
	f.api.Inject(openphonetest.Fault{Path: "/v1/phone-numbers", Status: 503})
	res := call(t, f.server, "list_conversations", map[string]any{"maxResults": 5})
	out := text(res)
	if res.IsError {
		t.Fatalf("a failed look-up failed the listing: %s", out)
	}
	if !strings.Contains(out, "\nLine and user names are unavailable (OpenPhone answered 503): rows show bare IDs.\n") || namedLineHeading.MatchString(out) || !regexp.MustCompile(`\nLine PN\w+\n`).MatchString(out) {
		t.Errorf("no fallback note, or a legend anyway:\n%s", out)
	}
	// The failure is remembered briefly: the next call does not ask again.
	call(t, f.server, "list_conversations", map[string]any{"maxResults": 5})
	if n := f.requestsTo("/v1/phone-numbers"); n != 1 {
		t.Errorf("the look-up was tried %d times, want once within %v", n, directoryMinRefresh)
	}
}

func TestLineNamesResolve(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	tests := []struct {
		name string
		args map[string]any
		want map[string][]string // query the fake must receive
	}{
		{"name in any case", map[string]any{"phoneNumbers": []any{"sUpPoRt"}}, map[string][]string{"phoneNumbers": {ws.Lines[1].ID}}},
		// Once the lines are read, a number is sent as its line's ID.
		{"names beside numbers and IDs", map[string]any{"phoneNumbers": []any{" Front Desk ", ws.Lines[0].Number, ws.Lines[1].ID}},
			map[string][]string{"phoneNumbers": {ws.Lines[2].ID, ws.Lines[0].ID, ws.Lines[1].ID}}},
		{"deprecated phoneNumber", map[string]any{"phoneNumber": "sales"}, map[string][]string{"phoneNumber": {ws.Lines[0].ID}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, ws)
			if res := call(t, f.server, "list_conversations", tt.args); res.IsError {
				t.Fatal(text(res))
			}
			q := f.conversationRequests()[0].Query
			for key, values := range tt.want {
				if strings.Join(q[key], ",") != strings.Join(values, ",") {
					t.Errorf("%s sent as %q, want %q", key, q[key], values)
				}
			}
		})
	}
}

func TestLineNameErrors(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	f := newFixture(t, ws)
	res := call(t, f.server, "list_conversations", map[string]any{"phoneNumbers": []any{"Sales", "Marketing"}})
	out := text(res)
	for _, want := range []string{"phoneNumbers[1]", `"Marketing"`, "line name", ws.Lines[0].ID + ` "Sales" +14155550100`, ws.Lines[2].ID + ` "Front Desk"`} {
		if !res.IsError || !strings.Contains(out, want) {
			t.Errorf("isError=%v, lacks %q:\n%s", res.IsError, want, out)
		}
	}
	if strings.Contains(out, "phoneNumbers[0]") {
		t.Errorf("the resolved name is reported too:\n%s", out)
	}
	if n := len(f.conversationRequests()); n != 0 {
		t.Errorf("%d conversation requests, want none", n)
	}

	// When the lines cannot be looked up, the error says so.
	f = newFixture(t, ws, client.WithRetryPolicy(client.RetryPolicy{MaxAttempts: 1}))
	f.api.Inject(openphonetest.Fault{Path: "/v1/phone-numbers", Status: 500})
	res = call(t, f.server, "list_conversations", map[string]any{"phoneNumbers": []any{"Sales"}})
	if out := text(res); !res.IsError || !strings.Contains(out, "line names could not be looked up (OpenPhone answered 500)") {
		t.Errorf("isError=%v %s", res.IsError, out)
	}
}

func TestUserFilterEcho(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	f := newFixture(t, ws)
	user := ws.Users[3]
	res := call(t, f.server, "list_conversations", map[string]any{"userId": user.ID, "createdAfter": "2030-01-01T00:00:00Z"})
	want := "userId=" + user.ID + ` ("` + user.FirstName + " " + user.LastName + `")`
	if out := text(res); res.IsError || !strings.Contains(out, "No conversations match") || !strings.Contains(out, want) {
		t.Errorf("got %s\nwant it to echo %s", out, want)
	}
}

func TestCompanionTools(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	f := newFixture(t, ws)
	for _, tt := range []struct {
		golden, tool string
		args         map[string]any
	}{
		{"phone_numbers.txt", "list_phone_numbers", nil},
		{"phone_numbers_of_user.txt", "list_phone_numbers", map[string]any{"userId": ws.Users[3].ID}},
		{"users_page.txt", "list_users", map[string]any{"maxResults": 2}},
		{"users_all.txt", "list_users", map[string]any{"maxResults": 50}},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			res := call(t, f.server, tt.tool, tt.args)
			if res.IsError {
				t.Fatal(text(res))
			}
			golden(t, tt.golden, []byte(text(res)+"\n"))
		})
	}
	if q := f.api.Requests()[1].Query; q.Get("userId") != ws.Users[3].ID {
		t.Errorf("list_phone_numbers sent %v", q)
	}
	if q := f.api.Requests()[2].Query; q.Get("maxResults") != "2" {
		t.Errorf("list_users sent %v", q)
	}
	for _, bad := range []struct {
		tool string
		args map[string]any
		want string
	}{
		{"list_users", map[string]any{"maxResults": 51}, "1 to 50"},
		{"list_users", map[string]any{"limit": 5}, "limit"},
		{"list_phone_numbers", map[string]any{"userId": "jordan"}, "userId"},
	} {
		res := call(t, f.server, bad.tool, bad.args)
		if !res.IsError || !strings.Contains(text(res), bad.want) {
			t.Errorf("%s %v: isError=%v %s", bad.tool, bad.args, res.IsError, text(res))
		}
	}
	if n := len(f.api.Requests()); n != 4 {
		t.Errorf("the fake saw %d requests, want 4: bad arguments must not be sent", n)
	}
	res := call(t, NewServer(Config{}), "list_users", nil)
	if !res.IsError || !strings.Contains(text(res), "OPENPHONE_API_KEY") {
		t.Errorf("without a key: %s", text(res))
	}
}

func TestDirectoryKeepsOldNamesWhenARefreshFails(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	api := testkit.Fake(t, ws)
	c, _ := client.New(api.APIKey, client.WithBaseURL(api.URL), client.WithRateLimit(1000), client.WithRetryPolicy(client.RetryPolicy{MaxAttempts: 1}))
	d := newDirectory(c)
	now := time.Now()
	d.now = func() time.Time { return now }
	if _, err := d.lookup(context.Background(), nil, nil); err != nil {
		t.Fatal(err)
	}
	now = now.Add(directoryTTL)
	api.Inject(openphonetest.Fault{Path: "/v1/phone-numbers", Status: 503})
	n, err := d.lookup(context.Background(), []string{ws.Lines[0].ID}, nil)
	if err != nil || n == nil {
		t.Fatalf("a failed refresh lost the names: %v", err)
	}

	// A call that ends during the fetch does not mark OpenPhone as failing.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	now = now.Add(directoryTTL)
	if _, err := d.lookup(ctx, nil, nil); err == nil {
		t.Fatal("a cancelled look-up succeeded")
	}
	if errors.Is(d.err, context.Canceled) {
		t.Errorf("a cancelled call was remembered as OpenPhone's failure")
	}
}

// TestLineNameEdgeCases: blank values are refused without a look-up, a name
// that several lines share is an error naming them, and line IDs and
// numbers from OpenPhone are escaped in the message.
func TestLineNameEdgeCases(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	ws.Lines = append(ws.Lines,
		openphonetest.Line{ID: "PNdupe0001", Number: "+14155550901", Name: "Sales "},
		openphonetest.Line{ID: "PNevil\n+19999999999 \"Evil\"", Number: "+14155550902", Name: ""},
	)
	for _, tt := range []struct {
		name    string
		args    map[string]any
		want    []string
		lookups int // reads of /v1/phone-numbers
	}{
		{"blank", map[string]any{"phoneNumbers": []any{" "}}, []string{`phoneNumbers[0]: " " is blank`}, 0},
		{"empty deprecated", map[string]any{"phoneNumber": "\t"}, []string{`phoneNumber: "\t" is blank`}, 0},
		{"shared name", map[string]any{"phoneNumbers": []any{" SALES"}}, []string{"names more than one line", ws.Lines[0].ID, "PNdupe0001"}, 1},
		{"escaped IDs", map[string]any{"phoneNumbers": []any{"nope"}}, []string{`"PNevil\n+19999999999 \"Evil\""`}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, ws)
			res := call(t, f.server, "list_conversations", tt.args)
			out := text(res)
			if !res.IsError {
				t.Fatalf("accepted %v: %s", tt.args, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "\n+19999999999") {
				t.Errorf("an upstream line ID forged a line:\n%s", out)
			}
			if got := len(f.api.Requests()); got != tt.lookups {
				t.Errorf("%d requests, want %d look-ups and no conversations", got, tt.lookups)
			}
		})
	}
}

// TestDirectorySharesOneFetch: look-ups that arrive together wait for one
// fetch, and a waiter whose own time runs out stops waiting without
// stopping the fetch for the others.
func TestDirectorySharesOneFetch(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	api := testkit.Fake(t, ws)
	api.Inject(openphonetest.Fault{Path: "/v1/phone-numbers", Delay: 2 * time.Second})
	c, _ := client.New(api.APIKey, client.WithBaseURL(api.URL), client.WithRateLimit(1000))
	d := newDirectory(c)

	impatient, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 11)
	wg.Go(func() {
		if _, err := d.lookup(impatient, []string{ws.Lines[0].ID}, nil); !errors.Is(err, context.DeadlineExceeded) {
			errs <- fmt.Errorf("the impatient caller got %v, want its own deadline", err)
		}
	})
	for range 10 {
		wg.Go(func() {
			n, err := d.lookup(context.Background(), []string{ws.Lines[0].ID}, []string{ws.Users[0].ID})
			if err != nil || n == nil {
				errs <- fmt.Errorf("lookup: %v", err)
			} else if _, ok := n.line(ws.Lines[0].ID); !ok {
				errs <- errors.New("the shared fetch lacks the line")
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(api.Requests()); n != 1 {
		t.Errorf("11 look-ups at once made %d requests, want 1", n)
	}
}

// TestDirectoryRemembersUnknownIDs: an ID OpenPhone does not list (a
// deleted user) costs one fetch, not one per call, until the names expire.
func TestDirectoryRemembersUnknownIDs(t *testing.T) {
	_, api, d, now := clockedDirectory(t)
	lookup := func() {
		t.Helper()
		if _, err := d.lookup(context.Background(), []string{"PNdeleted1"}, []string{"USdeleted1"}); err != nil {
			t.Fatal(err)
		}
	}
	lookup() // lines, then every user: neither ID is there
	fetches := len(api.Requests())
	if fetches != 2 {
		t.Fatalf("the first look-up made %d requests, want the lines and the users", fetches)
	}
	for range 5 {
		*now = now.Add(directoryMinRefresh + time.Second)
		lookup()
	}
	if n := len(api.Requests()); n != fetches {
		t.Errorf("unknown IDs refetched the names %d times within the cache's lifetime", n-fetches)
	}
	*now = now.Add(directoryTTL)
	lookup()
	if n := len(api.Requests()); n == fetches {
		t.Error("names past their lifetime were not fetched again")
	}
}

// TestRenamedLineIsFoundByItsNewName: a name that matches no cached line
// reads the lines again (once the names are old enough), so a line
// renamed since can be named at once, not after the names expire.
func TestRenamedLineIsFoundByItsNewName(t *testing.T) {
	ws, api, d, now := clockedDirectory(t)
	if ids, _, err := d.resolve(context.Background(), []string{"Sales"}, client.IsLineRef); err != nil || ids.id("Sales") != ws.Lines[0].ID {
		t.Fatalf("Sales: %v %v", ids, err)
	}
	api.RenameLine(ws.Lines[0].ID, "Billing")
	*now = now.Add(directoryMinRefresh)
	if ids, _, err := d.resolve(context.Background(), []string{"billing"}, client.IsLineRef); err != nil || ids.id("billing") != ws.Lines[0].ID {
		t.Errorf("the renamed line by its new name: %v %v", ids, err)
	}
	// A name that is nobody's does not refetch on every call.
	before := len(api.Requests())
	for range 3 {
		d.resolve(context.Background(), []string{"Nobody"}, client.IsLineRef)
	}
	if got := len(api.Requests()) - before; got != 0 {
		t.Errorf("%d fetches for a name that is nobody's, within %v of the last", got, directoryMinRefresh)
	}
}

// clockedDirectory returns the demo workspace, its fake API, and a
// directory of it whose clock reads *now.
func clockedDirectory(t *testing.T) (openphonetest.Workspace, *openphonetest.Server, *directory, *time.Time) {
	ws := openphonetest.DemoWorkspace()
	api := openphonetest.NewServer(ws)
	t.Cleanup(api.Close)
	c, _ := client.New(api.APIKey, client.WithBaseURL(api.URL), client.WithRateLimit(1000))
	d := newDirectory(c)
	now := time.Now()
	d.now = func() time.Time { return now }
	return ws, api, d, &now
}

// TestLocalLimitIsNotCachedAsAFailure: a names fetch that this server's
// own rate limit could not send in time is no news of OpenPhone: it is not
// kept as a failure, and the next call fetches.
func TestLocalLimitIsNotCachedAsAFailure(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	api := openphonetest.NewServer(ws)
	t.Cleanup(api.Close)
	// One request per ten seconds: the names fetch after the first cannot
	// get a place within its five.
	c, _ := client.New(api.APIKey, client.WithBaseURL(api.URL), client.WithRateLimit(0.1))
	d := newDirectory(c)
	if _, err := d.lookup(context.Background(), nil, nil); err != nil {
		t.Fatal(err)
	}
	d.mu.Lock()
	d.names = nil // as if nothing had been fetched
	d.mu.Unlock()
	if _, err := d.lookup(context.Background(), nil, nil); err == nil || !isLocal(err) {
		t.Fatalf("a fetch the limit had no room for: %v", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		t.Errorf("the local refusal was cached as OpenPhone's failure: %v", d.err)
	}
}

// burst makes n concurrent list_conversations calls through s and returns
// their texts.
func burst(t *testing.T, f fixture, n int, args map[string]any) []string {
	t.Helper()
	texts := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { texts[i] = text(call(t, f.server, "list_conversations", args)) })
	}
	wg.Wait()
	return texts
}

// namedLineHeading matches the heading of a line's rows that names it.
var namedLineHeading = regexp.MustCompile(`\nLine PN\w+ "[^"\n]+" \+\d+\n`)

// TestNamesGoFirstInABurst: the names look-up that every answer's legend
// needs goes before the burst's own requests in the key's rate limit, so
// a burst at a low rate still names its lines and users.
func TestNamesGoFirstInABurst(t *testing.T) {
	t.Parallel()
	f := newFixture(t, openphonetest.DemoWorkspace(), client.WithRateLimit(2))
	for i, out := range burst(t, f, 12, map[string]any{"maxResults": 3}) {
		if strings.Contains(out, "names are unavailable") || !namedLineHeading.MatchString(out) {
			t.Errorf("call %d lost its names:\n%s", i, out)
		}
	}
}

// TestOwnRateLimitIsNotBlamedOnOpenPhone: calls that the server's own rate
// limit cannot fit into their time limit are refused at once, saying so;
// they are not sent, and OpenPhone is not blamed.
func TestOwnRateLimitIsNotBlamedOnOpenPhone(t *testing.T) {
	t.Parallel()
	api := openphonetest.NewServer(openphonetest.DemoWorkspace())
	t.Cleanup(api.Close)
	c, err := client.New(api.APIKey, client.WithBaseURL(api.URL), client.WithRateLimit(2))
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{api, c, NewServer(Config{Client: c, Version: "test", CallTimeout: 1500 * time.Millisecond, Context: t.Context()})}
	refused := 0
	for _, out := range burst(t, f, 12, map[string]any{"maxResults": 3}) {
		if strings.Contains(out, "OpenPhone did not answer") {
			t.Errorf("our own queue blamed on OpenPhone:\n%s", out)
		}
		if strings.Contains(out, "this server's own rate limit") && strings.Contains(out, "Not sent") {
			refused++
		}
	}
	if refused == 0 {
		t.Error("no call was refused by the rate limit: 12 calls at 2/s cannot all fit in 1.5s")
	}
	if got := len(f.conversationRequests()); got+refused != 12 {
		t.Errorf("the fake saw %d list requests and %d were refused: a refused call was sent, or a call vanished", got, refused)
	}
}
