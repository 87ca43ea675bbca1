package webhook

import (
	"strings"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// TestWebhookKnowsTheStore: a delivery goes to the store, as the sync's
// reads do; the webhook never reaches the tools, the transports, the sync
// or MCP (serve mounts it; main wires it).
func TestWebhookKnowsTheStore(t *testing.T) {
	for _, dep := range testkit.Deps(t) {
		for _, banned := range []string{"github.com/openphone-mcp/openphone-mcp/tools", "github.com/openphone-mcp/openphone-mcp/serve",
			"github.com/openphone-mcp/openphone-mcp/ingest", "github.com/openphone-mcp/openphone-mcp/metrics",
			"github.com/mark3labs/mcp-go", "github.com/modelcontextprotocol/go-sdk"} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("webhook imports %s", dep)
			}
		}
	}
}
