package tools

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
)

func TestProgressWhileWaiting(t *testing.T) {
	f := newFixture(t, openphonetest.DemoWorkspace(),
		client.WithRetryPolicy(client.RetryPolicy{MaxAttempts: 2, BaseDelay: 5 * time.Millisecond, MaxDelay: 5 * time.Millisecond}),
		client.WithRateLimit(2))
	f.api.Inject(openphonetest.Fault{Status: 503})
	// 503, a backoff, the retry (the second request of the second), then
	// the names look-up, which waits for the next second.
	want := []string{"backing off after 503 Service Unavailable", "rate limit (2 requests/s)"}
	messages := callWithProgress(t, f.server, "list_conversations", nil, len(want))
	for i, w := range want {
		if !strings.HasPrefix(messages[i], "waiting ") || !strings.Contains(messages[i], w) {
			t.Errorf("progress %d = %q, want it to say %q", i, messages[i], w)
		}
	}
}

// callWithProgress calls a tool through s as a client that asks for
// progress, and returns the progress messages it heard: at least atLeast,
// waiting for them a while after the call.
func callWithProgress(t *testing.T, s *server.MCPServer, name string, args any, atLeast int) []string {
	t.Helper()
	ctx := context.Background()
	c, err := connect(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var mu sync.Mutex
	var messages []string
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == "notifications/progress" && n.Params.AdditionalFields["progressToken"] == "tok-1" {
			mu.Lock()
			defer mu.Unlock()
			messages = append(messages, n.Params.AdditionalFields["message"].(string))
		}
	})
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = name, args
	req.Params.Meta = &mcp.Meta{ProgressToken: "tok-1"}
	res, err := c.CallTool(ctx, req)
	if err != nil || res.IsError {
		t.Fatalf("err %v, result %v", err, res)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		mu.Lock()
		n := len(messages)
		mu.Unlock()
		if n >= atLeast {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(messages) < atLeast {
		t.Fatalf("progress messages %q, want at least %d", messages, atLeast)
	}
	return slices.Clone(messages)
}
