package contacts

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// workspaceAPI is a fake workspace of n contacts, its members and
// conversations drawn from seed (so two seeds are two workspaces).
func workspaceAPI(t *testing.T, seed uint64, n int) (*openphonetest.Server, openphonetest.Workspace) {
	t.Helper()
	ws := openphonetest.GenerateWorkspace(seed, 20)
	ws.Contacts = openphonetest.GenerateContacts(ws, seed, n)
	return testkit.Fake(t, ws), ws
}

// keyOf is a client of api with key.
func keyOf(t *testing.T, api *openphonetest.Server, key string) *client.Client {
	t.Helper()
	c, err := client.New(key, client.WithBaseURL(api.URL), client.WithRateLimit(1000))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// settled waits for k's check and its index's build, if any, to end.
func (k *Key) settled() {
	k.mu.Lock()
	done := k.checking
	k.mu.Unlock()
	if done != nil {
		<-done
	}
	k.mu.Lock()
	x := k.x
	k.mu.Unlock()
	if x != nil {
		x.built()
	}
}

func ids(cts []client.Contact) []string {
	var out []string
	for _, ct := range cts {
		out = append(out, ct.ID)
	}
	slices.Sort(out)
	return out
}

// TestKeysOfOneWorkspaceShareOneBuild: two keys of one workspace, looking
// up at once, read its contacts once between them, and both see them all.
func TestKeysOfOneWorkspaceShareOneBuild(t *testing.T) {
	api, ws := workspaceAPI(t, 1, 120)
	reg := NewRegistry(t.Context(), WithWait(time.Minute))
	keys := []*Key{reg.Key(keyOf(t, api, api.APIKey)), reg.Key(keyOf(t, api, api.AddKey()))}
	views := make([]View, len(keys))
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Go(func() { views[i] = k.View(context.Background()) })
	}
	wg.Wait()
	for i, k := range keys {
		k.settled()
		if v := k.View(context.Background()); v.Err != nil || v.Indexed() != len(ws.Contacts) {
			t.Errorf("key %d: err %v, %d indexed of %d", i, v.Err, v.Indexed(), len(ws.Contacts))
		}
	}
	pages := (len(ws.Contacts) + pageSize - 1) / pageSize
	if got := len(api.RequestsTo("/v1/contacts")); got != pages {
		t.Errorf("%d requests for contacts, want one build's %d", got, pages)
	}
	if got := len(api.RequestsTo("/v1/users")); got != len(keys) {
		t.Errorf("%d requests for users, want one check per key (%d)", got, len(keys))
	}
}

// TestKeysOfTwoWorkspacesNeverShare: a registry with keys of two
// workspaces gives each key its own workspace's contacts, and nothing of
// the other's.
func TestKeysOfTwoWorkspacesNeverShare(t *testing.T) {
	api1, ws1 := workspaceAPI(t, 1, 70)
	api2, ws2 := workspaceAPI(t, 2, 30)
	reg := NewRegistry(t.Context(), WithWait(time.Minute))
	k1, k2 := reg.Key(keyOf(t, api1, api1.APIKey)), reg.Key(keyOf(t, api2, api2.APIKey))
	for _, tt := range []struct {
		k  *Key
		ws openphonetest.Workspace
	}{{k1, ws1}, {k2, ws2}, {k1, ws1}} {
		v := tt.k.View(context.Background())
		if got, want := ids(v.All()), ids(tt.ws.Contacts); !slices.Equal(got, want) {
			t.Errorf("a key sees %d contacts (%v), want its workspace's %d", len(got), v.Err, len(want))
		}
	}
	if n := len(api1.RequestsTo("/v1/contacts")) + len(api2.RequestsTo("/v1/contacts")); n != 2+1 {
		t.Errorf("%d pages of contacts read in all, want 3", n)
	}
}

// TestKeyWhoseCheckFailsGetsNoIndex: a key that cannot show its
// workspace (OpenPhone refuses it, or the read fails) sees no contacts,
// and why, though a key of that workspace has built its index.
func TestKeyWhoseCheckFailsGetsNoIndex(t *testing.T) {
	api, ws := workspaceAPI(t, 1, 70)
	reg := NewRegistry(t.Context(), WithWait(time.Minute))
	good := reg.Key(keyOf(t, api, api.APIKey))
	if v := good.View(context.Background()); v.Indexed() != len(ws.Contacts) {
		t.Fatalf("the good key sees %d contacts (%v)", v.Indexed(), v.Err)
	}
	number, _ := Normalize(*ws.Contacts[0].DefaultFields.PhoneNumbers[0].Value)
	for _, tt := range []struct {
		name   string
		key    string
		fault  *openphonetest.Fault
		status int
	}{
		{"a key OpenPhone refuses", "opk_test_guessed", nil, http.StatusUnauthorized},
		{"a key whose read fails", api.AddKey(), &openphonetest.Fault{Path: "/v1/users", Status: http.StatusInternalServerError}, http.StatusInternalServerError},
	} {
		if tt.fault != nil {
			api.Inject(*tt.fault)
		}
		k := reg.Key(keyOf(t, api, tt.key))
		v := k.View(context.Background())
		var apiErr *client.APIError
		if !errors.As(v.Err, &apiErr) || apiErr.Status != tt.status || v.Indexed() != 0 || len(v.Of(number)) != 0 {
			t.Errorf("%s: err %v, %d indexed; want no contacts and the %d", tt.name, v.Err, v.Indexed(), tt.status)
		}
		if fields := k.Fields(context.Background()); tt.status == http.StatusUnauthorized && fields != nil {
			t.Errorf("%s: the workspace's fields: %v", tt.name, fields)
		}
	}
}

// TestRefusedKeyHandsOver: when OpenPhone refuses the key that builds a
// workspace's index, another key of the workspace builds it, and the
// refused key sees the index no more.
func TestRefusedKeyHandsOver(t *testing.T) {
	api, ws := workspaceAPI(t, 1, 70)
	reg := NewRegistry(t.Context(), WithWait(time.Minute))
	first, second := reg.Key(keyOf(t, api, api.APIKey)), reg.Key(keyOf(t, api, api.AddKey()))
	first.View(context.Background()) // joins first, and starts the build
	second.index(context.Background())
	first.settled()
	// The contacts were read: now the first key is refused mid-rebuild.
	reg.now = func() time.Time { return time.Now().Add(DefaultRefresh) }
	first.x.now = reg.now
	api.Inject(openphonetest.Fault{Path: "/v1/contacts", Status: http.StatusUnauthorized})
	second.View(context.Background())
	second.settled()
	if v := second.View(context.Background()); v.Err != nil || v.Indexed() != len(ws.Contacts) {
		t.Errorf("the second key: err %v, %d indexed", v.Err, v.Indexed())
	}
	if v := first.View(context.Background()); v.Indexed() != 0 || !isRefused(v.Err) {
		t.Errorf("the refused key: err %v, %d indexed; want none and the 401", v.Err, v.Indexed())
	}
}

// heldBuild is an index of New whose first build has read n contacts and
// is held there, until the test ends.
func heldBuild(t testing.TB, n int) (*Index, string) {
	ws := openphonetest.GenerateWorkspace(1, 20)
	ws.Contacts = openphonetest.GenerateContacts(ws, 1, n+pageSize)
	for i := range ws.Contacts {
		// GenerateContacts numbers those beyond the conversations' in area
		// code 200, which is no number: give each one that is.
		ws.Contacts[i].DefaultFields.PhoneNumbers[0].Value = new(fmt.Sprintf("+1415%03d%04d", 201+i/10000, i%10000))
	}
	api, c := testkit.NewAPI(t, ws, client.WithRateLimit(100_000))
	faults := []openphonetest.Fault{{Path: "/v1/contact-custom-fields", Status: http.StatusNotFound}}
	for range n / pageSize {
		faults = append(faults, openphonetest.Fault{Path: "/v1/contacts", Delay: time.Nanosecond})
	}
	api.Inject(append(faults, openphonetest.Fault{Path: "/v1/contacts", Delay: time.Hour})...)
	ctx, cancel := context.WithCancel(context.Background())
	x := New(ctx, c, WithWait(time.Microsecond))
	t.Cleanup(func() { cancel(); x.built() })
	for deadline := time.Now().Add(time.Minute); x.View(ctx).Indexed() < n; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the build read %d contacts of %d", x.View(ctx).Indexed(), n)
		}
	}
	number, _ := Normalize(*ws.Contacts[0].DefaultFields.PhoneNumbers[0].Value)
	return x, number
}

// numbers is how many numbers x indexes so far.
func (x *Index) numbers() int {
	x.mu.Lock()
	s := cmp.Or(x.ready, x.partial)
	x.mu.Unlock()
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.byNumber)
}

// TestLookUpDuringBuildDoesNotCopy: a look-up while the first build of
// 10,000 contacts is under way costs a few small allocations, not a copy
// of the index.
func TestLookUpDuringBuildDoesNotCopy(t *testing.T) {
	x, number := heldBuild(t, 10_000)
	if n := x.numbers(); n < 10_000 {
		t.Fatalf("the build indexed %d numbers, want 10,000", n)
	}
	lookUp := func() {
		v := x.View(context.Background())
		if !v.Loading || len(v.Of(number)) == 0 {
			t.Fatalf("view: loading %v, %d indexed, %s not found", v.Loading, v.Indexed(), number)
		}
	}
	const runs = 100
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	allocs := testing.AllocsPerRun(runs, lookUp)
	runtime.ReadMemStats(&after)
	perLookUp := (after.TotalAlloc - before.TotalAlloc) / (runs + 1)
	t.Logf("a look-up during the build: %.0f allocations, about %d bytes", allocs, perLookUp)
	if allocs > 10 || perLookUp > 4096 {
		t.Errorf("a look-up during the build: %.0f allocations, about %d bytes: the index is copied", allocs, perLookUp)
	}
}

// BenchmarkLookUpDuringBuild measures a look-up (View, then Of) while the
// first build of 10,000 contacts is under way.
func BenchmarkLookUpDuringBuild(b *testing.B) {
	x, number := heldBuild(b, 10_000)
	b.ReportAllocs()
	for b.Loop() {
		x.View(context.Background()).Of(number)
	}
}
