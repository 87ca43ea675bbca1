package serve

import (
	"strings"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// TestServeKnowsServersNotTools: the transports serve any MCP server; the
// tools and the OpenPhone client are wired in by main.
func TestServeKnowsServersNotTools(t *testing.T) {
	for _, dep := range testkit.Deps(t) {
		if strings.HasPrefix(dep, "github.com/openphone-mcp/openphone-mcp/") && !strings.HasPrefix(dep, "github.com/openphone-mcp/openphone-mcp/serve") {
			t.Errorf("serve imports %s", dep)
		}
	}
}
