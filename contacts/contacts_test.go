package contacts

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestNormalize(t *testing.T) {
	for _, tt := range []struct {
		raw, want string
		ok        bool
	}{
		{"+14155550142", "+14155550142", true},
		{"(415) 555-0142", "+14155550142", true},
		{"415.555.0142", "+14155550142", true},
		{"+1 415 555 0142", "+14155550142", true},
		{"1-415-555-0142", "+14155550142", true},
		{"4155550142", "+14155550142", true},
		{"+44 20 7946 0958", "+442079460958", true},
		{"+33 1 23 45 67 89", "+33123456789", true},
		{"555-0142", "", false}, // too few digits to be a whole number
		{"call me", "", false},
		{"", "", false},
		{"+1 415 555 0142 0142 0142", "", false},
	} {
		got, ok := Normalize(tt.raw)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Normalize(%q) = %q, %v; want %q, %v", tt.raw, got, ok, tt.want, tt.ok)
		}
	}
}

// newIndex is an index of ws's contacts, stopped when the test ends.
func newIndex(t *testing.T, ws openphonetest.Workspace, opts ...Option) (*Index, *openphonetest.Server) {
	t.Helper()
	api, c := testkit.NewAPI(t, ws, client.WithRateLimit(1000))
	return New(t.Context(), c, opts...), api
}

// built waits for the build under way, if any, to end.
func (x *Index) built() {
	x.mu.Lock()
	done := x.done
	x.mu.Unlock()
	if done != nil {
		<-done
	}
}

func TestViewNamesEveryForm(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	// The demo gives each number one contact; a workspace may give two
	// (a person, and the company at the same number).
	shared := ws.Conversations[1].Participants[1]
	ws.Contacts = append(ws.Contacts, client.Contact{ID: "0000000000000000000000aa", DefaultFields: client.ContactFields{Company: new("Kim Family Dentistry"),
		PhoneNumbers: []client.ContactValue{{ID: "aa", Name: "main", Value: new(shared)}}}})
	x, _ := newIndex(t, ws)
	v := x.View(context.Background())
	if v.Loading || v.Err != nil || v.Indexed() != len(ws.Contacts) {
		t.Fatalf("view: loading %v, err %v, %d indexed of %d", v.Loading, v.Err, v.Indexed(), len(ws.Contacts))
	}
	// Every stored form of a number is found by its E.164 form.
	for _, ct := range ws.Contacts {
		for _, n := range ct.DefaultFields.PhoneNumbers {
			e164, _ := Normalize(*n.Value)
			found := false
			for _, other := range v.Of(e164) {
				found = found || other.ID == ct.ID
			}
			if !found {
				t.Errorf("%q (%s) does not find contact %s", *n.Value, e164, ct.ID)
			}
		}
	}
	if got := v.Of(shared); len(got) != 2 {
		t.Errorf("the shared number %s has %d contacts, want 2", shared, len(got))
	}
	if got := v.Of("+19995550000"); len(got) != 0 {
		t.Errorf("a number nobody has: %v", got)
	}
}

func TestFind(t *testing.T) {
	x, _ := newIndex(t, openphonetest.DemoWorkspace())
	v := x.View(context.Background())
	for _, tt := range []struct {
		query, first string // the best match's display name
		field        string
	}{
		{"Priya", "Priya Raman", "name"},
		{"priya raman", "Priya Raman", "name"},
		{"PRIYA R", "Priya Raman", "name"},
		{"raman dental", "Priya Raman", "company"},
		{"(415) 555-0112", "Priya Raman", "number"},
		{"415.555.0112", "Priya Raman", "number"},
		{"+1 415 555 0112", "Priya Raman", "number"},
		{"415 555 0112", "Priya Raman", "number"},
		{"zoe", "Zoë Ångström", "name"},
		{"ANGSTROM", "Zoë Ångström", "name"},
		{"jose alvarez", "José Álvarez", "name"},
		{"smile studio", "Zoë Ångström", "company"},
		{"priya0@example.com", "Priya Raman", "email"},
	} {
		matches, _ := v.Find(tt.query, 5)
		if len(matches) == 0 || DisplayName(matches[0].Contact) != tt.first || matches[0].Field != tt.field {
			t.Errorf("Find(%q) = %v, want %s by %s first", tt.query, names(matches), tt.first, tt.field)
		}
	}
	if matches, total := v.Find("555-0112", 5); total != 2 || !slices.ContainsFunc(matches, func(m Match) bool { return DisplayName(m.Contact) == "Priya Raman" }) {
		t.Errorf("the last 4 digits: %v", names(matches))
	}
	if matches, total := v.Find("Kim Family Dentistry", 1); len(matches) != 1 || total != 2 {
		t.Errorf("a company two contacts share: %d shown, %d in all; want 1 of 2", len(matches), total)
	}
	if matches, _ := v.Find("nobody at all", 5); len(matches) != 0 {
		t.Errorf("a query that matches nothing: %v", names(matches))
	}
}

func names(ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, DisplayName(m.Contact)+" ("+m.Field+")")
	}
	return out
}

// TestStaleIndexIsRebuilt: a contact added upstream appears once the index
// is older than its refresh interval and rebuilt; meanwhile the old index
// answers, without waiting.
func TestStaleIndexIsRebuilt(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	x, api := newIndex(t, ws)
	clock := time.Now()
	x.now = func() time.Time { return clock }
	x.View(context.Background())
	added := client.Contact{ID: "added1", DefaultFields: client.ContactFields{FirstName: new("New"), LastName: new("Person"),
		PhoneNumbers: []client.ContactValue{{Name: "mobile", Value: new("+1 (212) 555-0199")}}, Emails: []client.ContactValue{}},
		CustomFields: []client.ContactCustom{}, CreatedAt: clock, UpdatedAt: clock, CreatedByUserID: "USPPbtGm8S"}
	api.AddContact(added)
	if got := x.View(context.Background()).Of("+12125550199"); len(got) != 0 {
		t.Fatalf("a fresh index refetched: %v", got)
	}
	clock = clock.Add(DefaultRefresh)
	if got := x.View(context.Background()).Of("+12125550199"); len(got) != 0 {
		t.Errorf("a stale index waited for its rebuild: %v", got)
	}
	x.built()
	if got := x.View(context.Background()).Of("+12125550199"); len(got) != 1 || got[0].ID != "added1" {
		t.Errorf("after the rebuild: %v, want the added contact", got)
	}
}

// TestColdIndexAnswersWithWhatIsIndexed: a build held mid-way does not hold
// a look-up past the wait; it sees the contacts indexed so far, marked as
// loading.
func TestColdIndexAnswersWithWhatIsIndexed(t *testing.T) {
	ws := openphonetest.GenerateWorkspace(1, 20)
	ws.Contacts = openphonetest.GenerateContacts(ws, 1, 120)
	api, c := testkit.NewAPI(t, ws, client.WithRateLimit(1000))
	// The first page comes at once; the second is held back.
	api.Inject(openphonetest.Fault{Path: "/v1/contact-custom-fields", Status: http.StatusNotFound},
		openphonetest.Fault{Path: "/v1/contacts", Delay: time.Millisecond}, openphonetest.Fault{Path: "/v1/contacts", Delay: time.Hour})
	ctx, cancel := context.WithCancel(t.Context())
	x := New(ctx, c, WithWait(200*time.Millisecond))
	start := time.Now()
	v := x.View(context.Background())
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("the look-up waited %v for a held build", waited)
	}
	if !v.Loading || v.Indexed() != pageSize {
		t.Errorf("view: loading %v, %d indexed; want loading with the first page's %d", v.Loading, v.Indexed(), pageSize)
	}
	if got := v.Of(ws.Conversations[0].Participants[0]); len(got) != 1 {
		t.Errorf("a number of the first page: %v", got)
	}
	cancel()
	x.built()
}

// TestFailedBuildSaysWhy: a key that may not read contacts gets no names,
// and the reason, and the index does not ask again at once.
func TestFailedBuildSaysWhy(t *testing.T) {
	x, api := newIndex(t, openphonetest.DemoWorkspace())
	api.Inject(openphonetest.Fault{Path: "/v1/contacts", Status: http.StatusForbidden})
	v := x.View(context.Background())
	var apiErr *client.APIError
	if !errors.As(v.Err, &apiErr) || apiErr.Status != http.StatusForbidden || v.Indexed() != 0 {
		t.Fatalf("view: err %v, %d indexed; want the 403", v.Err, v.Indexed())
	}
	before := len(api.Requests())
	x.View(context.Background())
	if n := len(api.Requests()) - before; n != 0 {
		t.Errorf("%d requests right after a failed build", n)
	}
}

// TestALookUpWaitsOnlyForABuildThatEndsInTime: a look-up waits for the
// first build while its pace says it will end within the wait, and not a
// moment once it says it will not, so that a person's call during a long
// build answers at once with what is indexed.
func TestALookUpWaitsOnlyForABuildThatEndsInTime(t *testing.T) {
	for _, tc := range []struct {
		name     string
		contacts int
		loading  bool
	}{
		{"a long build", 1000, true},  // 19 pages to go at 1 s each, a wait of 10 s
		{"a short build", 120, false}, // 2 pages to go
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws := openphonetest.GenerateWorkspace(1, 20)
			ws.Contacts = openphonetest.GenerateContacts(ws, 1, tc.contacts)
			api, c := testkit.NewAPI(t, ws, client.WithRateLimit(1000))
			if tc.loading { // the second page never comes
				api.Inject(openphonetest.Fault{Path: "/v1/contacts", Delay: time.Millisecond}, openphonetest.Fault{Path: "/v1/contacts", Delay: time.Hour})
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			x := New(ctx, c, WithWait(10*time.Second))
			start := time.Now()
			x.now = func() time.Time { // each page takes a second, on this clock
				return start.Add(time.Duration(len(api.RequestsTo("/v1/contacts"))) * time.Second)
			}
			bounded, stop := context.WithTimeout(context.Background(), 5*time.Second)
			defer stop()
			v := x.View(bounded)
			if bounded.Err() != nil {
				t.Fatalf("the look-up waited for the build until its own end (%d of %d indexed)", v.Indexed(), tc.contacts)
			}
			if v.Loading != tc.loading || (!tc.loading && v.Indexed() != tc.contacts) {
				t.Errorf("loading %v with %d indexed; want loading %v", v.Loading, v.Indexed(), tc.loading)
			}
			cancel()
			x.built()
		})
	}
}

// TestASourceSparesTheRead: a build takes the contacts of its source when
// the source read them recently, and reads OpenPhone otherwise.
func TestASourceSparesTheRead(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	stored := []client.Contact{{ID: "stored1", DefaultFields: client.ContactFields{FirstName: new("Stored"),
		PhoneNumbers: []client.ContactValue{{Name: "mobile", Value: new("+1 (212) 555-0199")}}}}}
	for _, tt := range []struct {
		name     string
		readAt   time.Time
		err      error
		fromAPI  bool
		contacts int
	}{
		{"read a minute ago", now.Add(-time.Minute), nil, false, 1},
		{"read too long ago", now.Add(-time.Hour), nil, true, len(ws.Contacts)},
		{"never read whole", time.Time{}, nil, true, len(ws.Contacts)},
		{"the source fails", now, errors.New("disk gone"), true, len(ws.Contacts)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var asked int
			src := func(ctx context.Context, c *client.Client) ([]client.Contact, time.Time, error) {
				asked++
				return stored, tt.readAt, tt.err
			}
			x, api := newIndex(t, ws, WithSource(src, 20*time.Minute))
			x.now = func() time.Time { return now }
			x.View(context.Background())
			x.built()
			v := x.View(context.Background())
			if asked != 1 || v.Indexed() != tt.contacts {
				t.Errorf("source asked %d times, %d contacts indexed; want once, %d", asked, v.Indexed(), tt.contacts)
			}
			if read := len(api.RequestsTo("/v1/contacts")) > 0; read != tt.fromAPI {
				t.Errorf("read the contacts from OpenPhone: %v, want %v", read, tt.fromAPI)
			}
			if !tt.fromAPI && len(v.Of("+12125550199")) != 1 {
				t.Errorf("the stored contact's number is not indexed")
			}
		})
	}
}
