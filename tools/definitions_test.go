package tools

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// Budgets of what the tools' definitions cost the model on every turn:
// their {name, description, inputSchema} in o200k tokens, as a client
// sends them. Every tool is held to the same bounds.
const (
	toolTokenBudget     = 600  // any one tool
	allToolsTokenBudget = 3250 // every tool that reads, together (fourteen)
	// contactToolsTokenBudget holds list_contacts, get_contact and
	// find_contacts together: the contact tools added 1,527 tokens' worth
	// of six tools to about 1,950.
	contactToolsTokenBudget = 450
	// writeToolsTokenBudget holds the seven tools that write, published
	// only with writes on: the four of #26 (about 1,060 tokens) and
	// send_private_texts, create_contact and update_contact (#31).
	writeToolsTokenBudget = 2400
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

func TestToolDefinitionsTokenBudget(t *testing.T) {
	list, err := ListTools(context.Background(), NewServer(Config{Version: "test"}))
	if err != nil {
		t.Fatal(err)
	}
	all := 0
	for name, n := range definitionTokens(t, list) {
		t.Logf("%s: %d tokens", name, n)
		all += n
		if n > toolTokenBudget {
			t.Errorf("the definition of %s costs %d tokens, over the budget of %d for one tool", name, n, toolTokenBudget)
		}
	}
	t.Logf("every tool: %d tokens", all)
	counts := definitionTokens(t, list)
	if contact := counts["list_contacts"] + counts["get_contact"] + counts["find_contacts"]; contact > contactToolsTokenBudget {
		t.Errorf("the contact tools' definitions cost %d tokens, over their budget of %d", contact, contactToolsTokenBudget)
	}
	if all > allToolsTokenBudget {
		t.Errorf("the definitions of every tool cost %d tokens, over the budget of %d", all, allToolsTokenBudget)
	}
}

func TestWriteToolDefinitionsTokenBudget(t *testing.T) {
	list, err := ListTools(context.Background(), NewServer(Config{Version: "test", AllowWrites: true}))
	if err != nil {
		t.Fatal(err)
	}
	counts := definitionTokens(t, list)
	writes := 0
	for name := range writeAnnotations {
		n, ok := counts[name]
		if !ok {
			t.Fatalf("%s is not published with writes on", name)
		}
		t.Logf("%s: %d tokens", name, n)
		writes += n
		if n > toolTokenBudget {
			t.Errorf("the definition of %s costs %d tokens, over the budget of %d for one tool", name, n, toolTokenBudget)
		}
	}
	t.Logf("the tools that write: %d tokens", writes)
	if writes > writeToolsTokenBudget {
		t.Errorf("the definitions of the tools that write cost %d tokens, over their budget of %d", writes, writeToolsTokenBudget)
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
