package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/client"
)

const (
	readmePath   = "../README.md"
	tableStart   = "<!-- list_conversations parameters: generated from the schema by go test ./tools -update -->"
	tableEnd     = "<!-- end of list_conversations parameters -->"
	readmeUpdate = "run go test ./tools -update to regenerate it"
)

// parameterTable renders the README's table of the tool's parameters from
// the published input schema.
func parameterTable(t *testing.T) string {
	var schema struct {
		Properties map[string]struct {
			Type  string `json:"type"`
			Items *struct {
				Type  string `json:"type"`
				AnyOf []any  `json:"anyOf"`
			} `json:"items"`
			Description string `json:"description"`
			Format      string `json:"format"`
			Default     any    `json:"default"`
			Deprecated  bool   `json:"deprecated"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(reflectSchema(&client.ListConversationsParams{}), &schema); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString("| parameter | type | description |\n|---|---|---|\n")
	for _, name := range jsonNames(structType(&client.ListConversationsParams{})) {
		p := schema.Properties[name]
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
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", name, typ, strings.ReplaceAll(p.Description, "|", `\|`))
	}
	return b.String()
}

// TestReadmeParameters keeps the README's parameter table in step with the
// published schema.
func TestReadmeParameters(t *testing.T) {
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok1 := strings.Cut(string(readme), tableStart)
	_, after, ok2 := strings.Cut(rest, tableEnd)
	if !ok1 || !ok2 {
		t.Fatalf("README lacks the markers %q and %q", tableStart, tableEnd)
	}
	want := before + tableStart + "\n" + parameterTable(t) + tableEnd + after
	if *update {
		if err := os.WriteFile(readmePath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(readme) != want {
		t.Errorf("the README's parameter table is out of step with the schema: %s", readmeUpdate)
	}
}
