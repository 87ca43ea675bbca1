package tools

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
)

func TestProgressWhileWaiting(t *testing.T) {
	f := newFixture(t, openphonetest.DemoWorkspace(),
		client.WithRetryPolicy(client.RetryPolicy{MaxAttempts: 2, BaseDelay: 5 * time.Millisecond, MaxDelay: 5 * time.Millisecond}),
		client.WithRateLimit(2))
	ctx := context.Background()
	c, err := connect(ctx, f.server)
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

	f.api.Inject(openphonetest.Fault{Status: 503})
	req := mcp.CallToolRequest{}
	req.Params.Name = "list_conversations"
	req.Params.Meta = &mcp.Meta{ProgressToken: "tok-1"}
	// 503, a backoff, the retry (the second request of the second), then
	// the names look-up, which waits for the next second.
	res, err := c.CallTool(ctx, req)
	if err != nil || res.IsError {
		t.Fatalf("err %v, result %v", err, res)
	}
	want := []string{"backing off after 503 Service Unavailable", "rate limit (2 requests/s)"}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		mu.Lock()
		n := len(messages)
		mu.Unlock()
		if n >= len(want) {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(messages) < len(want) {
		t.Fatalf("progress messages %q, want at least %d", messages, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(messages[i], "waiting ") || !strings.Contains(messages[i], w) {
			t.Errorf("progress %d = %q, want it to say %q", i, messages[i], w)
		}
	}
}
