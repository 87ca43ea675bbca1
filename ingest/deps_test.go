package ingest

import (
	"strings"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// TestDataFlowsOneWay: client → ingest → store; ingest never reaches the
// tools that read the store, nor MCP, nor the webhooks that write to the
// store beside it.
func TestDataFlowsOneWay(t *testing.T) {
	for _, dep := range testkit.Deps(t) {
		for _, banned := range []string{"github.com/openphone-mcp/openphone-mcp/tools", "github.com/openphone-mcp/openphone-mcp/serve",
			"github.com/openphone-mcp/openphone-mcp/webhook", "github.com/mark3labs/mcp-go", "github.com/modelcontextprotocol/go-sdk"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("ingest imports %s", dep)
			}
		}
	}
}
