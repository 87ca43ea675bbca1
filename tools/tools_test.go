package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
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
	server *server.MCPServer
}

func newFixture(t *testing.T, ws openphonetest.Workspace, opts ...client.Option) fixture {
	t.Helper()
	api := openphonetest.NewServer(ws)
	t.Cleanup(api.Close)
	c, err := client.New(api.APIKey, append([]client.Option{client.WithBaseURL(api.URL)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{api, NewServer(Config{Client: c, Version: "test"})}
}

// conversationRequests are the requests for conversations the fake received.
func (f fixture) conversationRequests() []openphonetest.Request {
	var reqs []openphonetest.Request
	for _, r := range f.api.Requests() {
		if r.Path == "/v1/conversations" {
			reqs = append(reqs, r)
		}
	}
	return reqs
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

func TestPublishedTools(t *testing.T) {
	s := NewServer(Config{Version: "test"})
	for name, tool := range s.ListTools() {
		// Trap: a tool that does not marshal silently empties tools/list over stdio.
		if _, err := json.Marshal(tool.Tool); err != nil {
			t.Errorf("json.Marshal(%s): %v", name, err)
		}
		a := tool.Tool.Annotations
		if a.ReadOnlyHint == nil || !*a.ReadOnlyHint || a.DestructiveHint == nil || *a.DestructiveHint ||
			a.IdempotentHint == nil || !*a.IdempotentHint || a.OpenWorldHint == nil || !*a.OpenWorldHint {
			t.Errorf("%s: annotations %+v, want read-only, not destructive, idempotent, open world", name, a)
		}
	}
	list, err := ListTools(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, list, "", "  "); err != nil {
		t.Fatal(err)
	}
	out.WriteString("\n")
	golden(t, "tools.json", out.Bytes())
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
	tool := listConversations(nil, nil).Tool
	if err := json.Unmarshal(tool.RawInputSchema, &schema); err != nil {
		t.Fatal(err)
	}
	if schema.Type != "object" || schema.AdditionalProperties == nil || *schema.AdditionalProperties || schema.Defs != nil || schema.Ref != "" || len(schema.Required) != 0 {
		t.Errorf("schema head: %+v; want a flat object, additionalProperties false, nothing required", schema)
	}
	want := map[string][]string{ // property -> fragments its schema must hold
		"phoneNumbers":    {`"type":"array"`, `"minItems":1`, `"maxItems":100`, `"pattern":"^\\+[1-9]\\d{1,14}$"`, `"pattern":"^PN(.*)$"`},
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
		{"phoneNumbers item", map[string]any{"phoneNumbers": []any{"PN1", "(415) 555-0100"}}, []string{"phoneNumbers[1]", `"(415) 555-0100"`, "E.164", "+14155550100"}},
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
