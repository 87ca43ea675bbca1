package tools

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

var readSets = []string{"conversations", "calls", "contacts", "tasks", "reports"}

func TestParseToolsets(t *testing.T) {
	every := append(slices.Clone(readSets), WritesToolset)
	for _, tt := range []struct {
		list   string
		writes bool
		want   []string
		err    []string // what the error says
	}{
		{list: "", want: readSets},
		{list: "", writes: true, want: every},
		{list: " , ", want: readSets},
		{list: "all", want: readSets},
		{list: "all", writes: true, want: every},
		{list: "contacts", want: []string{"contacts"}},
		{list: "contacts", writes: true, want: []string{"contacts"}},
		{list: "tasks, contacts,contacts", want: []string{"contacts", "tasks"}},
		{list: "contacts,all", want: readSets},
		{list: "reports,writes", writes: true, want: []string{"reports", WritesToolset}},
		{list: "writes", err: []string{"writes", "--allow-writes", "OPENPHONE_ALLOW_WRITES"}},
		{list: "contacts,writes", err: []string{"--allow-writes"}},
		{list: "contacts,fax", writes: true, err: []string{`"fax": no such toolset`, "conversations, calls, contacts, tasks, reports, writes or all"}},
		{list: "Contacts", err: []string{`"Contacts"`}},
		{list: "smss,fax", err: []string{`"fax", "smss"`}},
	} {
		got, err := ParseToolsets(tt.list, tt.writes)
		if tt.err != nil {
			if err == nil {
				t.Errorf("ParseToolsets(%q, %v) = %v, want an error", tt.list, tt.writes, got)
				continue
			}
			for _, says := range tt.err {
				if !strings.Contains(err.Error(), says) {
					t.Errorf("ParseToolsets(%q, %v): %q does not say %q", tt.list, tt.writes, err, says)
				}
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("ParseToolsets(%q, %v) = %v, %v; want %v", tt.list, tt.writes, got, err, tt.want)
		}
	}
}

// TestEveryToolIsInOneToolset: with every set served, every tool is
// published, each from one set.
func TestEveryToolIsInOneToolset(t *testing.T) {
	seen := map[string]string{}
	for _, ts := range Toolsets() {
		for _, name := range ts.Tools() {
			if other, ok := seen[name]; ok {
				t.Errorf("%s is in %s and %s", name, other, ts.Name)
			}
			seen[name] = ts.Name
		}
	}
	all := servedNames(t, NewServer(Config{Version: "test", AllowWrites: true, Toolsets: append(slices.Clone(readSets), WritesToolset)}))
	if got := slices.Sorted(maps.Keys(seen)); !slices.Equal(got, all) {
		t.Errorf("the toolsets hold %v;\nthe server with every set publishes %v", got, all)
	}
	if len(all) != 21 {
		t.Errorf("%d tools with every set; want 21", len(all))
	}
}

// TestServedToolsets: the server publishes the tools of the sets it is
// given, and writes only with AllowWrites; its instructions name only
// those tools, and its prompts are those whose tools it serves.
func TestServedToolsets(t *testing.T) {
	reads := []string{"activity_report", "find_contacts", "get_call", "get_contact", "get_task", "list_calls", "list_contacts", "list_conversations",
		"list_messages", "list_phone_numbers", "list_tasks", "list_users", "recent_activity", "search_messages"}
	writes := []string{"create_contact", "create_task", "mark_conversation", "send_message", "send_private_texts", "update_contact", "update_task"}
	everyPrompt := []string{"follow_up_voicemails", "triage", "weekly_report"}
	for _, tt := range []struct {
		name     string
		toolsets []string
		writes   bool
		tools    []string
		prompts  []string
	}{
		{"default", nil, false, reads, everyPrompt},
		{"default with writes", nil, true, slices.Sorted(slices.Values(append(slices.Clone(reads), writes...))), everyPrompt},
		{"contacts", []string{"contacts"}, false, []string{"find_contacts", "get_contact", "list_contacts"}, nil},
		{"contacts, writes allowed", []string{"contacts"}, true, []string{"find_contacts", "get_contact", "list_contacts"}, nil},
		{"conversations", []string{"conversations"}, false, []string{"list_conversations", "list_messages", "list_phone_numbers", "list_users", "recent_activity"},
			[]string{"follow_up_voicemails", "triage"}},
		{"tasks and reports", []string{"tasks", "reports"}, false, []string{"activity_report", "get_task", "list_tasks", "search_messages"}, []string{"weekly_report"}},
		{"writes without AllowWrites", []string{"tasks", WritesToolset}, false, []string{"get_task", "list_tasks"}, nil},
		{"writes", []string{"tasks", WritesToolset}, true, slices.Sorted(slices.Values(append([]string{"get_task", "list_tasks"}, writes...))), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(Config{Version: "test", Toolsets: tt.toolsets, AllowWrites: tt.writes})
			if got := servedNames(t, s); !slices.Equal(got, tt.tools) {
				t.Errorf("tools %v; want %v", got, tt.tools)
			}
			if got := promptNames(t, s); !slices.Equal(got, tt.prompts) {
				t.Errorf("prompts %v; want %v", got, tt.prompts)
			}
			said := serverInstructions(t, s)
			for _, name := range append(slices.Clone(reads), writes...) {
				if named := strings.Contains(said, name+" ") || strings.Contains(said, name+":") || strings.Contains(said, name+","); named != slices.Contains(tt.tools, name) {
					t.Errorf("the instructions name %s: %v; it is published: %v\n%s", name, named, !named, said)
				}
			}
		})
	}
}

// TestPromptsWithoutCalls: the voicemails' prompt names get_call only
// where it is served.
func TestPromptsWithoutCalls(t *testing.T) {
	for _, sets := range [][]string{nil, {"conversations"}} {
		text, err := getPrompt(t, NewServer(Config{Version: "test", Now: demoNow, Toolsets: sets}), "follow_up_voicemails", nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := sets == nil; strings.Contains(text, "get_call") != want {
			t.Errorf("toolsets %v: the prompt names get_call: %v, want %v:\n%s", sets, !want, want, text)
		}
	}
}

func TestUnknownToolsetPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), `"fax" is no toolset`) {
			t.Errorf("recovered %v", r)
		}
	}()
	NewServer(Config{Version: "test", Toolsets: []string{"fax"}})
}

// servedNames are the tools s publishes, sorted.
func servedNames(t *testing.T, s *server.MCPServer) []string {
	t.Helper()
	list, err := ListTools(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	var defs []struct{ Name string }
	if err := json.Unmarshal(list, &defs); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range defs {
		names = append(names, d.Name)
	}
	slices.Sort(names)
	return names
}

// promptNames are the prompts s publishes, sorted.
func promptNames(t *testing.T, s *server.MCPServer) []string {
	t.Helper()
	c, err := connect(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.ListPrompts(t.Context(), mcp.ListPromptsRequest{})
	if err != nil {
		return nil // no prompts: no capability
	}
	var names []string
	for _, p := range res.Prompts {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	return names
}

// serverInstructions are the instructions of s's handshake.
func serverInstructions(t *testing.T, s *server.MCPServer) string {
	t.Helper()
	raw, err := json.Marshal(s.HandleMessage(t.Context(), json.RawMessage(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}`)))
	if err != nil {
		t.Fatal(err)
	}
	var reply struct {
		Result struct{ Instructions string } `json:"result"`
	}
	if err := json.Unmarshal(raw, &reply); err != nil {
		t.Fatal(err)
	}
	return reply.Result.Instructions
}
