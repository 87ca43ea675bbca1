package tools

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
)

// getPrompt asks s for a prompt as a client does, and returns its text.
func getPrompt(t *testing.T, s *server.MCPServer, name string, args map[string]string) (string, error) {
	t.Helper()
	c, err := connect(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := mcp.GetPromptRequest{}
	req.Params.Name, req.Params.Arguments = name, args
	res, err := c.GetPrompt(t.Context(), req)
	if err != nil {
		return "", err
	}
	var parts []string
	for _, m := range res.Messages {
		if m.Role != mcp.RoleUser {
			t.Errorf("%s: a message of role %s", name, m.Role)
		}
		if tc, ok := mcp.AsTextContent(m.Content); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n"), nil
}

// demoNow is the demo's standing clock.
func demoNow() time.Time { return openphonetest.DemoEpoch }

// TestPromptsList: the three daily jobs are published, each with a title,
// a description and described arguments, none required; and the server
// says it has prompts.
func TestPromptsList(t *testing.T) {
	s := NewServer(Config{Version: "test", Now: demoNow})
	c, err := connect(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.ListPrompts(t.Context(), mcp.ListPromptsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range res.Prompts {
		names = append(names, p.Name)
		if p.Title == "" || p.Description == "" || len(p.Arguments) == 0 {
			t.Errorf("%s: title %q, description %q, %d arguments", p.Name, p.Title, p.Description, len(p.Arguments))
		}
		for _, a := range p.Arguments {
			if a.Description == "" || a.Required {
				t.Errorf("%s: argument %s: description %q, required %v", p.Name, a.Name, a.Description, a.Required)
			}
		}
	}
	slices.Sort(names)
	if want := []string{"follow_up_voicemails", "triage", "weekly_report"}; !slices.Equal(names, want) {
		t.Errorf("prompts %v, want %v", names, want)
	}
	raw, _ := json.Marshal(s.HandleMessage(context.Background(), json.RawMessage(
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)))
	if !strings.Contains(string(raw), `"prompts":{`) {
		t.Errorf("initialize does not declare prompts: %s", raw)
	}
}

// TestPromptsGolden: each prompt's script, on the demo's clock, with its
// defaults and with arguments, with writes off and on.
func TestPromptsGolden(t *testing.T) {
	for _, writes := range []bool{false, true} {
		s := NewServer(Config{Version: "test", Now: demoNow, AllowWrites: writes, Context: t.Context()})
		var b strings.Builder
		for _, tt := range []struct {
			name string
			args map[string]string
		}{
			{"triage", nil},
			{"triage", map[string]string{"since": "today", "line": "Support"}},
			{"follow_up_voicemails", nil},
			{"follow_up_voicemails", map[string]string{"since": "2d"}},
			{"weekly_report", nil},
			{"weekly_report", map[string]string{"since": "2026-11-01", "groupBy": "user", "timeZone": "America/New_York"}},
		} {
			text, err := getPrompt(t, s, tt.name, tt.args)
			if err != nil {
				t.Fatalf("%s %v: %v", tt.name, tt.args, err)
			}
			args, _ := json.Marshal(tt.args)
			b.WriteString("=== " + tt.name + " " + string(args) + "\n" + text + "\n\n")
		}
		name := "prompts.txt"
		if writes {
			name = "prompts_writes.txt"
		}
		golden(t, name, []byte(b.String()))
	}
}

// TestPromptsBadArguments: a mistaken argument is refused with its name,
// what is wrong and the form wanted, as a tool's would be.
func TestPromptsBadArguments(t *testing.T) {
	s := NewServer(Config{Version: "test", Now: demoNow})
	for _, tt := range []struct {
		name string
		args map[string]string
		want []string
	}{
		{"triage", map[string]string{"since": "soonish"}, []string{`since: "soonish" is not a time`, "2026-11-20T09:00:00Z", "4h or 2d"}},
		{"triage", map[string]string{"since": "2027-01-01"}, []string{`since: "2027-01-01" is not before now (2026-11-20T17:00:00Z)`}},
		{"triage", map[string]string{"sinse": "4h"}, []string{`sinse: "4h" is not an argument of this prompt`, "its arguments are: since, line"}},
		{"follow_up_voicemails", map[string]string{"since": "last week"}, []string{`since: "last week" is not a time`}},
		{"weekly_report", map[string]string{"groupBy": "month", "timeZone": "Mars/Olympus"}, []string{`groupBy: "month" is not a choice; want line, user, day or hour`, `timeZone: "Mars/Olympus" is not a time zone`}},
		{"weekly_report", map[string]string{"since": strings.Repeat("x", 300)}, []string{"since:", "at most 200 characters"}},
	} {
		_, err := getPrompt(t, s, tt.name, tt.args)
		if err == nil {
			t.Errorf("%s %v: no error", tt.name, tt.args)
			continue
		}
		for _, w := range append(tt.want, "the prompt "+tt.name+" was not made") {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s %v: %v; want %q", tt.name, tt.args, err, w)
			}
		}
	}
}

var scriptedCall = regexp.MustCompile(`Call (\w+) once with (\{.*?\})\. `)

// TestPromptsCallsAnswer: the one call each script names answers on the
// demo, from its store, without an error: the script is one call.
func TestPromptsCallsAnswer(t *testing.T) {
	_, s := demoServer(t, syncedDemo(t))
	for _, name := range []string{"triage", "follow_up_voicemails", "weekly_report"} {
		text, err := getPrompt(t, s, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		calls := scriptedCall.FindAllStringSubmatch(text, -1)
		if len(calls) != 1 {
			t.Fatalf("%s names %d calls:\n%s", name, len(calls), text)
		}
		var args map[string]any
		if err := json.Unmarshal([]byte(calls[0][2]), &args); err != nil {
			t.Fatal(err)
		}
		res, err := CallTool(t.Context(), s, calls[0][1], args)
		if err != nil || res.IsError {
			t.Errorf("%s: %s %s: %v\n%s", name, calls[0][1], calls[0][2], err, ResultText(res))
		}
	}
}
