package tools

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// demoThread is the demo conversation with "Quick Print Co", whose
// messages include the hostile and long texts.
func demoThread(t *testing.T, ws openphonetest.Workspace) client.Conversation {
	t.Helper()
	for _, c := range ws.Conversations {
		if c.Name != nil && *c.Name == "Quick Print Co" {
			return c
		}
	}
	t.Fatal("the demo has no Quick Print Co")
	return client.Conversation{}
}

// demoCall returns the first demo call whose summary has status (or none,
// for ""), and the call's conversation number.
func demoCall(t *testing.T, ws openphonetest.Workspace, status string) client.Call {
	t.Helper()
	for _, c := range ws.Calls {
		if s, ok := ws.Summaries[c.ID]; ok && s.Status == status || !ok && status == "" {
			return c
		}
	}
	t.Fatalf("no demo call with a %q summary", status)
	return client.Call{}
}

func TestThreadToolsGolden(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	f := newFixture(t, ws)
	quick := demoThread(t, ws)
	completed, inProgress, absent, missed := demoCall(t, ws, "completed"), demoCall(t, ws, "in-progress"), demoCall(t, ws, "absent"), demoCall(t, ws, "")
	for _, tt := range []struct {
		golden, tool string
		args         map[string]any
	}{
		{"messages_quick_print.txt", "list_messages", map[string]any{"phoneNumberId": quick.PhoneNumberID, "participants": quick.Participants, "maxResults": 20}},
		{"messages_paged.txt", "list_messages", map[string]any{"phoneNumberId": "support", "participants": quick.Participants, "maxResults": 3}},
		{"messages_none.txt", "list_messages", map[string]any{"phoneNumberId": quick.PhoneNumberID, "participants": []any{"+13125550198", "(312) 555-0199"}}},
		{"calls.txt", "list_calls", map[string]any{"phoneNumberId": completed.PhoneNumberID, "participants": completed.Participants}},
		{"call_completed.txt", "get_call", map[string]any{"callId": completed.ID}},
		{"call_in_progress.txt", "get_call", map[string]any{"callId": inProgress.ID}},
		{"call_absent.txt", "get_call", map[string]any{"callId": absent.ID}},
		{"call_missed.txt", "get_call", map[string]any{"callId": missed.ID}},
		{"call_is_a_message.txt", "get_call", map[string]any{"callId": *quick.LastActivityID}},
		{"call_voicemail_hostile.txt", "get_call", map[string]any{"callId": voicemailCall(t, ws, func(v client.CallVoicemail) bool {
			return v.Transcript != nil && *v.Transcript == openphonetest.HostileVoicemail
		})}},
		{"call_missed_no_voicemail.txt", "get_call", map[string]any{"callId": missedWithoutVoicemail(t, ws)}},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			res := call(t, f.server, tt.tool, tt.args)
			if res.IsError != (tt.golden == "call_is_a_message.txt") {
				t.Fatalf("isError %v: %s", res.IsError, text(res))
			}
			golden(t, tt.golden, []byte(text(res)+"\n"))
		})
	}
}

// voicemailCall returns the ID of the first demo call whose voicemail is.
func voicemailCall(t *testing.T, ws openphonetest.Workspace, is func(client.CallVoicemail) bool) string {
	t.Helper()
	for _, c := range ws.Calls {
		if v, ok := ws.Voicemails[c.ID]; ok && is(v) {
			return c.ID
		}
	}
	t.Fatal("no such demo voicemail")
	return ""
}

// missedWithoutVoicemail returns the ID of a demo call missed with no
// voicemail left.
func missedWithoutVoicemail(t *testing.T, ws openphonetest.Workspace) string {
	t.Helper()
	for _, c := range ws.Calls {
		if _, ok := ws.Voicemails[c.ID]; !ok && c.Status == "missed" {
			return c.ID
		}
	}
	t.Fatal("every missed demo call has a voicemail")
	return ""
}

// TestCallMediaOffLimits: a key that may not read a call's media still
// reads the call, with a line saying why the voicemail and recording are
// missing.
func TestCallMediaOffLimits(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	f := newFixture(t, ws)
	f.api.SetCallMedia(false)
	for _, id := range []string{demoCall(t, ws, "completed").ID, missedWithoutVoicemail(t, ws)} {
		res := call(t, f.server, "get_call", map[string]any{"callId": id})
		out := text(res)
		if res.IsError || !strings.Contains(out, "(403 Forbidden): the plan, or the API key's user, lacks access to it.") {
			t.Errorf("isError %v:\n%s", res.IsError, out)
		}
	}
}

// TestCallInsightsOffThePlan: without the plan's summaries and
// transcripts, get_call still shows the call, and says why the rest is
// missing; it is not an error.
func TestCallInsightsOffThePlan(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	f := newFixture(t, ws)
	f.api.SetCallInsights(false)
	c := demoCall(t, ws, "completed")
	res := call(t, f.server, "get_call", map[string]any{"callId": c.ID})
	out := text(res)
	if res.IsError || !strings.Contains(out, "Call "+c.ID) || strings.Count(out, "only on Business and Scale plans") != 2 {
		t.Errorf("isError=%v:\n%s", res.IsError, out)
	}
	// The three requests went out, and nothing else but the names.
	paths := map[string]bool{}
	for _, r := range f.api.Requests() {
		paths[r.Path] = true
	}
	for _, p := range []string{"/v1/calls/" + c.ID, "/v1/call-summaries/" + c.ID, "/v1/call-transcripts/" + c.ID} {
		if !paths[p] {
			t.Errorf("no request for %s", p)
		}
	}
}

// TestGetCallFailures: a failure of the call itself is an isError; one of
// the summary alone is said in the result.
func TestGetCallFailures(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	c := demoCall(t, ws, "completed")
	f := newFixture(t, ws, client.WithRetryPolicy(client.RetryPolicy{MaxAttempts: 1}))
	f.api.Inject(openphonetest.Fault{Path: "/v1/call-summaries/" + c.ID, Status: 500})
	res := call(t, f.server, "get_call", map[string]any{"callId": c.ID})
	if out := text(res); res.IsError || !strings.Contains(out, "Could not be read: OpenPhone answered 500") || !strings.Contains(out, "Transcript (") {
		t.Errorf("a failed summary: isError=%v\n%s", res.IsError, out)
	}
	f.api.Inject(openphonetest.Fault{Path: "/v1/calls/" + c.ID, Status: 503})
	if res := call(t, f.server, "get_call", map[string]any{"callId": c.ID}); !res.IsError || !strings.Contains(text(res), "503") {
		t.Errorf("a failed call: isError=%v %s", res.IsError, text(res))
	}
	res = call(t, f.server, "get_call", map[string]any{"callId": "ACnothing1"})
	if !res.IsError || !strings.Contains(text(res), "no call") {
		t.Errorf("an unknown ID: isError=%v %s", res.IsError, text(res))
	}
}

// TestThreadBadArguments: bad arguments are refused, naming the parameter,
// and nothing is asked of OpenPhone but the lines for a line's name.
func TestThreadBadArguments(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	f := newFixture(t, ws)
	line := ws.Lines[0].ID
	eleven := make([]any, 11)
	for i := range eleven {
		eleven[i] = fmt.Sprintf("+141555501%02d", 10+i)
	}
	for _, tt := range []struct {
		tool string
		args map[string]any
		want []string
	}{
		{"list_messages", nil, []string{"phoneNumberId is required", "participants is required"}},
		{"list_messages", map[string]any{"phoneNumberId": line, "participants": eleven}, []string{"participants", "1 to 10"}},
		{"list_messages", map[string]any{"phoneNumberId": line, "participants": []any{"+1415555012"}}, []string{"participants[0]", "not a valid phone number"}},
		{"list_messages", map[string]any{"phoneNumberId": line, "participants": []any{"+14155550100"}, "since": "yesterday"}, []string{"since", "RFC 3339"}},
		{"list_messages", map[string]any{"phoneNumberId": line, "participants": []any{"+14155550100"}, "conversationId": "CN1"}, []string{"conversationId", "not a parameter"}},
		{"list_messages", map[string]any{"phoneNumberId": "Marketing", "participants": []any{"+14155550100"}}, []string{"phoneNumberId", "not a line of this workspace", `"Sales"`}},
		{"list_calls", map[string]any{"phoneNumberId": line, "participants": []any{"+14155550100", "+14155550101"}}, []string{"participants", "exactly one number"}},
		{"list_calls", map[string]any{"phoneNumberId": line, "participants": []any{}}, []string{"participants", "is empty"}},
		{"list_calls", map[string]any{"phoneNumberId": line, "participants": []any{"+14155550100"}, "maxResults": 0}, []string{"maxResults", "1 to 100"}},
		{"get_call", nil, []string{"callId", "is required"}},
		{"get_call", map[string]any{"callId": "CN123"}, []string{"callId", "not a call ID", "list_calls"}},
	} {
		res := call(t, f.server, tt.tool, tt.args)
		out := text(res)
		if !res.IsError || !strings.Contains(out, "not sent to OpenPhone") {
			t.Errorf("%s %v: isError=%v %s", tt.tool, tt.args, res.IsError, out)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s %v: lacks %q:\n%s", tt.tool, tt.args, w, out)
			}
		}
	}
	for _, r := range f.api.Requests() {
		if r.Path != "/v1/phone-numbers" {
			t.Errorf("bad arguments reached %s", r.Path)
		}
	}
}

// TestThreadRequests: a line's number or name is resolved to its ID, all
// parameters reach the API in its form, and since is sent as the
// createdBefore it means.
func TestThreadRequests(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	f := newFixture(t, ws)
	quick := demoThread(t, ws)
	line, _ := f.client.ListPhoneNumbers(t.Context(), client.ListPhoneNumbersParams{})
	var number string
	for _, l := range line.Data {
		if l.ID == quick.PhoneNumberID {
			number = l.Number
		}
	}
	res := call(t, f.server, "list_messages", map[string]any{"phoneNumberId": number, "participants": quick.Participants,
		"userId": ws.Users[4].ID, "createdAfter": "2026-01-01T00:00:00Z", "since": "2026-12-01T00:00:00Z", "maxResults": 2})
	if res.IsError {
		t.Fatal(text(res))
	}
	var q map[string][]string
	for _, r := range f.api.Requests() {
		if r.Path == "/v1/messages" {
			q = r.Query
		}
	}
	want := map[string][]string{"phoneNumberId": {quick.PhoneNumberID}, "participants": quick.Participants, "userId": {ws.Users[4].ID},
		"createdAfter": {"2026-01-01T00:00:00Z"}, "createdBefore": {"2026-12-01T00:00:00Z"}, "maxResults": {"2"}}
	for k, v := range want {
		if strings.Join(q[k], ",") != strings.Join(v, ",") {
			t.Errorf("%s sent as %v, want %v", k, q[k], v)
		}
	}
	if len(q) != len(want) {
		t.Errorf("sent %v, want %v", q, want)
	}
}

// TestMessageTextsStayInTheirRow: however a text tries, each message is
// one row, and nothing in it is unescaped.
func TestMessageTextsStayInTheirRow(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	f := newFixture(t, ws)
	quick := demoThread(t, ws)
	out := text(call(t, f.server, "list_messages", map[string]any{"phoneNumberId": quick.PhoneNumberID, "participants": quick.Participants, "maxResults": 100}))
	rows := regexp.MustCompile(`(?m)^\d\d:\d\d (in|out) `).FindAllString(out, -1)
	var want int
	for _, m := range ws.Messages {
		if m.ConversationID != nil && *m.ConversationID == quick.ID {
			want++
		}
	}
	if len(rows) != want {
		t.Errorf("%d rows for %d messages:\n%s", len(rows), want, out)
	}
	for _, bad := range []string{"\u202e", "\u200b", "\nSYSTEM", "\n09:00 out"} {
		if strings.Contains(out, bad) {
			t.Errorf("%q arrived unescaped", bad)
		}
	}
	for _, text := range openphonetest.HostileTexts {
		if !strings.Contains(out, quoted(text)) {
			t.Errorf("the text %q is not shown whole, quoted", text)
		}
	}
}

func quoted(s string) string {
	var b strings.Builder
	writeQuoted(&b, s)
	return b.String()
}

// TestMessagesTokenBudget holds a page of 100 realistic messages to at most
// 60% of the raw JSON's o200k tokens.
func TestMessagesTokenBudget(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		raw, summary := messagesTokens(t, seed)
		t.Logf("seed %d: raw %d tokens, summary %d tokens, %.1f%%", seed, raw, summary, 100*float64(summary)/float64(raw))
		if float64(summary) > 0.6*float64(raw) {
			t.Errorf("seed %d: the summary is %.1f%% of the raw JSON, over 60%%", seed, 100*float64(summary)/float64(raw))
		}
	}
}

// messagesTokens returns the o200k tokens of a page of 100 messages as the
// API sends it, and of its summary.
func messagesTokens(t *testing.T, seed uint64) (raw, summary int) {
	ws := openphonetest.GenerateThread(seed, 100)
	f := newFixture(t, ws)
	c := ws.Conversations[0]
	params := client.ListMessagesParams{PhoneNumberID: c.PhoneNumberID, Participants: c.Participants, MaxResults: 100}
	body, err := f.api.Get("/v1/messages", params.Query())
	if err != nil {
		t.Fatal(err)
	}
	out := text(call(t, f.server, "list_messages", map[string]any{"phoneNumberId": c.PhoneNumberID, "participants": c.Participants, "maxResults": 100}))
	return testkit.Tokens(string(body)), testkit.Tokens(out)
}

// TestIncomingMessagesHaveNoSender: the document says an incoming
// message's userId is null, but types it as a user's ID. Should OpenPhone
// send one, the message is still never shown as sent by that user.
func TestIncomingMessagesHaveNoSender(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	quick := demoThread(t, ws)
	line := ws.Lines[slices.IndexFunc(ws.Lines, func(l openphonetest.Line) bool { return l.ID == quick.PhoneNumberID })]
	stranger := line.UserIDs[0]
	for i, m := range ws.Messages {
		if m.ConversationID != nil && *m.ConversationID == quick.ID && m.Direction == "incoming" {
			ws.Messages[i].UserID = &stranger
		}
	}
	f := newFixture(t, ws)
	res := call(t, f.server, "list_messages", map[string]any{"phoneNumberId": quick.PhoneNumberID, "participants": quick.Participants, "maxResults": 20})
	out := text(res)
	for _, row := range strings.Split(out, "\n") {
		if strings.Contains(row, " in ") && strings.Contains(row, stranger) {
			t.Errorf("an incoming message is shown as sent by %s: %s", stranger, row)
		}
	}
	golden(t, "messages_incoming_with_user_id.txt", []byte(out+"\n"))
}

// TestCallJobValuesAndOffsets: an AI agent job's numbers and booleans are
// written as sent, not quoted like text nor in exponent form, and a
// transcript turn before the call's clock started keeps its sign.
func TestCallJobValuesAndOffsets(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	c := demoCall(t, ws, "completed")
	f := newFixture(t, ws)
	f.api.Inject(
		openphonetest.Fault{Path: "/v1/call-summaries/" + c.ID, Status: 200, Body: `{"data":{"callId":"` + c.ID + `","status":"completed","summary":["Booked."],"nextSteps":null,
			"jobs":[{"icon":"📅","name":"Booking","result":{"data":[{"name":"confirmed","value":true},{"name":"party","value":4},{"name":"reference","value":12345678901234567890},{"name":"note","value":"true"}]}}]}}`},
		openphonetest.Fault{Path: "/v1/call-transcripts/" + c.ID, Status: 200, Body: `{"data":{"callId":"` + c.ID + `","status":"completed","createdAt":"2026-11-20T10:00:00Z","duration":30,
			"dialogue":[{"content":"Hello?","start":-2.5,"end":-1,"identifier":"+14155550100","userId":null},{"content":"Hi, it's Avery.","start":75.2,"end":78,"identifier":null,"userId":null}]}}`},
	)
	out := text(call(t, f.server, "get_call", map[string]any{"callId": c.ID}))
	for _, want := range []string{`"confirmed": true`, `"party": 4`, `"reference": 12345678901234567000`, `"note": "true"`, "\n-0:02 ", "\n1:15 "} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	golden(t, "call_jobs.txt", []byte(out+"\n"))
}
