package tools

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/tiktoken-go/tokenizer"
)

// definitionTokenBudget bounds what the definitions of the first three
// tools cost the model on every turn: their {name, description,
// inputSchema} in o200k tokens, as a client sends them.
const definitionTokenBudget = 1000

// allToolsTokenBudget bounds the definitions of every tool.
const allToolsTokenBudget = 1600

// budgetedTools are the tools definitionTokenBudget covers.
var budgetedTools = []string{"list_conversations", "list_phone_numbers", "list_users"}

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
	enc, err := tokenizer.Get(tokenizer.O200kBase)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, d := range defs {
		raw, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		ids, _, _ := enc.Encode(string(raw))
		counts[d.Name] = len(ids)
	}
	return counts
}

func TestToolDefinitionsTokenBudget(t *testing.T) {
	list, err := ListTools(context.Background(), NewServer(Config{Version: "test"}))
	if err != nil {
		t.Fatal(err)
	}
	total, all := 0, 0
	for name, n := range definitionTokens(t, list) {
		t.Logf("%s: %d tokens", name, n)
		all += n
		if slices.Contains(budgetedTools, name) {
			total += n
		}
	}
	t.Logf("%v: %d tokens; every tool: %d", budgetedTools, total, all)
	if total > definitionTokenBudget {
		t.Errorf("the definitions of %v cost %d tokens, over the budget of %d", budgetedTools, total, definitionTokenBudget)
	}
	if all > allToolsTokenBudget {
		t.Errorf("the definitions of every tool cost %d tokens, over the budget of %d", all, allToolsTokenBudget)
	}
}
