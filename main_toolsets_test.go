package main

import (
	"slices"
	"strings"
	"testing"
)

// TestToolsetsConfig: --toolsets and OPENPHONE_TOOLSETS name the sets
// served; unset is the default (nil, which tools.NewServer knows); a name
// that is no set's, or writes without --allow-writes, is refused at start,
// saying what to write instead.
func TestToolsetsConfig(t *testing.T) {
	for _, name := range envOf {
		t.Setenv(name, "")
	}
	base := []string{"--store=off", "--state-dir=" + t.TempDir()}
	for _, tc := range []struct {
		name string
		args []string
		env  string
		want []string // nil with says "": the default
		says string   // in the refusal
	}{
		{"default", nil, "", nil, ""},
		{"flag", []string{"--toolsets=contacts,tasks"}, "", []string{"contacts", "tasks"}, ""},
		{"environment", nil, "reports, contacts", []string{"contacts", "reports"}, ""},
		{"flag over environment", []string{"--toolsets=tasks"}, "contacts", []string{"tasks"}, ""},
		{"all", []string{"--toolsets=all"}, "", []string{"conversations", "calls", "contacts", "tasks", "reports"}, ""},
		{"all with writes", []string{"--toolsets=all", "--allow-writes"}, "", []string{"conversations", "calls", "contacts", "tasks", "reports", "writes"}, ""},
		{"writes", []string{"--toolsets=tasks,writes", "--allow-writes"}, "", []string{"tasks", "writes"}, ""},
		{"writes in the demo", []string{"--toolsets=writes", "--demo"}, "", []string{"writes"}, ""},
		{"writes allowed, left out", []string{"--toolsets=contacts", "--allow-writes"}, "", []string{"contacts"}, ""},
		{"writes without --allow-writes", []string{"--toolsets=tasks,writes"}, "", nil, "--toolsets (OPENPHONE_TOOLSETS) writes: the tools that write are off; turn them on with --allow-writes (OPENPHONE_ALLOW_WRITES=true)"},
		{"unknown", []string{"--toolsets=contacts,sms"}, "", nil, `--toolsets (OPENPHONE_TOOLSETS) "sms": no such toolset; the toolsets are conversations, calls, contacts, tasks, reports, writes or all`},
		{"unknown in the environment", nil, "contact", nil, `"contact": no such toolset`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("OPENPHONE_TOOLSETS", tc.env)
			stderr := captureStderr(t)
			cfg, status := parseConfig(append(slices.Clone(base), append(tc.args, "tools")...))
			said := stderr()
			switch {
			case tc.says != "" && (cfg != nil || status != 2 || !strings.Contains(said, tc.says)):
				t.Errorf("status %d, said %q; want it refused, saying %q", status, said, tc.says)
			case tc.says == "" && (cfg == nil || !slices.Equal(cfg.toolsets, tc.want)):
				t.Errorf("status %d, said %q; want the toolsets %v", status, said, tc.want)
			case cfg != nil && cfg.writesLeftOut != (tc.name == "writes allowed, left out"):
				t.Errorf("writes left out: %v", cfg.writesLeftOut)
			case cfg != nil && cfg.allowWrites && cfg.toolsets != nil && !slices.Contains(cfg.toolsets, "writes"):
				t.Errorf("writes on with the toolsets %v, which serve none: a ledger opened for nothing", cfg.toolsets)
			}
		})
	}
}
