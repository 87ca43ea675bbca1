package store

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

func open(t testing.TB, opts ...Option) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state", FileName)
	st, err := OpenSQLite(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

// An opener opens a store of the test's own, and says where it is.
type opener func(t testing.TB, opts ...Option) (*Store, string)

// forEachEngine runs test on a SQLite store and on a PostgreSQL one (a
// schema of the test's own on OPENPHONE_TEST_POSTGRES_URL's server).
func forEachEngine(t *testing.T, test func(*testing.T, opener)) {
	t.Run("sqlite", func(t *testing.T) { test(t, open) })
	t.Run("postgres", func(t *testing.T) { test(t, openPostgresStore) })
}

func openPostgresStore(t testing.TB, opts ...Option) (*Store, string) {
	t.Helper()
	url := testkit.PostgresURL(t)
	st, err := OpenPostgres(t.Context(), url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, url
}

// workspace records a workspace of one line and one user, and returns its ID.
func workspace(t *testing.T, st *Store, lineID, userID string) string {
	t.Helper()
	ws, err := st.Workspace(context.Background(),
		[]client.PhoneNumber{{ID: lineID, Number: "+14155550100", Name: "Sales", Users: []client.PhoneNumberUser{{ID: userID}}}},
		[]client.User{{ID: userID, FirstName: "Avery"}})
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

var t0 = time.Date(2026, 11, 20, 17, 0, 0, 0, time.UTC)

func conversation(id, line string, at time.Time, participants ...string) client.Conversation {
	return client.Conversation{ID: id, PhoneNumberID: line, Participants: participants, LastActivityAt: &at, UpdatedAt: &at, CreatedAt: &at}
}

func message(id, conv, line, text string, at time.Time) client.Message {
	return client.Message{ID: id, ConversationID: &conv, PhoneNumberID: &line, Text: text, Direction: "incoming",
		From: "+14155550111", To: []string{"+14155550100"}, Status: "received", CreatedAt: at}
}

func TestOpenMakesPrivateFile(t *testing.T) {
	st, path := open(t)
	workspace(t, st, "PN1", "US1") // something in the write-ahead log
	for p, want := range map[string]os.FileMode{path: 0o600, path + "-wal": 0o600, filepath.Dir(path): 0o700} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", p, got, want)
		}
	}
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)

	// A store written when only the first migration existed ...
	old, err := openSQLite(path, sqliteMigrations[:1])
	if err != nil {
		t.Fatal(err)
	}
	ws := workspace(t, old, "PNold", "USold")
	if v, _ := old.SchemaVersion(ctx); v != 1 {
		t.Fatalf("old store at version %d, want 1", v)
	}
	old.Close()

	// ... opens in this one, migrated, with its rows.
	st, err := OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := st.SchemaVersion(ctx); v != len(sqliteMigrations) {
		t.Errorf("version %d after open, want %d", v, len(sqliteMigrations))
	}
	if ids, _ := st.Workspaces(ctx); !slices.Equal(ids, []string{ws}) {
		t.Errorf("workspaces %v after migrating, want [%s]", ids, ws)
	}
	// Reopening applies nothing twice.
	st.Close()
	if st, err = OpenSQLite(path); err != nil {
		t.Fatal(err)
	}

	// A store a newer binary wrote is refused, and says why.
	if _, err := st.db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	st.Close()
	_, err = OpenSQLite(path)
	var ve *VersionError
	if !errors.As(err, &ve) || ve.Store != 99 || ve.Binary != len(sqliteMigrations) {
		t.Fatalf("opening a newer store: %v, want a *VersionError 99 > %d", err, len(sqliteMigrations))
	}
	if !strings.Contains(err.Error(), "newer openphone-mcp") {
		t.Errorf("error %q does not say a newer openphone-mcp wrote it", err)
	}
}

func TestWorkspaceIdentity(t *testing.T) { forEachEngine(t, testWorkspaceIdentity) }

func testWorkspaceIdentity(t *testing.T, open opener) {
	ctx := context.Background()
	st, _ := open(t)
	a := workspace(t, st, "PNa1", "USa1")
	b := workspace(t, st, "PNb1", "USb1")
	if a == b {
		t.Fatalf("two workspaces share the ID %s", a)
	}
	// A line added later: the same workspace, known by the line it kept.
	again, err := st.Workspace(ctx, []client.PhoneNumber{{ID: "PNa2", Number: "+1"}, {ID: "PNa1", Number: "+2"}}, nil)
	if err != nil || again != a {
		t.Errorf("workspace with a line added: %q, %v; want %q", again, err, a)
	}
	// Lines of two workspaces at once are refused.
	if _, err := st.Workspace(ctx, []client.PhoneNumber{{ID: "PNa1"}, {ID: "PNb1"}}, nil); err == nil {
		t.Error("a read with the lines of two workspaces was taken")
	}
}

func TestSearch(t *testing.T) { forEachEngine(t, testSearch) }

func testSearch(t *testing.T, open opener) {
	ctx := context.Background()
	st, _ := open(t)
	ws := workspace(t, st, "PN1", "US1")
	other := workspace(t, st, "PN2", "US2")
	if err := st.PutConversations(ctx, ws, []client.Conversation{conversation("CN1", "PN1", t0, "+14155550111")}); err != nil {
		t.Fatal(err)
	}
	texts := []string{
		"Could you send invoice INV-2024-0042 again?",
		"Invoice INV-2024-00421 is paid",
		"José will bring the crème brûlée on Thursday",
		"the side gate is unlocked",
		"gate side, not unlocked",
	}
	var msgs []client.Message
	for i, text := range texts {
		msgs = append(msgs, message("AC"+string(rune('a'+i)), "CN1", "PN1", text, t0.Add(-time.Duration(i)*time.Minute)))
	}
	if err := st.PutMessages(ctx, ws, "CN1", msgs); err != nil {
		t.Fatal(err)
	}
	// The other workspace says the same words: never found from ws.
	if err := st.PutMessages(ctx, other, "CN9", []client.Message{message("ACz", "CN9", "PN2", texts[0], t0)}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutCalls(ctx, ws, "CN1", []client.Call{{ID: "ACcall", PhoneNumberID: "PN1", Direction: "incoming", Status: "missed",
		Participants: []string{"+14155550111"}, CreatedAt: t0}}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutCallTexts(ctx, ws, "ACcall", CallTexts{VoicemailStatus: TextDone, Voicemail: "Calling about invoice INV-2024-0042, charged twice"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query string
		kinds []string
		want  []string
	}{
		{"unlocked", nil, []string{"ACd", "ACe"}},
		{`"side gate"`, nil, []string{"ACd"}},
		{"gate side unlocked", nil, []string{"ACd", "ACe"}},
		{"jose creme brulee", nil, []string{"ACc"}},
		{"JOSÉ", nil, []string{"ACc"}},
		{"INV-2024-0042", nil, []string{"ACcall", "ACa"}},
		{"INV-2024-0042", []string{KindText}, []string{"ACa"}},
		{"2024", nil, nil},
		{"INV-2024-004", nil, nil},
		{"invoice", []string{KindVoicemail}, []string{"ACcall"}},
		{`NEAR(gate side) OR *`, nil, nil},
	} {
		hits, err := st.Search(ctx, SearchParams{Workspace: ws, Query: tc.query, Kinds: tc.kinds})
		if err != nil {
			t.Errorf("%q: %v", tc.query, err)
			continue
		}
		var got []string
		for _, h := range hits {
			got = append(got, h.RefID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q %v: found %v, want %v", tc.query, tc.kinds, got, tc.want)
		}
	}
	hits, _ := st.Search(ctx, SearchParams{Workspace: ws, Query: "brulee"})
	if len(hits) != 1 || hits[0].Body != texts[2] || hits[0].From != "+14155550111" || !slices.Equal(hits[0].Participants, []string{"+14155550111"}) {
		t.Errorf("hit %+v: want the whole text, its sender and the conversation's participants", hits)
	}
	if _, err := st.Search(ctx, SearchParams{Workspace: ws, Query: ` "" `}); !errors.Is(err, ErrEmptyQuery) {
		t.Errorf("empty query: %v", err)
	}
	// Deleting the conversation takes its texts out of the index.
	if err := st.DeleteConversation(ctx, ws, "CN1"); err != nil {
		t.Fatal(err)
	}
	if hits, _ := st.Search(ctx, SearchParams{Workspace: ws, Query: "invoice"}); len(hits) != 0 {
		t.Errorf("deleted conversation still found: %v", hits)
	}
	if hits, _ := st.Search(ctx, SearchParams{Workspace: other, Query: "invoice"}); len(hits) != 1 {
		t.Errorf("the other workspace's text: %v", hits)
	}
}

func TestLease(t *testing.T) { forEachEngine(t, testLease) }

func testLease(t *testing.T, open opener) {
	ctx := context.Background()
	now := t0
	st, _ := open(t, WithClock(func() time.Time { return now }))
	ws := workspace(t, st, "PN1", "US1")
	if _, ok, err := st.AcquireLease(ctx, ws, LeaseSync, "one", time.Minute); !ok || err != nil {
		t.Fatalf("first take: %v %v", ok, err)
	}
	if l, ok, _ := st.AcquireLease(ctx, ws, LeaseSync, "two", time.Minute); ok || l.Holder != "one" {
		t.Fatalf("second holder took a held lease: %+v", l)
	}
	now = now.Add(50 * time.Second)
	if _, ok, _ := st.AcquireLease(ctx, ws, LeaseSync, "one", time.Minute); !ok {
		t.Fatal("the holder could not renew")
	}
	now = now.Add(59 * time.Second)
	if _, ok, _ := st.AcquireLease(ctx, ws, LeaseSync, "two", time.Minute); ok {
		t.Fatal("taken before the renewed lease expired")
	}
	now = now.Add(time.Second)
	if l, ok, _ := st.AcquireLease(ctx, ws, LeaseSync, "two", time.Minute); !ok || l.Holder != "two" {
		t.Fatalf("expired lease not taken over: %+v", l)
	}
	if err := st.ReleaseLease(ctx, ws, LeaseSync, "one"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := st.AcquireLease(ctx, ws, LeaseSync, "one", time.Minute); ok {
		t.Fatal("a release by a former holder freed the lease")
	}
	// Another workspace's lease is its own.
	if _, ok, _ := st.AcquireLease(ctx, "wsother", LeaseSync, "one", time.Minute); !ok {
		t.Fatal("lease of another workspace refused")
	}
}

func TestRetentionAndDeletions(t *testing.T) { forEachEngine(t, testRetentionAndDeletions) }

func testRetentionAndDeletions(t *testing.T, open opener) {
	ctx := context.Background()
	st, _ := open(t)
	ws := workspace(t, st, "PN1", "US1")
	old, recent := t0.AddDate(0, 0, -100), t0.AddDate(0, 0, -2)
	if err := st.PutConversations(ctx, ws, []client.Conversation{
		conversation("CNold", "PN1", old, "+14155550111"),
		conversation("CNnew", "PN1", recent, "+14155550112"),
	}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []client.Message{
		message("ACold", "CNold", "PN1", "ancient", old),
		message("ACmid", "CNnew", "PN1", "older part of a live thread", old.Add(time.Hour)),
		message("ACnew", "CNnew", "PN1", "fresh", recent),
	} {
		if err := st.PutMessages(ctx, ws, *m.ConversationID, []client.Message{m}); err != nil {
			t.Fatal(err)
		}
	}
	contact := func(id, number string) client.Contact {
		return client.Contact{ID: id, DefaultFields: client.ContactFields{FirstName: new("Maria"),
			PhoneNumbers: []client.ContactValue{{Name: "mobile", Value: &number}}}, UpdatedAt: old}
	}
	if err := st.PutContacts(ctx, ws, []client.Contact{contact("c1", "(415) 555-0111"), contact("c2", "415.555.0112")}, 1); err != nil {
		t.Fatal(err)
	}

	p, err := st.Prune(ctx, ws, t0.AddDate(0, 0, -90))
	if err != nil {
		t.Fatal(err)
	}
	if p != (Pruned{Conversations: 1, Messages: 2}) {
		t.Errorf("pruned %+v, want 1 conversation and 2 messages", p)
	}
	status, _ := st.Status(ctx, ws)
	if c := status.Counts; c.Conversations != 1 || c.Messages != 1 || c.Contacts != 2 || c.Lines != 1 || c.Users != 1 {
		t.Errorf("after pruning: %+v", c)
	}
	if hits, _ := st.Search(ctx, SearchParams{Workspace: ws, Query: "ancient"}); len(hits) != 0 {
		t.Errorf("pruned text still found")
	}

	// Contacts: numbers normalized; a full read without c2 removes it.
	if ids, _ := st.ContactsByNumber(ctx, ws, "+14155550112"); !slices.Equal(ids, []string{"c2"}) {
		t.Errorf("contacts of +14155550112: %v", ids)
	}
	if err := st.PutContacts(ctx, ws, []client.Contact{contact("c1", "+1 415 555 0111")}, 2); err != nil {
		t.Fatal(err)
	}
	if n, err := st.DeleteContactsNotIn(ctx, ws, 2); n != 1 || err != nil {
		t.Errorf("deleted %d contacts (%v), want 1", n, err)
	}
	if ids, _ := st.ContactsByNumber(ctx, ws, "+14155550112"); len(ids) != 0 {
		t.Errorf("deleted contact's number still found: %v", ids)
	}

	// A conversation deleted in OpenPhone goes, with its activity.
	deleted := conversation("CNnew", "PN1", recent, "+14155550112")
	deleted.DeletedAt = &t0
	if err := st.PutConversations(ctx, ws, []client.Conversation{deleted}); err != nil {
		t.Fatal(err)
	}
	status, _ = st.Status(ctx, ws)
	if c := status.Counts; c.Conversations != 0 || c.Messages != 0 {
		t.Errorf("after deletion: %+v", c)
	}

	// Forget leaves nothing of the workspace.
	if err := st.Forget(ctx, ws); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Status(ctx, ws); !errors.Is(err, ErrNoWorkspace) {
		t.Errorf("status of a forgotten workspace: %v", err)
	}
	for _, table := range workspaceTables {
		var n int
		st.db.QueryRow(`SELECT COUNT(*) FROM `+table+` WHERE workspace_id = ?`, ws).Scan(&n)
		if n != 0 {
			t.Errorf("%d rows of %s left after Forget", n, table)
		}
	}
}

func TestCallTexts(t *testing.T) { forEachEngine(t, testCallTexts) }

func testCallTexts(t *testing.T, open opener) {
	ctx := context.Background()
	st, _ := open(t)
	ws := workspace(t, st, "PN1", "US1")
	answered := client.Call{ID: "ACans", PhoneNumberID: "PN1", Direction: "incoming", Status: "completed", Duration: 60,
		Participants: []string{"+14155550111"}, CreatedAt: t0, AnsweredAt: &t0}
	if err := st.PutCalls(ctx, ws, "CN1", []client.Call{answered}); err != nil {
		t.Fatal(err)
	}
	due, _ := st.CallsDue(ctx, ws, "", 10)
	if len(due) != 1 || due[0].Summary != TextPending || due[0].Voicemail != TextAbsent {
		t.Fatalf("due: %+v", due)
	}
	if err := st.PutCallTexts(ctx, ws, "ACans", CallTexts{SummaryStatus: TextProcessing, TranscriptStatus: TextAbsent}); err != nil {
		t.Fatal(err)
	}
	if due, _ := st.CallsDue(ctx, ws, "", 10); len(due) != 1 || due[0].Summary != TextProcessing {
		t.Fatalf("processing summary not due: %+v", due)
	}
	// Listed again, unchanged: its texts keep their states.
	if err := st.PutCalls(ctx, ws, "CN1", []client.Call{answered}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutCallTexts(ctx, ws, "ACans", CallTexts{SummaryStatus: TextDone, Summary: "Moved to Friday at 9:30"}); err != nil {
		t.Fatal(err)
	}
	if due, _ := st.CallsDue(ctx, ws, "", 10); len(due) != 0 {
		t.Errorf("still due: %+v", due)
	}
	calls, _ := st.Calls(ctx, ws, "CN1")
	if len(calls) != 1 || calls[0].Texts.Summary != "Moved to Friday at 9:30" || calls[0].Texts.TranscriptStatus != TextAbsent {
		t.Errorf("stored: %+v", calls)
	}
}

func TestOpenConcurrently(t *testing.T) {
	// Processes starting at once on a new file: one migrates, the others
	// wait and find it done.
	path := filepath.Join(t.TempDir(), FileName)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			st, err := OpenSQLite(path)
			if err == nil {
				_, err = st.Workspace(context.Background(), []client.PhoneNumber{{ID: "PN1"}}, nil)
				st.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	st, err := OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var applied int
	st.db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&applied)
	if ids, _ := st.Workspaces(context.Background()); applied != len(sqliteMigrations) || len(ids) != 1 {
		t.Errorf("%d migrations applied, workspaces %v; want each migration once, one workspace", applied, ids)
	}
}

func TestContactsReadBackWhole(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)

	// A store written before contacts were kept whole (migration 3) ...
	old, err := openSQLite(path, sqliteMigrations[:2])
	if err != nil {
		t.Fatal(err)
	}
	ws := workspace(t, old, "PN1", "US1")
	if _, err := old.db.Exec(`INSERT INTO contacts (workspace_id, id, first_name, seen) VALUES (?, 'c0', 'Old', 1)`, ws); err != nil {
		t.Fatal(err)
	}
	if err := old.SetSyncState(ctx, ws, SyncState{ContactsReadAt: &t0}); err != nil {
		t.Fatal(err)
	}
	old.Close()

	// ... holds no whole contact: the next sync reads them all again.
	st, err := OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if cs, at, err := st.Contacts(ctx, ws); cs != nil || at != nil || err != nil {
		t.Fatalf("contacts of a store migrated to whole records: %v at %v (%v), want none until they are read again", cs, at, err)
	}
	if state, _ := st.SyncState(ctx, ws); state.ContactsReadAt != nil {
		t.Errorf("after the migration, the contacts were read at %v, want never", state.ContactsReadAt)
	}

	// A full read keeps each contact as the API showed it.
	maria := client.Contact{ID: "c2", DefaultFields: client.ContactFields{FirstName: new("María"), LastName: new("López"), Company: new("Acme"),
		PhoneNumbers: []client.ContactValue{{Name: "mobile", Value: new("(415) 555-0111")}},
		Emails:       []client.ContactValue{{Name: "work", Value: new("maria@example.com")}}},
		CustomFields: []client.ContactCustom{{Name: "Tier", Key: "k1", Type: client.CustomString, Value: json.RawMessage(`"gold"`)}},
		UpdatedAt:    t0}
	ann := client.Contact{ID: "c1", DefaultFields: client.ContactFields{FirstName: new("Ann")}, UpdatedAt: t0}
	read := t0.Add(time.Hour)
	if err := st.PutContacts(ctx, ws, []client.Contact{maria, ann}, read.UnixMilli()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DeleteContactsNotIn(ctx, ws, read.UnixMilli()); err != nil {
		t.Fatal(err)
	}
	if err := st.SetSyncState(ctx, ws, SyncState{ContactsReadAt: &read}); err != nil {
		t.Fatal(err)
	}
	cs, at, err := st.Contacts(ctx, ws)
	if err != nil || at == nil || !at.Equal(read) {
		t.Fatalf("contacts read at %v (%v), want %v", at, err, read)
	}
	want, _ := json.Marshal([]client.Contact{ann, maria})
	if got, _ := json.Marshal(cs); string(got) != string(want) {
		t.Errorf("contacts read back:\n%s\nwant\n%s", got, want)
	}
	// Another workspace's contacts are not these.
	other := workspace(t, st, "PN2", "US2")
	if cs, _, _ := st.Contacts(ctx, other); len(cs) != 0 {
		t.Errorf("another workspace sees %d contacts", len(cs))
	}
}

// TestOlderReadsDoNotUndoNewer: a sync's read made before a webhook told
// of later changes does not undo them: a message's later status stays,
// and so does a conversation's later activity.
func TestOlderReadsDoNotUndoNewer(t *testing.T) { forEachEngine(t, testOlderReadsDoNotUndoNewer) }

func testOlderReadsDoNotUndoNewer(t *testing.T, open opener) {
	ctx := context.Background()
	st, _ := open(t)
	ws := workspace(t, st, "PN1", "US1")
	later := t0.Add(time.Minute)
	if err := st.PutConversations(ctx, ws, []client.Conversation{conversation("CN1", "PN1", later, "+14155550111")}); err != nil {
		t.Fatal(err)
	}
	delivered := message("AC1", "CN1", "PN1", "on its way", t0)
	delivered.Status, delivered.UpdatedAt = "delivered", &later
	if err := st.PutMessages(ctx, ws, "CN1", []client.Message{delivered}); err != nil {
		t.Fatal(err)
	}
	// The older read: the message still sent, the conversation as of t0.
	sent := message("AC1", "CN1", "PN1", "on its way", t0)
	sent.Status, sent.UpdatedAt = "sent", &t0
	if err := st.PutMessages(ctx, ws, "CN1", []client.Message{sent}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutConversations(ctx, ws, []client.Conversation{conversation("CN1", "PN1", t0, "+14155550111")}); err != nil {
		t.Fatal(err)
	}
	if msgs, err := st.Messages(ctx, ws, "CN1"); err != nil || len(msgs) != 1 || msgs[0].Status != "delivered" {
		t.Errorf("after an older read: %+v, %v; want the message still delivered", msgs, err)
	}
	convs, err := st.ActiveConversations(ctx, ActivityParams{Workspace: ws, Since: t0.Add(-time.Hour)})
	if err != nil || len(convs) != 1 || !convs[0].LastActivityAt.Equal(later) {
		t.Errorf("after an older read: %+v, %v; want the conversation's activity at %v", convs, err, later)
	}
	// A newer read is taken.
	newest := later.Add(time.Minute)
	if err := st.PutConversations(ctx, ws, []client.Conversation{conversation("CN1", "PN1", newest, "+14155550111")}); err != nil {
		t.Fatal(err)
	}
	if convs, _ := st.ActiveConversations(ctx, ActivityParams{Workspace: ws, Since: t0.Add(-time.Hour)}); len(convs) != 1 || !convs[0].LastActivityAt.Equal(newest) {
		t.Errorf("after a newer read: %+v", convs)
	}
}
