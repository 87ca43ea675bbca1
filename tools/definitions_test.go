package tools

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// Budgets of what the tools' definitions cost the model on every turn:
// their {name, description, inputSchema} in o200k tokens, as a client
// sends them.
const (
	toolTokenBudget = 600 // any one tool
	// defaultToolsTokenBudget holds the default toolsets, every tool that
	// reads (fourteen): 3,173 tokens before the toolsets of #32 trimmed
	// their descriptions to 2,854. A tool added to the default must fit.
	defaultToolsTokenBudget = 3000
	// everyToolTokenBudget holds every tool, those that write too, as a
	// person confirms them: 5,531 tokens before #32, 5,137 after.
	everyToolTokenBudget = 5300
)

// definitionTokens counts the o200k tokens of each published tool's
// {name, description, inputSchema}.
func definitionTokens(t testing.TB, list json.RawMessage) map[string]int {
	t.Helper()
	var defs []struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		InputSchema json.RawMessage `json:"inputSchema"`
	}
	if err := json.Unmarshal(list, &defs); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, d := range defs {
		raw, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		counts[d.Name] = testkit.Tokens(string(raw))
	}
	return counts
}

// TestToolDefinitionsTokenBudget holds what each served set of tools
// costs, and each tool in it.
func TestToolDefinitionsTokenBudget(t *testing.T) {
	for _, tt := range []struct {
		name   string
		cfg    Config
		tools  int
		budget int
	}{
		{"the default toolsets", Config{}, 14, defaultToolsTokenBudget},
		{"every tool, writes confirmed by a person", Config{AllowWrites: true, Toolsets: []string{"conversations", "calls", "contacts", "tasks", "reports", WritesToolset}}, 21, everyToolTokenBudget},
		{"every tool, writes confirmed by a code", Config{AllowWrites: true, Confirmation: ConfirmCode}, 21, everyToolTokenBudget + 250},
		{"the writes set", Config{AllowWrites: true, Toolsets: []string{WritesToolset}}, 7, 2350},
		{"the contacts set", Config{Toolsets: []string{"contacts"}}, 3, 400},
		{"the conversations set", Config{Toolsets: []string{"conversations"}}, 5, 1300},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Version = "test"
			list, err := ListTools(context.Background(), NewServer(tt.cfg))
			if err != nil {
				t.Fatal(err)
			}
			counts := definitionTokens(t, list)
			if len(counts) != tt.tools {
				t.Errorf("%d tools published; want %d", len(counts), tt.tools)
			}
			all := 0
			for _, name := range slices.Sorted(maps.Keys(counts)) {
				n := counts[name]
				t.Logf("%s: %d tokens", name, n)
				all += n
				if n > toolTokenBudget {
					t.Errorf("the definition of %s costs %d tokens, over the budget of %d for one tool", name, n, toolTokenBudget)
				}
			}
			t.Logf("%s: %d tokens", tt.name, all)
			if all > tt.budget {
				t.Errorf("the definitions of %s cost %d tokens, over their budget of %d", tt.name, all, tt.budget)
			}
		})
	}
}

// TestEveryParameterIsDescribed: a parameter the model reads without a
// word about it is a guess; every one, of every tool, says what it is.
func TestEveryParameterIsDescribed(t *testing.T) {
	list, err := ListTools(context.Background(), NewServer(Config{Version: "test", AllowWrites: true}))
	if err != nil {
		t.Fatal(err)
	}
	var defs []struct {
		Name        string `json:"name"`
		InputSchema struct {
			Properties map[string]struct {
				Description string `json:"description"`
			} `json:"properties"`
		} `json:"inputSchema"`
	}
	if err := json.Unmarshal(list, &defs); err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		for name, p := range d.InputSchema.Properties {
			if strings.TrimSpace(p.Description) == "" {
				t.Errorf("%s: the parameter %s has no description", d.Name, name)
			}
		}
	}
}

// TestDescriptionsSayWhatATrippedToolCannotDo: where the model reached
// for the wrong tool, its description says what it cannot do and names
// the tool that can.
func TestDescriptionsSayWhatATrippedToolCannotDo(t *testing.T) {
	for _, tt := range []struct{ description, says string }{
		{listConversationsDescription, "cannot filter by participant: find_contacts"},
		{listMessagesDescription, "cannot search words: search_messages"},
		{listCallsDescription, "cannot list a group's"},
		{listContactsDescription, "find_contacts searches them"},
		{findContactsDescription, "does not search texts: search_messages"},
		{getContactDescription, "find_contacts finds one by name or number"},
		{searchMessagesDescription, "find_contacts gives a contact's conversations"},
		{activityReportDescription, "recent_activity has them"},
	} {
		if !strings.Contains(tt.description, tt.says) {
			t.Errorf("%.40q… does not say %q", tt.description, tt.says)
		}
	}
}
