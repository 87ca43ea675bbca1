package store

import (
	"strings"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// TestStoreKnowsTheAPINotMCP: the store knows the API's types (client),
// not what fills it (ingest, webhook) nor what reads it (tools, MCP); its
// SQLite is modernc's, not the cgo driver.
func TestStoreKnowsTheAPINotMCP(t *testing.T) {
	for _, dep := range testkit.Deps(t) {
		for _, banned := range []string{"github.com/openphone-mcp/openphone-mcp/ingest", "github.com/openphone-mcp/openphone-mcp/webhook", "github.com/openphone-mcp/openphone-mcp/tools",
			"github.com/openphone-mcp/openphone-mcp/serve", "github.com/mark3labs/mcp-go", "github.com/modelcontextprotocol/go-sdk",
			"github.com/mattn/go-sqlite3"} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("store imports %s", dep)
			}
		}
	}
}
