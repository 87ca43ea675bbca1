package client_test

import (
	"strings"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// TestClientKnowsNothingOfMCP: the client is the API's, whoever calls it;
// the schemas and words the model reads belong to tools.
func TestClientKnowsNothingOfMCP(t *testing.T) {
	for _, dep := range testkit.Deps(t) {
		for _, banned := range []string{"github.com/mark3labs/mcp-go", "github.com/invopop/jsonschema", "github.com/openphone-mcp/openphone-mcp/tools"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("client imports %s", dep)
			}
		}
	}
}
