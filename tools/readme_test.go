package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/invopop/jsonschema"
)

const readmePath = "../README.md"

func tableMarkers(tool string) (start, end string) {
	return "<!-- " + tool + " parameters: generated from the published schema by go test ./tools -update -->",
		"<!-- end of " + tool + " parameters -->"
}

// parameterTable renders a README table of a tool's parameters from its
// published input schema.
func parameterTable(schema *jsonschema.Schema) string {
	var b bytes.Buffer
	b.WriteString("| parameter | type | description |\n|---|---|---|\n")
	for pair := schema.Properties.Oldest(); pair != nil; pair = pair.Next() {
		p := pair.Value
		typ := p.Type
		if typ == "" {
			typ = "string"
		}
		if p.Items != nil {
			typ += " of strings"
		}
		if p.Format != "" {
			typ += " (" + p.Format + ")"
		}
		if p.Default != nil {
			typ += fmt.Sprintf(", default %v", p.Default)
		}
		if p.Deprecated {
			typ += ", deprecated"
		}
		if slices.Contains(schema.Required, pair.Key) {
			typ += ", **required**"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", pair.Key, typ, strings.ReplaceAll(p.Description, "|", `\|`))
	}
	return b.String()
}

// TestReadmeParameters keeps the README's parameter tables in step with
// the published schemas, one table per tool.
func TestReadmeParameters(t *testing.T) {
	raw, err := ListTools(context.Background(), NewServer(Config{}))
	if err != nil {
		t.Fatal(err)
	}
	var tools []struct {
		Name        string             `json:"name"`
		InputSchema *jsonschema.Schema `json:"inputSchema"`
	}
	if err := json.Unmarshal(raw, &tools); err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	want := string(readme)
	for _, tool := range tools {
		start, end := tableMarkers(tool.Name)
		before, rest, ok1 := strings.Cut(want, start)
		_, after, ok2 := strings.Cut(rest, end)
		if !ok1 || !ok2 {
			t.Errorf("README lacks the markers %q and %q", start, end)
			continue
		}
		want = before + start + "\n" + parameterTable(tool.InputSchema) + end + after
	}
	if *update {
		if err := os.WriteFile(readmePath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(readme) != want {
		t.Errorf("the README's parameter tables are out of step with the schemas: run go test ./tools -update to regenerate them")
	}
}
