package openphonetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// specSHA256 pins spec/quo-public-api-v1.json: Quo's document, as captured
// in api-evangelist/quo at openapi/_original/quo-public-api-v1.json
// (commit 927f3da). spec/README.md says how to update it.
const specSHA256 = "492dee55a369738b8e0b65df14bee83cfadcc9da112d3adbe9f61d66a7092d47"

func TestSpecIsPinned(t *testing.T) {
	raw, err := os.ReadFile("spec/quo-public-api-v1.json")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	if got := hex.EncodeToString(sum[:]); got != specSHA256 {
		t.Fatalf("spec/quo-public-api-v1.json has SHA-256 %s, not the pinned %s: the file must stay byte for byte as Quo published it", got, specSHA256)
	}
	if !bytes.Equal(Spec(), raw) {
		t.Fatal("Spec() is not the vendored file")
	}
}

// answerValidator validates the fake's answers against the document, with
// its one known slip read as its words say: a message's userId is "Null
// for incoming messages", although its type is a ^US string.
func answerValidator(t *testing.T) validator.Validator {
	t.Helper()
	var doc any
	if err := json.Unmarshal(Spec(), &doc); err != nil {
		t.Fatal(err)
	}
	patched := 0
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if props, ok := v["properties"].(map[string]any); ok {
				if u, ok := props["userId"].(map[string]any); ok {
					if d, _ := u["description"].(string); strings.Contains(d, "Null for incoming messages") {
						props["userId"] = map[string]any{"anyOf": []any{u, map[string]any{"type": "null"}}}
						patched++
					}
				}
			}
			for _, child := range v {
				walk(child)
			}
		case []any:
			for _, child := range v {
				walk(child)
			}
		}
	}
	walk(doc)
	if patched != 3 {
		t.Fatalf("patched %d message userIds, want the document's 3: has the document changed?", patched)
	}
	raw, _ := json.Marshal(doc)
	d, err := libopenapi.NewDocument(raw)
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(d, config.WithFormatAssertions())
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return v
}

// A conformance walks a fake's endpoints, validating every answer.
type conformance struct {
	t     *testing.T
	srv   *Server
	v     validator.Validator
	seen  map[string]bool // "pattern status" answered
	count int
}

// get sends GET path?rawQuery with the server's key (or auth, when
// given), checks that the status is want, validates the answer against
// the document and returns its body.
func (c *conformance) get(want int, path, rawQuery string, auth ...string) map[string]any {
	c.t.Helper()
	return c.do(want, http.MethodGet, path, rawQuery, "", auth...)
}

// do sends method path?rawQuery with body (JSON; none when "") and checks
// and returns its answer as get does.
func (c *conformance) do(want int, method, path, rawQuery, reqBody string, auth ...string) map[string]any {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.srv.URL+path+"?"+rawQuery, strings.NewReader(reqBody))
	if reqBody == "" {
		req.Body = http.NoBody
	} else {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", c.srv.APIKey)
	if len(auth) > 0 {
		req.Header.Set("Authorization", auth[0])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s?%s: %d, want %d: %s", method, path, rawQuery, resp.StatusCode, want, raw)
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil && want != http.StatusNoContent {
		c.t.Fatalf("%s %s: not JSON: %s", method, path, raw)
	}
	_, pattern := c.srv.mux.Handler(req)
	c.seen[fmt.Sprint(pattern, " ", want)] = true
	// What libopenapi-validator refuses in the request, the fake refuses
	// too: its own check of the parameters and body reads the same
	// document.
	req.Body = io.NopCloser(strings.NewReader(reqBody))
	if _, errs := c.v.ValidateHttpRequestSync(req); want < 300 {
		for _, e := range errs {
			if e.ValidationType != "security" {
				c.t.Errorf("%s %s?%s: the fake answered %d to what the document refuses: %s", method, path, rawQuery, want, e.Message)
			}
		}
	}
	c.count++
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	resp.Request = req
	if ok, errs := c.v.ValidateHttpResponse(req, resp); !ok && !c.genericError(pattern, body) {
		var why []string
		for _, e := range errs {
			why = append(why, e.Message)
			for _, s := range e.SchemaValidationErrors {
				why = append(why, "  "+s.FieldPath+": "+s.Reason)
			}
		}
		c.t.Errorf("%s %s?%s (%d) does not conform to the document:\n%s\nbody: %.600s", method, path, rawQuery, want, strings.Join(why, "\n"), raw)
	}
	return body
}

// genericError reports whether body is a generic error with the
// documented envelope, on an endpoint whose document gives that status
// only as a domain error: a 400 of GET /v1/messages is documented as "A2P
// Registration Not Approved", yet a malformed query gets a 400 too.
func (c *conformance) genericError(pattern string, body map[string]any) bool {
	status, _ := body["status"].(float64)
	shape := operations()[pattern].errors[int(status)]
	if shape.description == "" || body["description"] != nil {
		return false
	}
	for _, field := range []string{"message", "code", "title"} {
		if _, ok := body[field].(string); !ok {
			return false
		}
	}
	return body["docs"] == docsURL && strings.HasSuffix(body["code"].(string), fmt.Sprint(int(status)))
}

func newConformance(t *testing.T) (*conformance, Workspace) {
	ws := DemoWorkspace()
	srv := NewServer(ws)
	t.Cleanup(srv.Close)
	return &conformance{t: t, srv: srv, v: answerValidator(t), seen: map[string]bool{}}, ws
}

// pages reads every page of a list endpoint.
func (c *conformance) pages(path string, q url.Values) []any {
	c.t.Helper()
	var all []any
	for {
		body := c.get(200, path, q.Encode())
		all = append(all, body["data"].([]any)...)
		next, _ := body["nextPageToken"].(string)
		if next == "" {
			return all
		}
		q = cloneWith(q, "pageToken", next)
	}
}

func cloneWith(q url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = slices.Clone(v)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

// TestFakeConformsToSpec walks the demo workspace through every endpoint
// the fake serves, and asks for every error it gives, validating each
// answer against the document.
func TestFakeConformsToSpec(t *testing.T) {
	c, ws := newConformance(t)
	line, user := ws.Lines[0], ws.Users[0]

	conversations := c.pages("/v1/conversations", url.Values{"maxResults": {"7"}})
	if len(conversations) != len(ws.Conversations) {
		t.Fatalf("paged %d conversations, want %d", len(conversations), len(ws.Conversations))
	}
	c.get(200, "/v1/phone-numbers", "")
	c.get(200, "/v1/phone-numbers", url.Values{"userId": {user.ID}}.Encode())
	c.pages("/v1/users", url.Values{"maxResults": {"2"}})

	for _, cv := range ws.Conversations {
		l, _ := ws.lineByRef(cv.PhoneNumberID)
		thread := url.Values{"phoneNumberId": {l.ID}, "participants": cv.Participants, "maxResults": {"100"}}
		for _, m := range c.pages("/v1/messages", thread) {
			c.get(200, "/v1/messages/"+m.(map[string]any)["id"].(string), "")
		}
		if len(cv.Participants) == 1 {
			c.pages("/v1/calls", cloneWith(thread, "maxResults", "3"))
		}
	}
	for _, call := range ws.Calls {
		c.get(200, "/v1/calls/"+call.ID, "")
		_, voicemail := ws.Voicemails[call.ID]
		_, recorded := ws.Recordings[call.ID]
		c.get(map[bool]int{true: 200, false: 404}[voicemail], "/v1/call-voicemails/"+call.ID, "")
		c.get(map[bool]int{true: 200, false: 404}[recorded], "/v1/call-recordings/"+call.ID, "")
		for _, path := range []string{"/v1/call-summaries/", "/v1/call-transcripts/"} {
			want := 200
			if _, ok := ws.Summaries[call.ID]; !ok {
				want = 404
			}
			c.get(want, path+call.ID, "")
		}
	}
	contacts := c.pages("/v1/contacts", url.Values{"maxResults": {"7"}})
	if len(contacts) != len(ws.Contacts) {
		t.Fatalf("paged %d contacts, want %d", len(contacts), len(ws.Contacts))
	}
	for _, ct := range contacts {
		c.get(200, "/v1/contacts/"+url.PathEscape(ct.(map[string]any)["id"].(string)), "")
	}
	c.get(200, "/v1/contact-custom-fields", "")
	c.srv.SetCallInsights(false)
	c.get(403, "/v1/call-summaries/"+ws.Calls[0].ID, "")
	c.get(403, "/v1/call-transcripts/"+ws.Calls[0].ID, "")
	c.srv.SetCallInsights(true)
	c.srv.SetCallMedia(false)
	c.get(403, "/v1/call-voicemails/"+ws.Calls[0].ID, "")
	c.get(403, "/v1/call-recordings/"+ws.Calls[0].ID, "")
	c.srv.SetCallMedia(true)

	one := ws.Calls[0]
	callThread := url.Values{"phoneNumberId": {one.PhoneNumberID}, "participants": one.Participants, "maxResults": {"10"}}
	msgThread := cloneWith(callThread)
	for _, tt := range []struct {
		name   string
		status int
		path   string
		query  url.Values
		raw    string // the query as sent, when query is nil
		// errorPath, when set, must be the path of an errors item.
		errorPath string
	}{
		// What the document accepts.
		{"a + escaped", 200, "/v1/conversations", nil, "maxResults=10&phoneNumbers=" + url.QueryEscape(line.Number), ""},
		{"dates with offsets", 200, "/v1/conversations", url.Values{"maxResults": {"10"}, "createdAfter": {"2020-01-01T00:00:00+02:00"}, "updatedBefore": {"2030-06-01T12:30:00.5-07:00"}}, "", ""},
		{"deprecated phoneNumber, a number", 200, "/v1/conversations", url.Values{"maxResults": {"10"}, "phoneNumber": {line.Number}}, "", ""},
		{"deprecated phoneNumber, an ID", 200, "/v1/conversations", url.Values{"maxResults": {"10"}, "phoneNumber": {line.ID}}, "", ""},
		{"phoneNumbers mixing IDs and numbers", 200, "/v1/conversations", url.Values{"maxResults": {"10"}, "phoneNumbers": {line.ID, ws.Lines[1].Number}}, "", ""},
		{"maxResults 1", 200, "/v1/conversations", url.Values{"maxResults": {"1"}}, "", ""},
		{"maxResults 100", 200, "/v1/conversations", url.Values{"maxResults": {"100"}}, "", ""},
		{"excludeInactive true", 200, "/v1/conversations", url.Values{"maxResults": {"10"}, "excludeInactive": {"true"}}, "", ""},
		{"excludeInactive false", 200, "/v1/conversations", url.Values{"maxResults": {"10"}, "excludeInactive": {"false"}}, "", ""},
		{"userId", 200, "/v1/conversations", url.Values{"maxResults": {"10"}, "userId": {user.ID}}, "", ""},
		{"users, maxResults 50", 200, "/v1/users", url.Values{"maxResults": {"50"}}, "", ""},
		{"users, maxResults 1", 200, "/v1/users", url.Values{"maxResults": {"1"}}, "", ""},
		{"messages, maxResults 1", 200, "/v1/messages", cloneWith(msgThread, "maxResults", "1"), "", ""},
		{"messages, dates with offsets", 200, "/v1/messages", cloneWith(msgThread, "createdAfter", "2020-01-01T00:00:00-05:00", "createdBefore", "2030-01-01T00:00:00+09:30"), "", ""},
		{"messages, deprecated since", 200, "/v1/messages", cloneWith(msgThread, "since", "2030-01-01T00:00:00Z"), "", ""},
		{"messages of a group", 200, "/v1/messages", url.Values{"phoneNumberId": {line.ID}, "participants": {"+14155550101", "+14155550102"}, "maxResults": {"100"}}, "", ""},
		{"calls, maxResults 100", 200, "/v1/calls", cloneWith(callThread, "maxResults", "100"), "", ""},
		{"calls, a participant that is not E.164", 200, "/v1/calls", cloneWith(callThread, "participants", "4155550100"), "", ""},
		{"calls of a user", 200, "/v1/calls", cloneWith(callThread, "userId", user.ID), "", ""},
		{"contacts, maxResults 50", 200, "/v1/contacts", url.Values{"maxResults": {"50"}}, "", ""},
		{"contacts by externalIds", 200, "/v1/contacts", url.Values{"maxResults": {"10"}, "externalIds": {"crm-10003", "crm-10010"}}, "", ""},
		{"contacts by sources", 200, "/v1/contacts", url.Values{"maxResults": {"10"}, "sources": {"acme-crm"}}, "", ""},
		{"contacts, externalIds of 75 characters", 200, "/v1/contacts", url.Values{"maxResults": {"10"}, "externalIds": {strings.Repeat("x", 75)}}, "", ""},

		// What it refuses.
		{"an array sent as phoneNumbers[]", 400, "/v1/conversations", nil, "maxResults=10&phoneNumbers[]=" + url.QueryEscape(line.Number), "/query/phoneNumbers[]"},
		{"a + left unescaped", 400, "/v1/conversations", nil, "maxResults=10&phoneNumbers=" + line.Number, "/query/phoneNumbers/0"},
		{"messages, maxResults missing", 400, "/v1/messages", url.Values{"phoneNumberId": {one.PhoneNumberID}, "participants": one.Participants}, "", "/query/maxResults"},
		{"messages, a bad since", 400, "/v1/messages", cloneWith(msgThread, "since", "yesterday"), "", "/query/since"},
		{"messages, an unknown key", 400, "/v1/messages", cloneWith(msgThread, "conversationId", "CN1"), "", "/query/conversationId"},
		{"calls, no participants", 400, "/v1/calls", url.Values{"phoneNumberId": {line.ID}, "maxResults": {"10"}}, "", "/query/participants"},
		{"conversations, maxResults missing", 400, "/v1/conversations", nil, "", "/query/maxResults"},
		{"conversations, maxResults 101", 400, "/v1/conversations", url.Values{"maxResults": {"101"}}, "", "/query/maxResults"},
		{"conversations, a date without a time", 400, "/v1/conversations", url.Values{"maxResults": {"10"}, "createdAfter": {"2024-01-01"}}, "", "/query/createdAfter"},
		{"conversations, excludeInactive 1", 400, "/v1/conversations", url.Values{"maxResults": {"10"}, "excludeInactive": {"1"}}, "", "/query/excludeInactive"},
		{"conversations, a line's name", 400, "/v1/conversations", url.Values{"maxResults": {"10"}, "phoneNumbers": {"Sales"}}, "", "/query/phoneNumbers/0"},
		{"conversations, a userId of another kind", 400, "/v1/conversations", url.Values{"maxResults": {"10"}, "userId": {"XX123"}}, "", "/query/userId"},
		{"conversations, an unknown parameter", 400, "/v1/conversations", url.Values{"maxResults": {"10"}, "limit": {"5"}}, "", "/query/limit"},
		{"conversations, a forged page token", 400, "/v1/conversations", url.Values{"maxResults": {"10"}, "pageToken": {"abc"}}, "", "/query/pageToken"},
		{"conversations, an unknown line", 404, "/v1/conversations", url.Values{"maxResults": {"10"}, "phoneNumbers": {"PNnope"}}, "", ""},
		{"conversations, an unknown user", 404, "/v1/conversations", url.Values{"maxResults": {"10"}, "userId": {"USnope"}}, "", ""},
		{"phone numbers, a userId of another kind", 400, "/v1/phone-numbers", url.Values{"userId": {"bob"}}, "", "/query/userId"},
		{"phone numbers, an unknown user", 404, "/v1/phone-numbers", url.Values{"userId": {"USnope"}}, "", ""},
		{"users, maxResults 51", 400, "/v1/users", url.Values{"maxResults": {"51"}}, "", "/query/maxResults"},
		{"messages, no participants", 400, "/v1/messages", url.Values{"phoneNumberId": {line.ID}, "maxResults": {"10"}}, "", "/query/participants"},
		{"messages, 11 participants", 400, "/v1/messages", url.Values{"phoneNumberId": {line.ID}, "maxResults": {"10"}, "participants": slices.Repeat([]string{"+14155550100"}, 11)}, "", "/query/participants"},
		{"messages, a participant that is not E.164", 400, "/v1/messages", cloneWith(msgThread, "participants", "415-555-0100"), "", "/query/participants/0"},
		{"messages, a number as phoneNumberId", 400, "/v1/messages", cloneWith(msgThread, "phoneNumberId", line.Number), "", "/query/phoneNumberId"},
		{"messages, an unknown line", 404, "/v1/messages", cloneWith(msgThread, "phoneNumberId", "PNnope"), "", ""},
		{"calls, two participants", 400, "/v1/calls", url.Values{"phoneNumberId": {line.ID}, "maxResults": {"10"}, "participants": {"+14155550100", "+14155550101"}}, "", ""},
		{"calls, a bad userId", 400, "/v1/calls", cloneWith(callThread, "userId", "bob"), "", "/query/userId"},
		{"calls, an unknown user", 404, "/v1/calls", cloneWith(callThread, "userId", "USnope"), "", ""},
		{"a call by a conversation's ID", 400, "/v1/calls/CN123", nil, "", "/path/callId"},
		{"an unknown call", 404, "/v1/calls/ACnope", nil, "", ""},
		{"a message by a bad ID", 400, "/v1/messages/CN123", nil, "", "/path/id"},
		{"an unknown message", 404, "/v1/messages/ACnope", nil, "", ""},
		{"a summary by a bad ID", 400, "/v1/call-summaries/CN123", nil, "", "/path/callId"},
		{"an unknown transcript", 404, "/v1/call-transcripts/ACnope", nil, "", ""},
		{"a call with a query", 400, "/v1/calls/" + one.ID, url.Values{"x": {"1"}}, "", "/query/x"},
		{"contacts, maxResults 51", 400, "/v1/contacts", url.Values{"maxResults": {"51"}}, "", "/query/maxResults"},
		{"contacts, maxResults missing", 400, "/v1/contacts", nil, "", "/query/maxResults"},
		{"contacts, an externalId of 76 characters", 400, "/v1/contacts", url.Values{"maxResults": {"10"}, "externalIds": {strings.Repeat("x", 76)}}, "", "/query/externalIds/0"},
		{"contacts, an empty source", 400, "/v1/contacts", nil, "maxResults=10&sources=", "/query/sources/0"},
		{"contacts, a page token of another filter", 400, "/v1/contacts", url.Values{"maxResults": {"10"}, "sources": {"x"}, "pageToken": {encodePageToken(10, "contacts?")}}, "", "/query/pageToken"},
		{"an unknown contact", 404, "/v1/contacts/nope", nil, "", ""},
		{"a voicemail by a bad ID", 400, "/v1/call-voicemails/CN123", nil, "", "/path/callId"},
		{"recordings by a bad ID", 400, "/v1/call-recordings/VM123", nil, "", "/path/callId"},
		{"custom fields with a query", 400, "/v1/contact-custom-fields", url.Values{"x": {"1"}}, "", "/query/x"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			raw := tt.raw
			if tt.query != nil {
				raw = tt.query.Encode()
			}
			body := c.get(tt.status, tt.path, raw)
			if tt.errorPath != "" && !strings.Contains(fmt.Sprint(body["errors"]), "path:"+tt.errorPath+" ") {
				t.Errorf("errors %v do not name %s", body["errors"], tt.errorPath)
			}
		})
	}
	c.t = t

	// Every endpoint refuses a missing or wrong key with its own 401.
	for _, path := range []string{"/v1/conversations", "/v1/phone-numbers", "/v1/users", "/v1/messages", "/v1/messages/" + ws.Messages[0].ID,
		"/v1/calls", "/v1/calls/" + one.ID, "/v1/call-summaries/" + one.ID, "/v1/call-transcripts/" + one.ID,
		"/v1/contacts", "/v1/contacts/" + ws.Contacts[0].ID, "/v1/contact-custom-fields",
		"/v1/call-voicemails/" + one.ID, "/v1/call-recordings/" + one.ID} {
		c.get(401, path, "", "")
		c.get(401, path, "", "Bearer "+c.srv.APIKey)
	}

	// The walk reached every operation the fake serves, with each status
	// the fake can answer it with.
	for _, want := range []string{
		"GET /v1/conversations 200", "GET /v1/conversations 400", "GET /v1/conversations 401", "GET /v1/conversations 404",
		"GET /v1/phone-numbers 200", "GET /v1/phone-numbers 400", "GET /v1/phone-numbers 401", "GET /v1/phone-numbers 404",
		"GET /v1/users 200", "GET /v1/users 400", "GET /v1/users 401",
		"GET /v1/messages 200", "GET /v1/messages 400", "GET /v1/messages 401", "GET /v1/messages 404",
		"GET /v1/messages/{id} 200", "GET /v1/messages/{id} 400", "GET /v1/messages/{id} 401", "GET /v1/messages/{id} 404",
		"GET /v1/calls 200", "GET /v1/calls 400", "GET /v1/calls 401", "GET /v1/calls 404",
		"GET /v1/calls/{callId} 200", "GET /v1/calls/{callId} 400", "GET /v1/calls/{callId} 401", "GET /v1/calls/{callId} 404",
		"GET /v1/call-summaries/{callId} 200", "GET /v1/call-summaries/{callId} 400", "GET /v1/call-summaries/{callId} 401",
		"GET /v1/call-summaries/{callId} 403", "GET /v1/call-summaries/{callId} 404",
		"GET /v1/call-transcripts/{id} 200", "GET /v1/call-transcripts/{id} 401", "GET /v1/call-transcripts/{id} 403", "GET /v1/call-transcripts/{id} 404",
		"GET /v1/call-voicemails/{callId} 200", "GET /v1/call-voicemails/{callId} 400", "GET /v1/call-voicemails/{callId} 401",
		"GET /v1/call-voicemails/{callId} 403", "GET /v1/call-voicemails/{callId} 404",
		"GET /v1/call-recordings/{callId} 200", "GET /v1/call-recordings/{callId} 400", "GET /v1/call-recordings/{callId} 401",
		"GET /v1/call-recordings/{callId} 403", "GET /v1/call-recordings/{callId} 404",
		"GET /v1/contacts 200", "GET /v1/contacts 400", "GET /v1/contacts 401",
		"GET /v1/contacts/{id} 200", "GET /v1/contacts/{id} 401", "GET /v1/contacts/{id} 404",
		"GET /v1/contact-custom-fields 200", "GET /v1/contact-custom-fields 400", "GET /v1/contact-custom-fields 401",
	} {
		if !c.seen[want] {
			t.Errorf("the walk never got %s", want)
		}
	}
	t.Logf("%d answers validated against the document", c.count)
}

// TestDomainErrors: where the document gives a status one named error,
// the fake answers it word for word.
func TestDomainErrors(t *testing.T) {
	c, ws := newConformance(t)
	line := ws.Lines[0]
	body := c.get(400, "/v1/calls", url.Values{"phoneNumberId": {line.ID}, "maxResults": {"10"}, "participants": {"+14155550100", "+14155550101"}}.Encode())
	if body["code"] != "0101400" || body["title"] != "Too Many Participants" || body["description"] != "Too Many Participants" || body["docs"] != docsURL {
		t.Errorf("two participants: %v", body)
	}
	body = c.get(404, "/v1/call-summaries/ACnope", "")
	if body["code"] != "0500404" || body["title"] != "Not Found" {
		t.Errorf("an unknown summary: %v", body)
	}
	body = c.get(404, "/v1/call-transcripts/ACnope", "")
	if body["code"] != "0600404" {
		t.Errorf("an unknown transcript: %v", body)
	}
	body = c.get(404, "/v1/calls/ACnope", "")
	if body["code"] != "0100404" {
		t.Errorf("an unknown call: %v", body)
	}
	// A 400 of /v1/messages is documented only as A2P's; a malformed query
	// keeps the envelope, with the endpoint's generic code.
	body = c.get(400, "/v1/messages", url.Values{"phoneNumberId": {line.ID}, "maxResults": {"10"}}.Encode())
	if body["code"] != "0200400" || body["title"] != "Bad Request" || body["description"] != nil {
		t.Errorf("a malformed messages query: %v", body)
	}
	items, _ := body["errors"].([]any)
	if len(items) == 0 {
		t.Fatalf("no errors: %v", body)
	}
	for _, item := range items {
		e := item.(map[string]any)
		schema, _ := e["schema"].(map[string]any)
		if e["path"] == nil || e["message"] == nil || schema == nil || schema["type"] == nil {
			t.Errorf("an errors item lacks path, message or schema.type: %v", e)
		}
	}
}

// TestChecksComeBeforeLookUps: a request that is malformed and names
// something unknown gets the 400, as the API answers it.
func TestChecksComeBeforeLookUps(t *testing.T) {
	c, _ := newConformance(t)
	body := c.get(400, "/v1/conversations", url.Values{"maxResults": {"10"}, "userId": {"XX123"}, "phoneNumbers": {"PNnope"}}.Encode())
	if !strings.Contains(fmt.Sprint(body["errors"]), "/query/userId") {
		t.Errorf("errors %v do not name userId", body["errors"])
	}
}

// TestRequestsTheDocumentRefuses: the document's own rules refuse what no
// hand-written check of the fake knows.
func TestRequestsTheDocumentRefuses(t *testing.T) {
	c, ws := newConformance(t)
	for _, tt := range []struct {
		path  string
		query url.Values
		param string
	}{
		{"/v1/users", url.Values{"maxResults": {"0"}}, "/query/maxResults"},
		{"/v1/users", nil, "/query/maxResults"},
		{"/v1/messages", url.Values{"phoneNumberId": {ws.Lines[0].ID}, "participants": {"+14155550100"}, "maxResults": {"10"}, "since": {"soon"}}, "/query/since"},
		{"/v1/calls/AB123", nil, "/path/callId"},
		{"/v1/call-transcripts/nope", nil, "/path/id"},
	} {
		body := c.get(400, tt.path, tt.query.Encode())
		if !strings.Contains(fmt.Sprint(body["errors"]), tt.param) {
			t.Errorf("%s %v: errors %v do not name %s", tt.path, tt.query, body["errors"], tt.param)
		}
	}
}

// TestFakeWritesConformToSpec sends every write the fake serves, valid and
// refused, and validates each request and answer against the document;
// and checks that the writes happened.
func TestFakeWritesConformToSpec(t *testing.T) {
	c, ws := newConformance(t)
	line, user, cv := ws.Lines[0], ws.Lines[0].UserIDs[0], ws.Conversations[0]
	send := fmt.Sprintf(`{"from":%q,"to":["+15555550123"],"content":"We're open until 6.","userId":%q,"setInboxStatus":"done"}`, line.ID, user)
	sent := c.do(202, "POST", "/v1/messages", "", send)["data"].(map[string]any)
	c.do(202, "POST", "/v1/messages", "", fmt.Sprintf(`{"from":%q,"to":["+15555550123"],"content":"Again, by number."}`, line.Number))
	for _, refused := range []string{
		`{}`, `{"from":"Sales","to":["+15555550123"],"content":"hi"}`,
		fmt.Sprintf(`{"from":%q,"to":[],"content":"hi"}`, line.ID),
		fmt.Sprintf(`{"from":%q,"to":["+15555550123"],"content":"   "}`, line.ID),
		fmt.Sprintf(`{"from":%q,"to":["+15555550123"],"content":%q}`, line.ID, strings.Repeat("x", 1601)),
		fmt.Sprintf(`{"from":%q,"to":["+15555550123"],"content":"hi","setInboxStatus":"open"}`, line.ID),
	} {
		c.do(400, "POST", "/v1/messages", "", refused)
	}
	c.do(403, "POST", "/v1/messages", "", `{"from":"PNnotours","to":["+15555550123"],"content":"hi"}`)
	if sends := c.srv.Sends(); len(sends) != 2 || sends[0].Message.ID != sent["id"] || sends[0].Params.Content != "We're open until 6." {
		t.Errorf("sends = %+v", sends)
	}
	messages := c.pages("/v1/messages", url.Values{"phoneNumberId": {line.ID}, "participants": {"+15555550123"}, "maxResults": {"10"}})
	if len(messages) != 2 {
		t.Errorf("the thread of the sends has %d messages, want 2", len(messages))
	}

	for _, as := range []string{"read", "done", "open"} {
		c.do(200, "POST", "/v1/conversations/"+cv.ID+"/mark-as-"+as, "", "")
	}
	c.do(404, "POST", "/v1/conversations/CNnone/mark-as-done", "", "")
	c.do(400, "POST", "/v1/conversations/nope/mark-as-done", "", "")
	if marks := c.srv.Marks(); len(marks) != 3 || marks[1] != (Mark{cv.ID, "done"}) {
		t.Errorf("marks = %+v", marks)
	}

	tasks := c.pages("/v1/tasks", url.Values{"maxResults": {"2"}})
	if len(tasks) != len(ws.Tasks) {
		t.Fatalf("paged %d tasks, want %d", len(tasks), len(ws.Tasks))
	}
	c.do(400, "GET", "/v1/tasks", "", "")
	created := c.do(201, "POST", "/v1/tasks", "", fmt.Sprintf(`{"title":"Call back","description":"","conversationId":%q,"dueDate":"2026-12-04T17:00:00Z","assignedTo":%q}`, cv.ID, user))
	id := created["data"].(map[string]any)["taskId"].(string)
	c.do(201, "POST", "/v1/tasks", "", fmt.Sprintf(`{"title":"On the line","description":"d","phoneNumberId":%q}`, line.ID))
	c.do(201, "POST", "/v1/tasks", "", fmt.Sprintf(`{"title":"On a text","description":"d","activityId":%q}`, ws.Messages[0].ID))
	c.do(400, "POST", "/v1/tasks", "", fmt.Sprintf(`{"title":"Two links","description":"d","phoneNumberId":%q,"conversationId":%q}`, line.ID, cv.ID))
	c.do(400, "POST", "/v1/tasks", "", `{"title":"No link","description":"d"}`)
	c.do(404, "POST", "/v1/tasks", "", `{"title":"t","description":"d","conversationId":"CNnone"}`)
	c.do(200, "GET", "/v1/tasks/"+id, "", "")
	c.do(404, "GET", "/v1/tasks/TKnone", "", "")
	task := "/v1/tasks/" + id
	c.do(200, "PUT", task, "", `{"title":"Call back Priya","description":"About the crown"}`)
	c.do(400, "PUT", task, "", `{"title":"only a title"}`)
	for _, change := range []struct{ path, body string }{
		{"/complete", ""}, {"/reopen", ""},
		{"/unassign", fmt.Sprintf(`{"userId":%q}`, user)}, {"/assign", fmt.Sprintf(`{"userId":%q}`, user)},
		{"/change-due-date", `{"dueDate":"2026-12-05T09:00:00Z"}`}, {"/remove-due-date", ""},
		{"/unlink-conversation", fmt.Sprintf(`{"conversationId":%q}`, cv.ID)}, {"/link-conversation", fmt.Sprintf(`{"conversationId":%q}`, cv.ID)},
	} {
		c.do(200, "POST", task+change.path, "", change.body)
	}
	c.do(400, "POST", task+"/change-due-date", "", `{"dueDate":"Friday"}`)
	c.do(404, "POST", task+"/assign", "", `{"userId":"USnobody"}`)
	got := c.get(200, task, "")["data"].(map[string]any)
	if got["title"] != "Call back Priya" || got["completed"] != false || got["assignedTo"] != user || got["dueDate"] != nil || got["conversationId"] != cv.ID {
		t.Errorf("the task after its changes: %v", got)
	}
	c.do(204, "DELETE", task, "", "")
	c.do(404, "GET", task, "", "")
	t.Logf("%d answers validated", c.count)
}

// TestFakeWebhooksConformToSpec registers, reads and deletes webhooks of
// every kind, and sends what the document refuses, validating each
// request and answer against it.
func TestFakeWebhooksConformToSpec(t *testing.T) {
	c, ws := newConformance(t)
	line := ws.Lines[0]
	if got := c.get(200, "/v1/webhooks", "")["data"].([]any); len(got) != 0 {
		t.Fatalf("a new fake has webhooks: %v", got)
	}
	made := map[string]map[string]any{}
	for _, tc := range []struct{ kind, body string }{
		{"messages", `{"url":"https://example.com/hooks","events":["message.received","message.delivered"],"label":"ours"}`},
		{"calls", fmt.Sprintf(`{"url":"https://example.com/hooks","events":["call.completed","call.ringing","call.recording.completed"],"resourceIds":[%q],"status":"disabled"}`, line.ID)},
		{"call-summaries", fmt.Sprintf(`{"url":"https://example.com/hooks","events":["call.summary.completed"],"resourceIds":["*"],"userId":%q}`, ws.Users[0].ID)},
		{"call-transcripts", `{"url":"https://example.com/hooks","events":["call.transcript.completed"]}`},
	} {
		h := c.do(201, "POST", "/v1/webhooks/"+tc.kind, "", tc.body)["data"].(map[string]any)
		made[h["id"].(string)] = h
		if key, _ := h["key"].(string); len(key) < 40 {
			t.Errorf("%s: key %q is not a random base64 key", tc.kind, key)
		}
	}
	for _, tc := range []struct{ kind, body string }{
		{"messages", `{"url":"https://example.com/hooks","events":["call.completed"]}`},
		{"messages", `{"url":"https://example.com/hooks"}`},
		{"messages", `{"url":"not a url","events":["message.received"]}`},
		{"calls", `{"url":"https://example.com/hooks","events":["call.completed"],"resourceIds":["Sales"]}`},
		{"calls", `{"url":"https://example.com/hooks","events":["call.completed"],"resourceIds":["*","PN1"]}`},
		{"calls", `{"url":"https://example.com/hooks","events":["call.completed"],"status":"paused"}`},
		{"call-summaries", `{"url":"https://example.com/hooks","events":[]}`},
		{"call-transcripts", `{"url":"https://example.com/hooks","events":["call.transcript.completed"],"userId":"bob"}`},
		{"call-transcripts", ``},
	} {
		c.do(400, "POST", "/v1/webhooks/"+tc.kind, "", tc.body)
	}
	c.do(404, "POST", "/v1/webhooks/calls", "", `{"url":"https://example.com/hooks","events":["call.completed"],"resourceIds":["PNnotours"]}`)
	c.do(404, "POST", "/v1/webhooks/calls", "", `{"url":"https://example.com/hooks","events":["call.completed"],"userId":"USnobody"}`)
	app := c.srv.AddWebhook(client.Webhook{URL: "https://example.com/hooks", Events: []string{"contact.updated", "contact.deleted"}})

	listed := c.get(200, "/v1/webhooks", "")["data"].([]any)
	if len(listed) != 5 {
		t.Fatalf("listed %d webhooks, want the 4 made and the app's", len(listed))
	}
	for _, item := range listed {
		h := item.(map[string]any)
		if want, ok := made[h["id"].(string)]; ok && fmt.Sprint(want) != fmt.Sprint(h) {
			t.Errorf("listed %v, made %v", h, want)
		}
	}
	c.get(200, "/v1/webhooks", url.Values{"userId": {ws.Users[1].ID}}.Encode())
	c.get(400, "/v1/webhooks", url.Values{"userId": {"bob"}}.Encode())
	c.get(404, "/v1/webhooks", url.Values{"userId": {"USnobody"}}.Encode())
	c.get(400, "/v1/webhooks", url.Values{"limit": {"1"}}.Encode())
	for id, h := range made {
		if got := c.get(200, "/v1/webhooks/"+id, "")["data"]; fmt.Sprint(got) != fmt.Sprint(h) {
			t.Errorf("got %v, made %v", got, h)
		}
		c.do(204, "DELETE", "/v1/webhooks/"+id, "", "")
		c.get(404, "/v1/webhooks/"+id, "")
		c.do(404, "DELETE", "/v1/webhooks/"+id, "", "")
	}
	c.get(200, "/v1/webhooks/"+app.ID, "")
	c.get(400, "/v1/webhooks/AB123", "")
	c.do(400, "DELETE", "/v1/webhooks/AB123", "", "")
	if left := c.srv.Webhooks(); len(left) != 1 || left[0].ID != app.ID {
		t.Errorf("left after the deletes: %+v", left)
	}
	for _, path := range []string{"/v1/webhooks", "/v1/webhooks/" + app.ID} {
		c.get(401, path, "", "")
	}
	c.do(401, "DELETE", "/v1/webhooks/"+app.ID, "", "", "Bearer "+c.srv.APIKey)
	c.do(401, "POST", "/v1/webhooks/messages", "", `{"url":"https://example.com/hooks","events":["message.received"]}`, "")

	for _, want := range []string{
		"GET /v1/webhooks 200", "GET /v1/webhooks 400", "GET /v1/webhooks 401", "GET /v1/webhooks 404",
		"GET /v1/webhooks/{id} 200", "GET /v1/webhooks/{id} 400", "GET /v1/webhooks/{id} 401", "GET /v1/webhooks/{id} 404",
		"DELETE /v1/webhooks/{id} 204", "DELETE /v1/webhooks/{id} 400", "DELETE /v1/webhooks/{id} 401", "DELETE /v1/webhooks/{id} 404",
		"POST /v1/webhooks/messages 201", "POST /v1/webhooks/messages 400", "POST /v1/webhooks/messages 401",
		"POST /v1/webhooks/calls 201", "POST /v1/webhooks/calls 400", "POST /v1/webhooks/calls 404",
		"POST /v1/webhooks/call-summaries 201", "POST /v1/webhooks/call-summaries 400",
		"POST /v1/webhooks/call-transcripts 201", "POST /v1/webhooks/call-transcripts 400",
	} {
		if !c.seen[want] {
			t.Errorf("the walk never got %s", want)
		}
	}
	t.Logf("%d answers validated", c.count)
}

// TestWebhookEventsAreTheDocuments: the events the client allows each kind
// of webhook are those the document's request bodies enumerate.
func TestWebhookEventsAreTheDocuments(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Schema struct {
						Properties struct {
							Events struct {
								Items struct {
									Enum []string `json:"enum"`
								} `json:"items"`
							} `json:"events"`
						} `json:"properties"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(Spec(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, kind := range client.WebhookKinds {
		op, ok := doc.Paths["/v1/webhooks/"+string(kind)]["post"]
		if !ok {
			t.Fatalf("the document has no POST /v1/webhooks/%s", kind)
		}
		if got, want := client.WebhookEvents(kind), op.RequestBody.Content["application/json"].Schema.Properties.Events.Items.Enum; !slices.Equal(got, want) {
			t.Errorf("%s: the client allows %q, the document %q", kind, got, want)
		}
	}
}

// TestFakeContactWritesConformToSpec creates and changes contacts, and
// sends what the document refuses, validating each answer against it; a
// PATCH replaces the lists it is given and keeps what it is not.
func TestFakeContactWritesConformToSpec(t *testing.T) {
	c, ws := newConformance(t)
	field := ws.CustomFields[0]
	value := `"note"`
	switch field.Type {
	case client.CustomBoolean:
		value = "true"
	case client.CustomNumber:
		value = "3"
	case client.CustomMultiSelect:
		value = `["a"]`
	case client.CustomDate:
		value = `"2026-12-04T00:00:00.000Z"`
	}
	created := c.do(201, "POST", "/v1/contacts", "", fmt.Sprintf(`{"defaultFields":{"firstName":"Ana","lastName":"Ruiz","company":null,
		"phoneNumbers":[{"name":"mobile","value":"+14155550177"}],"emails":[{"name":"work","value":"ana@example.com"}]},
		"customFields":[{"key":%q,"value":%s}],"externalId":"crm-1"}`, field.Key, value))["data"].(map[string]any)
	id := created["id"].(string)
	if created["source"] != "public-api" || created["createdByUserId"] != ws.Users[0].ID {
		t.Errorf("created %v", created)
	}
	c.do(201, "POST", "/v1/contacts", "", `{"defaultFields":{"firstName":null,"company":"Acme"}}`)
	for _, refused := range []string{
		`{}`, `{"defaultFields":{}}`, `{"defaultFields":{"firstName":"A","phoneNumbers":[{"name":"mobile"}]}}`,
		`{"defaultFields":{"firstName":"A"},"source":"openphone"}`,
	} {
		c.do(400, "POST", "/v1/contacts", "", refused)
	}
	c.do(400, "POST", "/v1/contacts", "", `{"defaultFields":{"firstName":"A"},"customFields":[{"key":"no-such-field","value":"x"}]}`)

	path := "/v1/contacts/" + id
	phones := created["defaultFields"].(map[string]any)["phoneNumbers"].([]any)
	phoneID := phones[0].(map[string]any)["id"].(string)
	got := c.do(200, "PATCH", path, "", fmt.Sprintf(`{"defaultFields":{"role":"Owner","phoneNumbers":[{"id":%q,"name":"mobile","value":null},{"name":"work","value":"+14155550178"}]}}`, phoneID))["data"].(map[string]any)
	d := got["defaultFields"].(map[string]any)
	if d["firstName"] != "Ana" || d["role"] != "Owner" || len(d["emails"].([]any)) != 1 || len(got["customFields"].([]any)) != 1 {
		t.Errorf("the PATCH dropped what it did not give: %v", got)
	}
	if p := d["phoneNumbers"].([]any); len(p) != 1 || p[0].(map[string]any)["value"] != "+14155550178" {
		t.Errorf("the PATCH's phone numbers: %v", p)
	}
	c.do(200, "PATCH", path, "", `{}`)
	c.do(400, "PATCH", path, "", `{"defaultFields":{"emails":[{"value":"x@example.com"}]}}`)
	c.do(404, "PATCH", "/v1/contacts/nobody", "", `{"defaultFields":{"role":"x"}}`)
	c.do(401, "PATCH", path, "", `{}`, "nope")
	c.do(401, "POST", "/v1/contacts", "", `{"defaultFields":{"firstName":"A"}}`, "nope")
	for _, want := range []string{
		"POST /v1/contacts 201", "POST /v1/contacts 400", "POST /v1/contacts 401",
		"PATCH /v1/contacts/{id} 200", "PATCH /v1/contacts/{id} 400", "PATCH /v1/contacts/{id} 401", "PATCH /v1/contacts/{id} 404",
	} {
		if !c.seen[want] {
			t.Errorf("the walk never got %s", want)
		}
	}
	t.Logf("%d answers validated", c.count)
}

func TestNewServerRequiresSchemaChecks(t *testing.T) {
	saved := compiler
	compiler = nil
	defer func() { compiler = saved }()
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "openphonetest/schemacheck") {
			t.Errorf("NewServer without schema checks: recovered %v, want a panic that names the package to import", r)
		}
	}()
	NewServer(DemoWorkspace()).Close()
}
