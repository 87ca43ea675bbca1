package tools

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/ledger"
)

// A task is one of the daily questions (testdata/tasks.json) with the
// tool calls a model needs to answer it on the demo.
type task struct {
	Question string `json:"question"`
	// AtMost is the goal in calls; 0: none.
	AtMost int        `json:"atMost"`
	Steps  []taskStep `json:"steps"`
}

// A taskStep is one tool call, and what its answer must hold.
type taskStep struct {
	Tool  string         `json:"tool"`
	Args  map[string]any `json:"args"`
	Needs []string       `json:"needs"`
}

// reference is an ID or a number in a call's arguments, which the model
// can only have read in an answer before it.
var reference = regexp.MustCompile(`^(?:(?:PN|US|CN|AC|TK)[A-Za-z0-9]+|\+[1-9]\d{6,14})$`)

// TestTaskSet runs the scripted task set against the demo (an in-process
// server on the fake, its store synced, writes on and confirmed by a
// person who says yes): each call answers, each answer holds what the
// question needs, each ID or number a call passes was read in an earlier
// answer, and no question takes more calls than its goal. The calls per
// question are kept in testdata/tasks.md, for the README.
func TestTaskSet(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "tasks.json"))
	if err != nil {
		t.Fatal(err)
	}
	var set struct{ Tasks []task }
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatal(err)
	}
	api := openphonetest.NewDemoServer()
	t.Cleanup(api.Close)
	c, err := client.New(api.APIKey, client.WithBaseURL(api.URL), client.WithRateLimit(1000))
	if err != nil {
		t.Fatal(err)
	}
	book, err := ledger.OpenFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(Config{Client: c, Version: "test", Context: t.Context(), ContactsWait: time.Minute, Store: syncedDemo(t),
		Now: func() time.Time { return openphonetest.DemoEpoch }, FixedClock: true, AllowWrites: true, Ledger: book})
	yes := func(string) bool { return true }

	var table strings.Builder
	table.WriteString("| question | calls | tools | goal |\n|---|---|---|---|\n")
	total := 0
	for _, tk := range set.Tasks {
		var answers []string
		var used []string
		for i, step := range tk.Steps {
			for _, ref := range references(step.Args) {
				if !strings.Contains(strings.Join(answers, "\n"), ref) && !strings.Contains(tk.Question, ref) {
					t.Errorf("%q, call %d (%s): %s was read in no answer before it", tk.Question, i+1, step.Tool, ref)
				}
			}
			res, err := CallToolAsking(t.Context(), s, step.Tool, step.Args, yes)
			if err != nil {
				t.Fatalf("%q, call %d (%s): %v", tk.Question, i+1, step.Tool, err)
			}
			answer := ResultText(res)
			if res.IsError {
				t.Errorf("%q, call %d (%s %v) answered an error:\n%s", tk.Question, i+1, step.Tool, step.Args, answer)
			}
			for _, need := range step.Needs {
				if !strings.Contains(answer, need) {
					t.Errorf("%q, call %d (%s): the answer lacks %q:\n%s", tk.Question, i+1, step.Tool, need, answer)
				}
			}
			answers = append(answers, answer)
			used = append(used, step.Tool)
		}
		goal := "—"
		if tk.AtMost > 0 {
			goal = fmt.Sprintf("at most %d", tk.AtMost)
			if len(tk.Steps) > tk.AtMost {
				t.Errorf("%q takes %d calls; the goal is at most %d", tk.Question, len(tk.Steps), tk.AtMost)
			}
		}
		total += len(tk.Steps)
		fmt.Fprintf(&table, "| %s | %d | %s | %s |\n", tk.Question, len(tk.Steps), strings.Join(used, ", "), goal)
		t.Logf("%d calls: %s", len(tk.Steps), tk.Question)
	}
	fmt.Fprintf(&table, "| **all %d questions** | **%d** | | |\n", len(set.Tasks), total)
	golden(t, "tasks.md", []byte(table.String()))
}

// references are the IDs and numbers among args' values.
func references(args map[string]any) []string {
	var refs []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			if reference.MatchString(v) {
				refs = append(refs, v)
			}
		case []any:
			for _, item := range v {
				walk(item)
			}
		case map[string]any:
			for _, item := range v {
				walk(item)
			}
		}
	}
	walk(map[string]any(args))
	return refs
}
