package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestE2ECommandLineAnswers: the binary answers as a good command line
// does: --help exits 0 with the usage on standard output; a bad setting in
// the environment, arguments that are not JSON and an unknown tool are
// told on standard error with what to do instead, and exit 2.
func TestE2ECommandLineAnswers(t *testing.T) {
	for _, tt := range []struct {
		name       string
		args, env  []string
		code       int
		out, stder string
	}{
		{"--help", []string{"--help"}, nil, 0, "Usage: openphone-mcp", ""},
		{"a bad rate", []string{"tools"}, []string{"OPENPHONE_MAX_RPS=fast"}, 2, "", `OPENPHONE_MAX_RPS="fast": want a number, such as 10`},
		{"arguments that are not JSON", []string{"--demo", "call", "list_conversations", "maxResults=3"}, nil, 2, "", `such as
  openphone-mcp call list_conversations '{"maxResults":10}'`},
		{"an unknown tool", []string{"--demo", "call", "list_conversation"}, nil, 2, "", "the tools are: activity_report, create_contact, create_task,"},
		{"an unknown toolset", []string{"tools"}, []string{"OPENPHONE_TOOLSETS=contacts,sms"}, 2, "", `--toolsets (OPENPHONE_TOOLSETS) "sms": no such toolset; the toolsets are conversations, calls, contacts, tasks, reports, writes or all`},
		{"writes without --allow-writes", []string{"--toolsets", "writes", "tools"}, nil, 2, "", "turn them on with --allow-writes (OPENPHONE_ALLOW_WRITES=true)"},
		{"a tool of a set not served", []string{"--demo", "--toolsets", "contacts", "call", "get_call"}, nil, 2, "", "get_call is in the toolset calls, which --toolsets (OPENPHONE_TOOLSETS) does not serve"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(binary, tt.args...)
			cmd.Env = append(append(os.Environ(), noKeyEnv...), append(tt.env, "OPENPHONE_STATE_DIR="+t.TempDir())...)
			var errOut bytes.Buffer
			cmd.Stderr = &errOut
			out, code := output(t, cmd)
			if code != tt.code || !strings.Contains(string(out), tt.out) || !strings.Contains(errOut.String(), tt.stder) {
				t.Errorf("exit %d, want %d\nstdout:\n%.300s\nstderr:\n%s", code, tt.code, out, errOut.String())
			}
		})
	}
}

// TestE2EToolsets: --toolsets contacts publishes the contact tools only,
// and no prompt (each calls recent_activity or activity_report); the
// tools command prints the same.
func TestE2EToolsets(t *testing.T) {
	want := []string{"find_contacts", "get_contact", "list_contacts"}
	env := append(noKeyEnv, "OPENPHONE_STATE_DIR="+t.TempDir())
	c, init := startCommand(t, "e2e", binary, env, "--demo", "--toolsets", "contacts")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, want) {
		t.Errorf("tools %v, want %v", names, want)
	}
	if list, err := c.ListPrompts(ctx, mcp.ListPromptsRequest{}); err == nil && len(list.Prompts) > 0 {
		t.Errorf("prompts %v with the contacts only", list.Prompts)
	}
	if strings.Contains(init.Instructions, "recent_activity") || !strings.Contains(init.Instructions, "find_contacts") {
		t.Errorf("instructions name tools not served, or not those served:\n%s", init.Instructions)
	}

	cmd := exec.Command(binary, "tools")
	cmd.Env = append(append(os.Environ(), env...), "OPENPHONE_TOOLSETS=contacts")
	out, code := output(t, cmd)
	var printed []struct{ Name string }
	if err := json.Unmarshal(out, &printed); err != nil || code != 0 {
		t.Fatalf("tools: exit %d, %v:\n%.300s", code, err, out)
	}
	names = nil
	for _, tool := range printed {
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, want) {
		t.Errorf("tools with OPENPHONE_TOOLSETS=contacts: %v, want %v", names, want)
	}
}

// TestE2EPrompts: over stdio, the demo declares prompts and lists the daily
// jobs; one is written on the demo's clock, and a bad argument is refused
// by name.
func TestE2EPrompts(t *testing.T) {
	c, init := startCommand(t, "e2e", binary, append(noKeyEnv, "OPENPHONE_STATE_DIR="+t.TempDir()), "--demo")
	if init.Capabilities.Prompts == nil {
		t.Error("initialize declares no prompts")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	list, err := c.ListPrompts(ctx, mcp.ListPromptsRequest{})
	if err != nil || len(list.Prompts) != 3 {
		t.Fatalf("prompts/list: %v %v", list, err)
	}
	req := mcp.GetPromptRequest{}
	req.Params.Name = "triage"
	res, err := c.GetPrompt(ctx, req)
	var script string
	if err == nil && len(res.Messages) == 1 {
		if tc, ok := mcp.AsTextContent(res.Messages[0].Content); ok {
			script = tc.Text
		}
	}
	if !strings.Contains(script, "to now (2026-11-20T17:00:00Z)") {
		t.Errorf("triage: %v %v", res, err)
	}
	req.Params.Arguments = map[string]string{"since": "soon"}
	if _, err := c.GetPrompt(ctx, req); err == nil || !strings.Contains(err.Error(), `since: "soon" is not a time`) {
		t.Errorf("triage since soon: %v", err)
	}
}
