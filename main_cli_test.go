package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/tools"
)

// captured swaps stdout and stderr for buffers until the test ends.
func captured(t *testing.T) (out, errOut *bytes.Buffer) {
	out, errOut = new(bytes.Buffer), new(bytes.Buffer)
	saved, savedErr := stdout, stderr
	stdout, stderr = out, errOut
	t.Cleanup(func() { stdout, stderr = saved, savedErr })
	return out, errOut
}

// TestHelpExitsZero: --help, -h and help print the usage on standard
// output and exit 0; a flag that does not exist is a mistake, told once.
func TestHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"--demo", "--help"}} {
		out, errOut := captured(t)
		cfg, status := parseConfig(args)
		if cfg != nil || status != 0 || !strings.HasPrefix(out.String(), "Usage: openphone-mcp") || !strings.Contains(out.String(), "-max-rps") || errOut.Len() != 0 {
			t.Errorf("%v: status %d; stdout %.80q; stderr %q", args, status, out, errOut)
		}
	}
	out, errOut := captured(t)
	if _, status := parseConfig([]string{"--bogus"}); status != 2 || out.Len() != 0 ||
		strings.Count(errOut.String(), "flag provided but not defined: -bogus") != 1 || !strings.Contains(errOut.String(), "Usage:") {
		t.Errorf("--bogus: status %d; stderr %q", status, errOut)
	}
}

// TestBadEnvironmentValue: a value the flag cannot take names its
// variable and the form it wants, with an example.
func TestBadEnvironmentValue(t *testing.T) {
	for _, tt := range []struct{ env, value, want string }{
		{"OPENPHONE_MAX_RPS", "fast", `OPENPHONE_MAX_RPS="fast": want a number, such as 10`},
		{"OPENPHONE_CALL_TIMEOUT", "soon", `OPENPHONE_CALL_TIMEOUT="soon": want a duration: a number and a unit, s, m or h, such as 30s`},
		{"OPENPHONE_CONTACTS_REFRESH", "5", `such as 10m`},
		{"OPENPHONE_STORE_DAYS", "ninety", `OPENPHONE_STORE_DAYS="ninety": want a whole number, such as 90`},
		{"OPENPHONE_REDIS_FALLBACK_RPS", "half", `want a number, such as 3`},
		{"OPENPHONE_STRUCTURED_OUTPUT", "yes", `OPENPHONE_STRUCTURED_OUTPUT="yes": want true, 1, false or 0`},
	} {
		t.Run(tt.env, func(t *testing.T) {
			t.Setenv(tt.env, tt.value)
			_, errOut := captured(t)
			if cfg, status := parseConfig([]string{"tools"}); cfg != nil || status != 2 || !strings.Contains(errOut.String(), tt.want) {
				t.Errorf("status %d; stderr %q; want %q", status, errOut, tt.want)
			}
		})
	}
}

// TestCallExplains: call with a tool that does not exist lists the tools
// (and where the writes are); arguments that are not a JSON object get an
// example of the tool's own; neither reaches the tool.
func TestCallExplains(t *testing.T) {
	s := tools.NewServer(tools.Config{Version: "test"})
	for _, tt := range []struct {
		name, tool, args string
		writesAllowed    bool
		want, not        []string
	}{
		{name: "an unknown tool", tool: "list_conversation", want: []string{`there is no tool "list_conversation"; the tools are: activity_report, find_contacts,`, "list_conversations", "search_messages"}},
		{name: "a write, with writes off", tool: "send_message", args: "{}", want: []string{`there is no tool "send_message"`, "--allow-writes"}, not: []string{"toolset"}},
		{name: "a write, with writes on but left out of --toolsets", tool: "send_message", args: "{}", writesAllowed: true,
			want: []string{`there is no tool "send_message"`, "send_message is in the toolset writes, which --toolsets (OPENPHONE_TOOLSETS) does not serve"}, not: []string{"--allow-writes"}},
		{name: "no tool", want: []string{"call needs a tool name", "list_users"}},
		{name: "key=value", tool: "list_conversations", args: "maxResults=3", want: []string{"the arguments must be one JSON object", `openphone-mcp call list_conversations '{"maxResults":10}'`, `"maxResults=3" is not JSON`}},
		{name: "a bare word", tool: "get_call", args: "ACabc", want: []string{`openphone-mcp call get_call '{"callId":"…"}'`}},
		{name: "an array", tool: "find_contacts", args: `["Kim"]`, want: []string{`'{"query":"…"}'`, `["Kim"] is JSON, but not an object`}},
		{name: "null", tool: "list_users", args: `null`, want: []string{"is JSON, but not an object"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut := captured(t)
			if status := call(context.Background(), s, tt.tool, tt.args, nil, tt.writesAllowed); status != 2 || out.Len() != 0 {
				t.Errorf("status %d, stdout %q", status, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(errOut.String(), w) {
					t.Errorf("stderr says %q:\n%s", w, errOut)
				}
			}
		})
	}
}
