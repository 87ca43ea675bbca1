package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./tools -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file; if the change is intended, run go test ./tools -update and review the diff.\ngot:\n%s", path, got)
	}
}

// fixture is an MCP server in front of a fake OpenPhone API.
type fixture struct {
	api    *openphonetest.Server
	client *client.Client
	server *server.MCPServer
}

func newFixture(t *testing.T, ws openphonetest.Workspace, opts ...client.Option) fixture {
	t.Helper()
	api, c := testkit.NewAPI(t, ws, opts...)
	// The answers of a test wait for every contact's name, however slow
	// the machine: what they show must not depend on it.
	return fixture{api, c, NewServer(Config{Client: c, CallerKeyHeader: "X-OpenPhone-Api-Key", Version: "test", Context: t.Context(), ContactsWait: time.Minute})}
}

// conversationRequests are the requests for conversations the fake received.
func (f fixture) conversationRequests() []openphonetest.Request {
	return f.api.RequestsTo("/v1/conversations")
}

// render renders out as t's handler does, with the names n.
func render[In arguments[P], P request, Out any](t tool[In, P, Out], p P, out Out, n *names) string {
	l := legend{names: n}
	if t.mentions != nil {
		l.mentions = t.mentions(p, out)
	}
	return t.render(p, out, l)
}

// call calls a tool through the MCP server in-process, as a client would.
func call(t *testing.T, s *server.MCPServer, name string, args any) *mcp.CallToolResult {
	t.Helper()
	res, err := CallTool(context.Background(), s, name, args)
	if err != nil {
		t.Fatalf("CallTool: %v (a tool must answer with a result, not a protocol error)", err)
	}
	return res
}

var text = ResultText

// TestPublishedTools snapshots each tool's definition as published with
// structured output on, one golden file per tool, and holds the default
// definitions to the same minus their outputSchema.
// writeAnnotations are the honest hints of the tools that write:
// read-only, destructive, idempotent, open world. A sent text cannot be
// undone, nor sent again without sending it twice; a mark or a task's
// change can be undone, and making it again changes nothing; each
// create_task makes one more task.
var writeAnnotations = map[string][4]bool{
	"send_message":       {false, true, false, true},
	"mark_conversation":  {false, false, true, true},
	"create_task":        {false, false, false, true},
	"update_task":        {false, false, true, true},
	"send_private_texts": {false, true, false, true},
	"create_contact":     {false, false, false, true},
	"update_contact":     {false, false, true, true},
}

func TestPublishedTools(t *testing.T) {
	definitions := func(structured bool) map[string]json.RawMessage {
		s := NewServer(Config{Version: "test", StructuredOutput: structured, AllowWrites: true})
		for name, tool := range s.ListTools() {
			// Trap: a tool that does not marshal silently empties tools/list over stdio.
			if _, err := json.Marshal(tool.Tool); err != nil {
				t.Errorf("json.Marshal(%s): %v", name, err)
			}
			a := tool.Tool.Annotations
			want, ok := writeAnnotations[name]
			if !ok {
				want = [4]bool{true, false, true, true}
			}
			if a.ReadOnlyHint == nil || a.DestructiveHint == nil || a.IdempotentHint == nil || a.OpenWorldHint == nil ||
				[4]bool{*a.ReadOnlyHint, *a.DestructiveHint, *a.IdempotentHint, *a.OpenWorldHint} != want {
				t.Errorf("%s: annotations %+v, want read-only, destructive, idempotent, open world: %v", name, a, want)
			}
		}
		list, err := ListTools(context.Background(), s)
		if err != nil {
			t.Fatal(err)
		}
		var tools []json.RawMessage
		if err := json.Unmarshal(list, &tools); err != nil {
			t.Fatal(err)
		}
		defs := map[string]json.RawMessage{}
		for _, raw := range tools {
			var tool struct{ Name string }
			json.Unmarshal(raw, &tool)
			defs[tool.Name] = raw
		}
		return defs
	}
	plain := definitions(false)
	for name, raw := range definitions(true) {
		var out bytes.Buffer
		if err := json.Indent(&out, raw, "", "  "); err != nil {
			t.Fatal(err)
		}
		out.WriteString("\n")
		golden(t, filepath.Join("tools", name+".json"), out.Bytes())

		var withSchema, without map[string]json.RawMessage
		json.Unmarshal(raw, &withSchema)
		json.Unmarshal(plain[name], &without)
		// A write answers in words only, structured output or not: what
		// it did is a sentence, and its confirmation a question.
		_, isWrite := writeAnnotations[name]
		if _, ok := withSchema["outputSchema"]; ok == isWrite {
			t.Errorf("%s: outputSchema with structured output on: %v; want it on every tool that reads, on none that writes", name, ok)
		}
		if _, ok := without["outputSchema"]; ok {
			t.Errorf("%s: an outputSchema by default", name)
		}
		delete(withSchema, "outputSchema")
		a, _ := json.Marshal(withSchema)
		b, _ := json.Marshal(without)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: the default definition differs from the structured one by more than its outputSchema:\n%s\n%s", name, b, a)
		}
	}
}

func TestInputSchemaMirrorsTheSpec(t *testing.T) {
	var schema struct {
		Type                 string                     `json:"type"`
		AdditionalProperties *bool                      `json:"additionalProperties"`
		Required             []string                   `json:"required"`
		Properties           map[string]json.RawMessage `json:"properties"`
		Defs                 any                        `json:"$defs"`
		Ref                  string                     `json:"$ref"`
	}
	tool := listConversations.serverTool(serving{}).Tool
	if err := json.Unmarshal(tool.RawInputSchema, &schema); err != nil {
		t.Fatal(err)
	}
	if schema.Type != "object" || schema.AdditionalProperties == nil || *schema.AdditionalProperties || schema.Defs != nil || schema.Ref != "" || len(schema.Required) != 0 {
		t.Errorf("schema head: %+v; want a flat object, additionalProperties false, nothing required", schema)
	}
	want := map[string][]string{ // property -> fragments its schema must hold
		// Its items take a line's name too, which the tool resolves
		// (TestPublishedSchemaTakesLineNames).
		"phoneNumbers":    {`"type":"array"`, `"minItems":1`, `"maxItems":100`, `"items":{"type":"string"}`},
		"phoneNumber":     {`"deprecated":true`, `"pattern":"^PN(.*)$"`},
		"userId":          {`"type":"string"`},
		"createdAfter":    {`"format":"date-time"`},
		"createdBefore":   {`"format":"date-time"`},
		"updatedAfter":    {`"format":"date-time"`},
		"updatedBefore":   {`"format":"date-time"`},
		"excludeInactive": {`"type":"boolean"`},
		"maxResults":      {`"type":"integer"`, `"minimum":1`, `"maximum":100`, `"default":10`},
		"pageToken":       {`"type":"string"`},
	}
	if len(schema.Properties) != len(want) {
		t.Errorf("%d properties, want the spec's %d", len(schema.Properties), len(want))
	}
	for name, fragments := range want {
		prop := string(schema.Properties[name])
		if !strings.Contains(prop, `"description":"`) {
			t.Errorf("%s has no description", name)
		}
		for _, f := range fragments {
			if !strings.Contains(prop, f) {
				t.Errorf("%s: %s lacks %s", name, prop, f)
			}
		}
	}
}

func TestBadArguments(t *testing.T) {
	f := newFixture(t, openphonetest.DemoWorkspace())
	tests := []struct {
		name  string
		args  any
		names []string // what the message must mention
	}{
		{"unknown parameter", map[string]any{"limit": 5}, []string{"limit", "maxResults"}},
		{"case-insensitive near miss", map[string]any{"MaxResults": 5}, []string{"MaxResults", `did you mean "maxResults"`}},
		{"maxResults as string", map[string]any{"maxResults": "10"}, []string{"maxResults", "integer"}},
		{"maxResults fractional", map[string]any{"maxResults": 2.5}, []string{"maxResults", "integer"}},
		{"maxResults zero", map[string]any{"maxResults": 0}, []string{"maxResults", "1 to 100"}},
		{"maxResults too big", map[string]any{"maxResults": 1000}, []string{"maxResults", "1 to 100"}},
		{"phoneNumbers not an array", map[string]any{"phoneNumbers": "+15555555555"}, []string{"phoneNumbers", "array"}},
		{"phoneNumbers empty", map[string]any{"phoneNumbers": []any{}}, []string{"phoneNumbers", "1 to 100"}},
		{"phoneNumbers item", map[string]any{"phoneNumbers": []any{"PNEAIjRnLh", "415-555"}}, []string{"phoneNumbers[1]", `"415-555"`, "not a valid phone number", "+14155550100"}},
		{"phoneNumbers item type", map[string]any{"phoneNumbers": []any{15555555555}}, []string{"phoneNumbers", "array of strings"}},
		{"deprecated phoneNumber", map[string]any{"phoneNumber": "marketing"}, []string{"phoneNumber", "E.164", "line's name", `"Sales"`}},
		{"userId", map[string]any{"userId": "jordan@example.com"}, []string{"userId", "US"}},
		{"date without zone", map[string]any{"createdAfter": "2024-01-01T00:00:00"}, []string{"createdAfter", "RFC 3339"}},
		{"date as number", map[string]any{"updatedBefore": 1704067200}, []string{"updatedBefore", "string"}},
		{"inverted range", map[string]any{"createdAfter": "2024-02-01T00:00:00Z", "createdBefore": "2024-01-01T00:00:00Z"}, []string{"createdAfter", "createdBefore"}},
		{"excludeInactive as string", map[string]any{"excludeInactive": "true"}, []string{"excludeInactive", "boolean"}},
		{"deeply nested", map[string]any{"pageToken": map[string]any{"a": map[string]any{"b": []any{1}}}}, []string{"pageToken", "string"}},
		{"several at once", map[string]any{"maxResults": -1, "userId": "x", "foo": true}, []string{"maxResults", "userId", "foo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := call(t, f.server, "list_conversations", tt.args)
			msg := text(res)
			if !res.IsError {
				t.Fatalf("isError false for %v: %s", tt.args, msg)
			}
			if !strings.Contains(msg, "the request was not sent to OpenPhone") {
				t.Errorf("message does not say the request was not sent: %s", msg)
			}
			for _, n := range tt.names {
				if !strings.Contains(msg, n) {
					t.Errorf("message lacks %q:\n%s", n, msg)
				}
			}
		})
	}
	if n := len(f.conversationRequests()); n != 0 {
		t.Errorf("bad arguments sent %d conversation requests upstream, want none", n)
	}
}

func TestMissingKey(t *testing.T) {
	res := call(t, NewServer(Config{Version: "test"}), "list_conversations", map[string]any{"maxResults": 5})
	if !res.IsError || !strings.Contains(text(res), "OPENPHONE_API_KEY") || !strings.Contains(text(res), "--demo") {
		t.Errorf("got isError=%v %q; want an error naming OPENPHONE_API_KEY and --demo", res.IsError, text(res))
	}
}

func TestListConversationsResult(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	f := newFixture(t, ws)
	f.server = NewServer(Config{Client: f.client, Version: "test", StructuredOutput: true, Context: t.Context()})
	res := call(t, f.server, "list_conversations", map[string]any{"maxResults": 4})
	if res.IsError {
		t.Fatal(text(res))
	}
	raw, _ := json.Marshal(res.StructuredContent)
	var got struct {
		Conversations []map[string]any `json:"conversations"`
		NextPageToken *string          `json:"nextPageToken"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Conversations) != 4 || got.NextPageToken == nil {
		t.Fatalf("structured content: %s", raw)
	}
	if !strings.Contains(text(res), `pageToken "`+*got.NextPageToken+`"`) {
		t.Errorf("summary does not give the exact next page token %q:\n%s", *got.NextPageToken, text(res))
	}
	for _, c := range got.Conversations {
		for k, v := range c {
			if v == nil {
				t.Errorf("structured content keeps null %s", k)
			}
		}
		if !strings.Contains(text(res), c["id"].(string)) {
			t.Errorf("summary lacks %s", c["id"])
		}
	}
	if sent := f.conversationRequests()[0].Query.Get("maxResults"); sent != "4" {
		t.Errorf("maxResults sent as %q", sent)
	}

	// The default page size is sent when maxResults is left out.
	call(t, f.server, "list_conversations", nil)
	if sent := f.conversationRequests()[1].Query.Get("maxResults"); sent != "10" {
		t.Errorf("maxResults sent as %q without one given, want 10", sent)
	}
}

// TestBoundsLetTheModelGoOn: the exact bounds a page gives are values the
// date filters accept, and updatedBefore set to the page's oldest update
// lists only conversations the page did not show.
func TestBoundsLetTheModelGoOn(t *testing.T) {
	f := newFixture(t, openphonetest.GenerateWorkspace(2, 40))
	first := text(call(t, f.server, "list_conversations", map[string]any{"maxResults": 10}))
	m := regexp.MustCompile(`updatedAt (\S+) to (\S+?)\.\n`).FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("no updatedAt bounds in:\n%s", first)
	}
	res := call(t, f.server, "list_conversations", map[string]any{"maxResults": 100, "updatedBefore": m[1]})
	if res.IsError {
		t.Fatalf("updatedBefore %s: %s", m[1], text(res))
	}
	rows := regexp.MustCompile(`(?m)^(?:\d\d:\d\d )?(CN[A-Za-z0-9]+) \+`).FindAllStringSubmatch(first, -1)
	if len(rows) != 10 {
		t.Fatalf("first page shows %d conversations, want 10", len(rows))
	}
	for _, row := range rows {
		id := row[1]
		if strings.Contains(text(res), id) {
			t.Errorf("%s, shown on the first page, is listed again before %s", id, m[1])
		}
	}
	if !strings.Contains(text(res), "conversations, by line, most recent activity first in each") {
		t.Errorf("nothing older than the first page:\n%s", text(res))
	}
}

// TestOneErrorPerWrongTypedArgument: an argument of the wrong type is
// reported once, not again as the default it was left at.
func TestOneErrorPerWrongTypedArgument(t *testing.T) {
	f := newFixture(t, openphonetest.DemoWorkspace())
	for _, tt := range []struct {
		tool string
		args map[string]any
	}{
		{"list_conversations", map[string]any{"maxResults": "5"}},
		{"list_conversations", map[string]any{"phoneNumbers": "+15555555555"}},
		{"list_conversations", map[string]any{"maxResults": 2.5, "userId": 7}},
		{"list_users", map[string]any{"maxResults": "5"}},
		{"list_phone_numbers", map[string]any{"userId": true}},
	} {
		res := call(t, f.server, tt.tool, tt.args)
		msg := text(res)
		if got := strings.Count(msg, "\n- "); !res.IsError || got != len(tt.args) {
			t.Errorf("%s %v: %d errors for %d wrong arguments:\n%s", tt.tool, tt.args, got, len(tt.args), msg)
		}
	}
}

// TestPublishedSchemaTakesLineNames: a client that validates arguments
// against the published schema (the TypeScript SDK's ajv, say) lets a
// line's name through, as the description invites.
func TestPublishedSchemaTakesLineNames(t *testing.T) {
	for _, tt := range []struct {
		tool server.ServerTool
		args string
	}{
		{listConversations.serverTool(serving{}), `{"phoneNumbers":["Sales","+14155550100","PN123"]}`},
		{listMessages.serverTool(serving{}), `{"phoneNumberId":"Sales","participants":["+14155550100"]}`},
		{listCalls.serverTool(serving{}), `{"phoneNumberId":"sales","participants":["+14155550100"]}`},
	} {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(tt.tool.Tool.RawInputSchema))
		if err != nil {
			t.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		c.AddResource("schema.json", doc)
		schema, err := c.Compile("schema.json")
		if err != nil {
			t.Fatal(err)
		}
		args, _ := jsonschema.UnmarshalJSON(strings.NewReader(tt.args))
		if err := schema.Validate(args); err != nil {
			t.Errorf("%s refuses %s: %v", tt.tool.Tool.Name, tt.args, err)
		}
	}
}
