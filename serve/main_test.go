package serve

import (
	"testing"

	"github.com/mark3labs/mcp-go/server"
	"go.uber.org/goleak"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
	"github.com/openphone-mcp/openphone-mcp/tools"
)

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fixture is an MCP server in front of a fake OpenPhone API.
type fixture struct {
	api    *openphonetest.Server
	server *server.MCPServer
}

func newFixture(t *testing.T, ws openphonetest.Workspace, opts ...client.Option) fixture {
	t.Helper()
	api, c := testkit.NewAPI(t, ws, opts...)
	return fixture{api, tools.NewServer(tools.Config{Client: c, Version: "test"})}
}
