package webhook

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
	"github.com/openphone-mcp/openphone-mcp/store"
)

var (
	now    = time.Date(2026, 11, 20, 17, 0, 0, 0, time.UTC)
	key1   = []byte("the first signing key, 32 bytes!")
	key2   = []byte("the second signing key, rotated.")
	ctx    = context.Background()
	lineID = "PNsales"
)

const ourNumber, theirNumber = "+14155550100", "+14155550111"

// counted records what a Handler told its Metrics.
type counted struct {
	mu       sync.Mutex
	events   map[string]int // "type outcome"
	refusals map[string]int
}

func (c *counted) WebhookEvent(eventType, outcome string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events[eventType+" "+outcome]++
}

func (c *counted) WebhookSignatureFailure(reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refusals[reason]++
}

func (c *counted) event(eventType, outcome string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.events[eventType+" "+outcome]
}

func (c *counted) refused(reason string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.refusals[reason]
}

// fixture is a store holding one workspace of one line, and a Handler on
// it.
type fixture struct {
	st      *store.Store
	path    string
	ws      string
	h       *Handler
	metrics *counted
	log     *testkit.LockedBuffer
	clock   time.Time // the handlers' (now unless a test moves it)
}

// newFixture is a fixture on a SQLite store.
func newFixture(t *testing.T, keys ...[]byte) *fixture {
	t.Helper()
	return newFixtureAt(t, filepath.Join(t.TempDir(), store.FileName), keys...)
}

// newPostgresFixture is a fixture on a PostgreSQL store.
func newPostgresFixture(t *testing.T, keys ...[]byte) *fixture {
	t.Helper()
	return newFixtureAt(t, testkit.PostgresURL(t), keys...)
}

// forEachEngine runs test with fixtures on each engine's store.
func forEachEngine(t *testing.T, test func(*testing.T, func(*testing.T, ...[]byte) *fixture)) {
	t.Run("sqlite", func(t *testing.T) { test(t, newFixture) })
	t.Run("postgres", func(t *testing.T) { test(t, newPostgresFixture) })
}

func newFixtureAt(t *testing.T, path string, keys ...[]byte) *fixture {
	t.Helper()
	f := &fixture{clock: now}
	st, err := store.Open(ctx, path, store.WithClock(func() time.Time { return f.clock }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ws, err := st.Workspace(ctx, []client.PhoneNumber{{ID: lineID, Number: ourNumber, Name: "Sales"}}, []client.User{{ID: "US1"}})
	if err != nil {
		t.Fatal(err)
	}
	read := now.Add(-time.Hour)
	if err := st.SetSyncState(ctx, ws, store.SyncState{ContactsReadAt: &read, BackfillStartedAt: &read, CoveredSince: &read}); err != nil {
		t.Fatal(err)
	}
	f.st, f.path, f.ws = st, path, ws
	f.metrics, f.log = &counted{events: map[string]int{}, refusals: map[string]int{}}, &testkit.LockedBuffer{}
	f.h = f.handler(st, keys...)
	return f
}

func (f *fixture) handler(st *store.Store, keys ...[]byte) *Handler {
	if len(keys) == 0 {
		keys = [][]byte{key1}
	}
	return NewHandler(Config{Store: st, Keys: keys, Metrics: f.metrics, Now: func() time.Time { return f.clock },
		Logger: slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug}))})
}

// post delivers body to h signed with sig ("" for no header).
func post(h http.Handler, body, sig string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/openphone", strings.NewReader(body))
	if sig != "" {
		r.Header.Set(SignatureHeader, sig)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// deliver posts body signed with key1 now, and wants status.
func (f *fixture) deliver(t *testing.T, body string, status int) {
	t.Helper()
	if w := post(f.h, body, Sign(key1, now, []byte(body))); w.Code != status {
		t.Fatalf("delivery answered %d %q, want %d", w.Code, w.Body.String(), status)
	}
}

// messageEvent is a delivery of a message in conversation conv.
func messageEvent(id, typ, msgID, conv, text string, at time.Time) string {
	return fmt.Sprintf(`{"id":%q,"object":"event","createdAt":%q,"apiVersion":"v3","type":%q,"data":{"object":{"id":%q,"object":"message",
		"from":%q,"to":[%q],"direction":"incoming","body":%q,"status":"received","createdAt":%q,"phoneNumberId":%q,"conversationId":%q}}}`,
		id, at.Format(time.RFC3339), typ, msgID, theirNumber, ourNumber, text, at.Format(time.RFC3339Nano), lineID, conv)
}

func (f *fixture) messages(t *testing.T, conv string) []client.Message {
	t.Helper()
	msgs, err := f.st.Messages(ctx, f.ws, conv)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func TestSignature(t *testing.T) {
	body := messageEvent("EV1", MessageReceived, "AC1", "CN1", "hello", now.Add(-time.Minute))
	good := Sign(key1, now, []byte(body))
	for _, tc := range []struct {
		name   string
		sig    string
		status int
		reason string // the refusal counted, "" for none
	}{
		{"good", good, http.StatusOK, ""},
		{"rotated key", Sign(key2, now, []byte(body)), http.StatusOK, ""},
		{"missing", "", http.StatusUnauthorized, SignatureMissing},
		{"another key", Sign([]byte("not a key of ours"), now, []byte(body)), http.StatusUnauthorized, SignatureBad},
		{"another body", Sign(key1, now, []byte(body+" ")), http.StatusUnauthorized, SignatureBad},
		{"the MCP token", "Bearer s3cret-token", http.StatusUnauthorized, SignatureBad},
		{"malformed", "hmac;2;" + fmt.Sprint(now.UnixMilli()) + ";AAAA", http.StatusUnauthorized, SignatureBad},
		{"digest not base64", "hmac;1;" + fmt.Sprint(now.UnixMilli()) + ";%%%", http.StatusUnauthorized, SignatureBad},
		{"another timestamp", strings.Replace(good, fmt.Sprint(now.UnixMilli()), fmt.Sprint(now.UnixMilli()+1), 1), http.StatusUnauthorized, SignatureBad},
		{"stale", Sign(key1, now.Add(-MaxAge-time.Second), []byte(body)), http.StatusUnauthorized, SignatureStale},
		{"from the future", Sign(key1, now.Add(MaxAge+time.Second), []byte(body)), http.StatusUnauthorized, SignatureStale},
		{"old but within the bound", Sign(key1, now.Add(-MaxAge+time.Second), []byte(body)), http.StatusOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, key1, key2)
			w := post(f.h, body, tc.sig)
			if w.Code != tc.status {
				t.Fatalf("answered %d %q, want %d", w.Code, w.Body.String(), tc.status)
			}
			stored := len(f.messages(t, "CN1"))
			if tc.reason != "" {
				if stored != 0 {
					t.Errorf("a refused delivery stored %d messages", stored)
				}
				if f.metrics.refused(tc.reason) != 1 {
					t.Errorf("refusals %v, want one %s", f.metrics.refusals, tc.reason)
				}
				if n := f.metrics.event(MessageReceived, Applied); n != 0 {
					t.Errorf("a refused delivery counted as applied")
				}
				if !strings.Contains(f.log.String(), "reason="+tc.reason) {
					t.Errorf("the log does not say why: %s", f.log.String())
				}
				return
			}
			if stored != 1 || f.metrics.event(MessageReceived, Applied) != 1 {
				t.Errorf("stored %d messages, metrics %v; want the message applied once", stored, f.metrics.events)
			}
		})
	}
}

func TestReplayIsAppliedOnce(t *testing.T) { forEachEngine(t, testReplayIsAppliedOnce) }

func testReplayIsAppliedOnce(t *testing.T, newFixture func(*testing.T, ...[]byte) *fixture) {
	f := newFixture(t)
	body := messageEvent("EV1", MessageReceived, "AC1", "CN1", "hello", now.Add(-time.Minute))
	sig := Sign(key1, now, []byte(body))
	for range 3 {
		if w := post(f.h, body, sig); w.Code != http.StatusOK {
			t.Fatalf("answered %d", w.Code)
		}
	}
	if got := f.messages(t, "CN1"); len(got) != 1 || got[0].Text != "hello" {
		t.Fatalf("stored %+v, want the one message", got)
	}
	if a, d := f.metrics.event(MessageReceived, Applied), f.metrics.event(MessageReceived, Duplicate); a != 1 || d != 2 {
		t.Errorf("applied %d, duplicate %d; want 1 and 2", a, d)
	}
	// A later change to the same message, as another event, is applied.
	f.deliver(t, strings.Replace(messageEvent("EV2", MessageDelivered, "AC1", "CN1", "", now.Add(-time.Minute)), `"received"`, `"delivered"`, 1), http.StatusOK)
	if got := f.messages(t, "CN1"); len(got) != 1 || got[0].Status != "delivered" || got[0].Text != "hello" {
		t.Errorf("after the delivery: %+v, want status delivered and the text kept", got)
	}
}

// TestTwoReplicas: one event delivered to two processes' handlers on one
// store (a SQLite file, a PostgreSQL database), at once, is applied once.
func TestTwoReplicas(t *testing.T) { forEachEngine(t, testTwoReplicas) }

func testTwoReplicas(t *testing.T, newFixture func(*testing.T, ...[]byte) *fixture) {
	f := newFixture(t)
	other, err := store.Open(ctx, f.path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	replicas := []*Handler{f.h, f.handler(other)}
	for i := range 10 {
		body := messageEvent(fmt.Sprintf("EV%d", i), MessageReceived, fmt.Sprintf("AC%d", i), "CN1", "hello", now.Add(-time.Minute))
		sig := Sign(key1, now, []byte(body))
		var wg sync.WaitGroup
		for _, h := range replicas {
			wg.Go(func() {
				if w := post(h, body, sig); w.Code != http.StatusOK {
					t.Errorf("answered %d %q", w.Code, w.Body.String())
				}
			})
		}
		wg.Wait()
	}
	if got := f.messages(t, "CN1"); len(got) != 10 {
		t.Errorf("stored %d messages, want 10", len(got))
	}
	if a, d := f.metrics.event(MessageReceived, Applied), f.metrics.event(MessageReceived, Duplicate); a != 10 || d != 10 {
		t.Errorf("applied %d, duplicate %d; want each event applied once", a, d)
	}
}

func TestLenientShapes(t *testing.T) {
	at := now.Add(-time.Minute).Format(time.RFC3339)
	for _, tc := range []struct {
		name, object string
		text         string
		to           []string
	}{
		{"to as a string, text in body", `"to":"` + ourNumber + `","body":"in body"`, "in body", []string{ourNumber}},
		{"to as a list, text in text", `"to":["` + ourNumber + `"],"text":"in text"`, "in text", []string{ourNumber}},
		{"both, text wins", `"to":["` + ourNumber + `"],"text":"in text","body":"in body"`, "in text", []string{ourNumber}},
		{"unknown fields", `"to":"` + ourNumber + `","body":"hi","media":[{"url":"x"}],"nested":{"a":[1,2]},"userId":null`, "hi", []string{ourNumber}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, version := range []string{`"v1"`, `"2026-03-30"`, `3`, `null`} {
				f := newFixture(t)
				body := `{"id":"EV1","object":"event","apiVersion":` + version + `,"createdAt":"` + at + `","type":"message.received","extra":true,
					"data":{"object":{"id":"AC1","from":"` + theirNumber + `",` + tc.object + `,"direction":"incoming","status":"received",
					"createdAt":"` + at + `","phoneNumberId":"` + lineID + `","conversationId":"CN1"},"deliveredAt":"now"}}`
				f.deliver(t, body, http.StatusOK)
				got := f.messages(t, "CN1")
				if len(got) != 1 || got[0].Text != tc.text || strings.Join(got[0].To, ",") != strings.Join(tc.to, ",") {
					t.Errorf("apiVersion %s: stored %+v, want text %q to %v", version, got, tc.text, tc.to)
				}
			}
		})
	}
}

func TestUnknownTypeIsLoggedOnce(t *testing.T) {
	f := newFixture(t)
	for i := range 3 {
		f.deliver(t, fmt.Sprintf(`{"id":"EV%d","object":"event","type":"call.ringing","data":{"object":{"id":"AC1"}}}`, i), http.StatusOK)
	}
	f.deliver(t, `{"id":"EV9","object":"event","type":"task.created","data":{"object":{}}}`, http.StatusOK)
	log := f.log.String()
	if n := strings.Count(log, "type=call.ringing"); n != 1 {
		t.Errorf("call.ringing logged %d times, want once:\n%s", n, log)
	}
	if n := strings.Count(log, "type=task.created"); n != 1 {
		t.Errorf("task.created logged %d times, want once", n)
	}
	if n := f.metrics.event("other", Ignored); n != 4 {
		t.Errorf("ignored %d, want 4 (type other): %v", n, f.metrics.events)
	}
}

func TestRefusals(t *testing.T) {
	f := newFixture(t)
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/webhooks/openphone", nil))
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != http.MethodPost {
		t.Errorf("GET answered %d (Allow %q), want 405", w.Code, w.Header().Get("Allow"))
	}
	big := messageEvent("EV1", MessageReceived, "AC1", "CN1", strings.Repeat("x", MaxBodyBytes), now)
	if w := post(f.h, big, Sign(key1, now, []byte(big))); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over the bound answered %d, want 413", w.Code)
	}
	// A long transcript within the bound is taken.
	long := fmt.Sprintf(`{"id":"EV2","type":"call.transcript.completed","data":{"object":{"callId":"AC1","dialogue":[%s{"content":"end"}]}}}`,
		strings.Repeat(`{"content":"a sentence of the call, said by one of its two people","start":1.5,"end":3.25,"identifier":"+14155550111"},`, 10000))
	if len(long) > MaxBodyBytes {
		t.Fatalf("the long transcript is %d bytes", len(long))
	}
	f.deliver(t, long, http.StatusOK) // skipped: no such call
	if f.metrics.event(CallTranscriptCompleted, Skipped) != 1 {
		t.Errorf("metrics %v, want the transcript skipped", f.metrics.events)
	}
	f.deliver(t, `{"not":"an event"}`, http.StatusBadRequest)
	f.deliver(t, `{"id":"EV3","type":"message.received","data":{"object":{"id":"AC1"}}}`, http.StatusBadRequest)
	if f.metrics.event("other", Invalid) != 1 || f.metrics.event(MessageReceived, Invalid) != 1 {
		t.Errorf("metrics %v, want two invalid", f.metrics.events)
	}
}

// TestNewConversationIsVisible: a message of a conversation the store does
// not hold is visible to the reads of the tools (recent_activity,
// search_messages) once answered; the conversation's activity only moves
// forward, and its ReadThrough, the sync's mark, is not set.
func TestNewConversationIsVisible(t *testing.T) { forEachEngine(t, testNewConversationIsVisible) }

func testNewConversationIsVisible(t *testing.T, newFixture func(*testing.T, ...[]byte) *fixture) {
	f := newFixture(t)
	at := now.Add(-time.Minute)
	f.deliver(t, messageEvent("EV1", MessageReceived, "AC1", "CN9", "invoice INV-2041 is late", at), http.StatusOK)

	convs, err := f.st.ActiveConversations(ctx, store.ActivityParams{Workspace: f.ws, Since: now.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(convs) != 1 || convs[0].ID != "CN9" || convs[0].PhoneNumberID != lineID || strings.Join(convs[0].Participants, ",") != theirNumber ||
		!convs[0].LastActivityAt.Equal(at) || *convs[0].LastActivityID != "AC1" {
		t.Fatalf("active conversations %+v, want CN9 with %s, active at %v", convs, theirNumber, at)
	}
	hits, err := f.st.Search(ctx, store.SearchParams{Workspace: f.ws, Query: "INV-2041"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].RefID != "AC1" || hits[0].ConversationID != "CN9" || strings.Join(hits[0].Participants, ",") != theirNumber {
		t.Fatalf("search found %+v, want AC1 of CN9", hits)
	}
	// An older message (a late delivery) does not move the activity back.
	f.deliver(t, messageEvent("EV2", MessageReceived, "AC0", "CN9", "earlier", at.Add(-time.Hour)), http.StatusOK)
	// A message that names no conversation is filed under the one of its
	// line and participants.
	f.deliver(t, strings.Replace(messageEvent("EV3", MessageReceived, "AC2", "", "later", at.Add(time.Second)), `,"conversationId":""`, "", 1), http.StatusOK)
	convs, _ = f.st.ActiveConversations(ctx, store.ActivityParams{Workspace: f.ws, Since: now.Add(-2 * time.Hour)})
	if len(convs) != 1 || *convs[0].LastActivityID != "AC2" || !convs[0].LastActivityAt.Equal(at.Add(time.Second)) {
		t.Errorf("after two more: %+v, want CN9 last active with AC2", convs)
	}
	if got := f.messages(t, "CN9"); len(got) != 3 {
		t.Errorf("CN9 holds %d messages, want 3", len(got))
	}
	if through, err := f.st.ReadThrough(ctx, f.ws, "CN9"); err != nil || through != nil {
		t.Errorf("ReadThrough %v, %v: a webhook set the sync's mark", through, err)
	}
	// With no conversation named and none that fits, it is left to the sync.
	f.deliver(t, strings.Replace(strings.Replace(messageEvent("EV4", MessageReceived, "AC3", "", "hi", at), `,"conversationId":""`, "", 1),
		theirNumber, "+14155550199", 1), http.StatusOK)
	if f.metrics.event(MessageReceived, Skipped) != 1 {
		t.Errorf("metrics %v, want one skipped", f.metrics.events)
	}
}

// TestUnknownWorkspaceIsLeftToTheSync: an event of a line the store does
// not know is answered 200 and not recorded: delivered again once the
// sync has recorded the line, it is applied.
func TestUnknownWorkspaceIsLeftToTheSync(t *testing.T) {
	f := newFixture(t)
	body := strings.ReplaceAll(messageEvent("EV1", MessageReceived, "AC1", "CN1", "hi", now), lineID, "PNnew")
	f.deliver(t, body, http.StatusOK)
	if f.metrics.event(MessageReceived, Skipped) != 1 || !strings.Contains(f.log.String(), "left to the sync") {
		t.Fatalf("metrics %v, log %s; want it skipped and logged", f.metrics.events, f.log.String())
	}
	if _, err := f.st.Workspace(ctx, []client.PhoneNumber{{ID: lineID, Number: ourNumber}, {ID: "PNnew", Number: "+14155550102"}}, nil); err != nil {
		t.Fatal(err)
	}
	f.deliver(t, body, http.StatusOK)
	if f.metrics.event(MessageReceived, Applied) != 1 || len(f.messages(t, "CN1")) != 1 {
		t.Errorf("metrics %v, want it applied the second time", f.metrics.events)
	}
	if strings.Contains(f.log.String(), "hi\"") || strings.Contains(f.log.String(), theirNumber) {
		t.Errorf("the log holds a text or a number: %s", f.log.String())
	}
}

func TestCallAndItsTexts(t *testing.T) { forEachEngine(t, testCallAndItsTexts) }

func testCallAndItsTexts(t *testing.T, newFixture func(*testing.T, ...[]byte) *fixture) {
	f := newFixture(t)
	at := now.Add(-10 * time.Minute)
	call := fmt.Sprintf(`{"id":"EV1","object":"event","type":"call.completed","data":{"object":{"id":"ACcall","object":"call","direction":"incoming",
		"status":"completed","participants":[%q],"phoneNumberId":%q,"conversationId":"CN5","createdAt":%q,"answeredAt":%q,"completedAt":%q,"duration":120,"media":[]}}}`,
		theirNumber, lineID, at.Format(time.RFC3339), at.Add(5*time.Second).Format(time.RFC3339), at.Add(2*time.Minute).Format(time.RFC3339))
	f.deliver(t, call, http.StatusOK)
	f.deliver(t, strings.Replace(strings.Replace(call, "EV1", "EV2", 1), "call.completed", "call.recording.completed", 1), http.StatusOK)
	f.deliver(t, `{"id":"EV3","type":"call.summary.completed","data":{"object":{"callId":"ACcall","status":"completed",
		"summary":["Asked about the invoice","Agreed to pay Friday"],"nextSteps":["Send the receipt"]}}}`, http.StatusOK)
	f.deliver(t, `{"id":"EV4","type":"call.transcript.completed","data":{"object":{"callId":"ACcall","status":"completed",
		"dialogue":[{"content":"Hello?","start":0,"end":1,"identifier":"+14155550111"},{"content":"Hi, about the invoice.","start":1,"end":3,"userId":"US1"}]}}}`, http.StatusOK)
	calls, err := f.st.Calls(ctx, f.ws, "CN5")
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || calls[0].Duration != 120 || calls[0].Status != "completed" {
		t.Fatalf("calls %+v, want the completed call", calls)
	}
	want := store.CallTexts{SummaryStatus: store.TextDone,
		Summary:          store.SummaryText(client.CallSummary{Summary: []string{"Asked about the invoice", "Agreed to pay Friday"}, NextSteps: []string{"Send the receipt"}}),
		TranscriptStatus: store.TextDone, Transcript: "Hello?\nHi, about the invoice.", VoicemailStatus: store.TextAbsent}
	if got := calls[0].Texts; got != want {
		t.Errorf("texts %+v, want %+v", got, want)
	}
	if !strings.Contains(want.Summary, "Next steps:\nSend the receipt") {
		t.Errorf("summary %q, rendered unlike the sync's", want.Summary)
	}
	if due, _ := f.st.CallsDue(ctx, f.ws, "", 10); len(due) != 0 {
		t.Errorf("calls due %+v: the sync would read again what the webhooks gave", due)
	}
	if hits, _ := f.st.Search(ctx, store.SearchParams{Workspace: f.ws, Query: "Friday"}); len(hits) != 1 || hits[0].Kind != store.KindSummary {
		t.Errorf("search found %+v, want the summary", hits)
	}
	if f.metrics.event(CallCompleted, Applied) != 1 || f.metrics.event(CallRecordingCompleted, Applied) != 1 ||
		f.metrics.event(CallSummaryCompleted, Applied) != 1 || f.metrics.event(CallTranscriptCompleted, Applied) != 1 {
		t.Errorf("metrics %v", f.metrics.events)
	}
}

func TestContacts(t *testing.T) { forEachEngine(t, testContacts) }

func testContacts(t *testing.T, newFixture func(*testing.T, ...[]byte) *fixture) {
	f := newFixture(t)
	contact := func(ev, typ, first string, updated time.Time) string {
		return fmt.Sprintf(`{"id":%q,"type":%q,"data":{"object":{"id":"c1","defaultFields":{"firstName":%q,"phoneNumbers":[{"name":"mobile","value":"(415) 555-0111"}]},
			"customFields":[],"createdAt":"2026-01-01T00:00:00Z","updatedAt":%q,"createdByUserId":"US1"}}}`, ev, typ, first, updated.Format(time.RFC3339))
	}
	names := func() []string {
		t.Helper()
		cs, _, err := f.st.Contacts(ctx, f.ws)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range cs {
			out = append(out, c.ID+":"+*c.DefaultFields.FirstName)
		}
		return out
	}
	f.deliver(t, contact("EV1", ContactUpdated, "Ana", now.Add(-time.Minute)), http.StatusOK)
	if got := names(); strings.Join(got, ",") != "c1:Ana" {
		t.Fatalf("contacts %v, want c1:Ana", got)
	}
	if ids, _ := f.st.ContactsByNumber(ctx, f.ws, theirNumber); len(ids) != 1 {
		t.Errorf("the contact's number is not indexed: %v", ids)
	}
	f.deliver(t, contact("EV2", ContactUpdated, "Anna", now), http.StatusOK)
	f.deliver(t, contact("EV3", ContactUpdated, "Old", now.Add(-time.Hour)), http.StatusOK) // late: a newer version is held
	if got := names(); strings.Join(got, ",") != "c1:Anna" {
		t.Errorf("contacts %v, want c1:Anna", got)
	}
	f.deliver(t, `{"id":"EV4","type":"contact.deleted","data":{"object":{"id":"c1"}}}`, http.StatusOK)
	if got := names(); len(got) != 0 {
		t.Errorf("contacts %v after contact.deleted, want none", got)
	}
	// A store of two workspaces cannot tell whose new contact it is.
	if _, err := f.st.Workspace(ctx, []client.PhoneNumber{{ID: "PNother", Number: "+14155550199"}}, nil); err != nil {
		t.Fatal(err)
	}
	f.deliver(t, contact("EV5", ContactUpdated, "Bo", now), http.StatusOK)
	if got := names(); len(got) != 0 || f.metrics.event(ContactUpdated, Skipped) != 1 {
		t.Errorf("contacts %v, metrics %v: want it skipped", got, f.metrics.events)
	}
}

func TestParseKeys(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		fail bool
	}{
		{"c2VjcmV0", 1, false},
		{" c2VjcmV0 , b3RoZXI= ,", 2, false},
		{"c2VjcmV0,not base64!", 0, true},
		{"", 0, true},
		{" , ", 0, true},
	} {
		keys, err := ParseKeys(tc.in)
		if (err != nil) != tc.fail || len(keys) != tc.n {
			t.Errorf("ParseKeys(%q) = %d keys, %v", tc.in, len(keys), err)
		}
		if err != nil && strings.Contains(err.Error(), "base64!") {
			t.Errorf("the error echoes the key: %v", err)
		}
	}
}

// TestEventIDsArePruned: an event's ID is kept for EventsKept, then
// forgotten (pruned as later events are applied).
func TestEventIDsArePruned(t *testing.T) {
	f := newFixture(t)
	first := messageEvent("EV1", MessageReceived, "AC1", "CN1", "hello", now)
	f.deliver(t, first, http.StatusOK)
	f.clock = now.Add(EventsKept + time.Minute)
	later := messageEvent("EV2", MessageReceived, "AC2", "CN1", "later", f.clock)
	if w := post(f.h, later, Sign(key1, f.clock, []byte(later))); w.Code != http.StatusOK {
		t.Fatalf("answered %d", w.Code)
	}
	if w := post(f.h, first, Sign(key1, f.clock, []byte(first))); w.Code != http.StatusOK {
		t.Fatalf("answered %d", w.Code)
	}
	if n := f.metrics.event(MessageReceived, Applied); n != 3 {
		t.Errorf("applied %d, want 3: EV1 again once its ID was pruned", n)
	}
}

// TestBusy: beyond MaxInFlight deliveries being read, one waits a moment
// for a place, then is answered 503, for OpenPhone to deliver again.
func TestBusy(t *testing.T) {
	f := newFixture(t)
	for range MaxInFlight {
		f.h.inFlight <- struct{}{}
	}
	body := messageEvent("EV1", MessageReceived, "AC1", "CN1", "hello", now)
	if w := post(f.h, body, Sign(key1, now, []byte(body))); w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Errorf("answered %d, want 503 with Retry-After", w.Code)
	}
	<-f.h.inFlight
	f.deliver(t, body, http.StatusOK)
}

// TestSlowBodiesOfBadHeadersTakeNoPlace: requests whose signature header
// is of another shape or time are refused before their bodies are read,
// however many stall: a signed delivery still gets through.
func TestSlowBodiesOfBadHeadersTakeNoPlace(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(f.h)
	defer srv.Close()
	for i := range 2 * MaxInFlight {
		header := "x"
		if i%2 == 1 { // the right shape, an hour old
			header = Sign(key1, now.Add(-time.Hour), []byte("{}"))
		}
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\n%s: %s\r\nContent-Length: 1000000\r\n\r\n{", SignatureHeader, header)
		status, _ := bufio.NewReader(conn).ReadString('\n')
		if !strings.Contains(status, "401") {
			t.Fatalf("a stalled request with header %q: %q, want 401 before its body", header, status)
		}
	}
	body := messageEvent("EV1", MessageReceived, "AC1", "CN1", "hello", now)
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
	req.Header.Set(SignatureHeader, Sign(key1, now, []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("a signed delivery among stalled ones: %d", resp.StatusCode)
	}
}

// TestOnlyTheServersWorkspace: with Config.Workspace, a delivery changes
// the server's own workspace alone: one naming another workspace's line or
// contact is skipped, and so is every one before the server knows its own.
func TestOnlyTheServersWorkspace(t *testing.T) {
	f := newFixture(t)
	other, err := f.st.Workspace(ctx, []client.PhoneNumber{{ID: "PNother", Number: "+12125550100"}}, []client.User{{ID: "USother"}})
	if err != nil {
		t.Fatal(err)
	}
	mine := ""
	h := NewHandler(Config{Store: f.st, Keys: [][]byte{key1}, Metrics: f.metrics, Now: func() time.Time { return f.clock },
		Workspace: func() string { return mine }})
	deliver := func(body string) {
		t.Helper()
		if w := post(h, body, Sign(key1, now, []byte(body))); w.Code != http.StatusOK {
			t.Fatalf("answered %d", w.Code)
		}
	}
	ours := messageEvent("EV1", MessageReceived, "AC1", "CN1", "hello", now.Add(-time.Minute))
	deliver(ours) // the server's workspace not known yet
	theirs := strings.ReplaceAll(messageEvent("EV2", MessageReceived, "AC2", "CN2", "hello", now.Add(-time.Minute)), lineID, "PNother")
	mine = f.ws
	deliver(theirs)
	contact := `{"id":"EV3","object":"event","type":"contact.updated","data":{"object":{"id":"CTnew","defaultFields":{"firstName":"Ada"}}}}`
	if got := f.metrics.event(MessageReceived, Skipped); got != 2 {
		t.Errorf("skipped %d messages, want 2 (before the workspace was known; another workspace's)", got)
	}
	deliver(ours) // its ID was not recorded: applied now
	deliver(contact)
	if got := f.metrics.event(MessageReceived, Applied) + f.metrics.event(ContactUpdated, Applied); got != 2 {
		t.Errorf("applied %d, want the server's message and the new contact", got)
	}
	if msgs, _ := f.st.Messages(ctx, other, "CN2"); len(msgs) != 0 {
		t.Errorf("another workspace got %v", msgs)
	}
	if cs, _, _ := f.st.Contacts(ctx, f.ws); len(cs) != 1 {
		t.Errorf("the server's workspace holds %d contacts, want the new one", len(cs))
	}
}
