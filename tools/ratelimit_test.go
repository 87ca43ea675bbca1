package tools

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
)

// burst makes n concurrent list_conversations calls through s and returns
// their texts.
func burst(t *testing.T, f fixture, n int, args map[string]any) []string {
	t.Helper()
	texts := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { texts[i] = text(call(t, f.server, "list_conversations", args)) })
	}
	wg.Wait()
	return texts
}

// TestNamesGoFirstInABurst: the names look-up that every answer's legend
// needs goes before the burst's own requests in the key's rate limit, so
// a burst at a low rate still names its lines and users.
func TestNamesGoFirstInABurst(t *testing.T) {
	t.Parallel()
	f := newFixture(t, openphonetest.DemoWorkspace(), client.WithRateLimit(2))
	for i, out := range burst(t, f, 12, map[string]any{"maxResults": 3}) {
		if strings.Contains(out, "names are unavailable") || !strings.Contains(out, "\nLines: ") {
			t.Errorf("call %d lost its names:\n%s", i, out)
		}
	}
}

// TestOwnRateLimitIsNotBlamedOnOpenPhone: calls that the server's own rate
// limit cannot fit into their time limit are refused at once, saying so;
// they are not sent, and OpenPhone is not blamed.
func TestOwnRateLimitIsNotBlamedOnOpenPhone(t *testing.T) {
	t.Parallel()
	api := openphonetest.NewServer(openphonetest.DemoWorkspace())
	t.Cleanup(api.Close)
	c, err := client.New(api.APIKey, client.WithBaseURL(api.URL), client.WithRateLimit(2))
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{api, c, NewServer(Config{Client: c, Version: "test", CallTimeout: 1500 * time.Millisecond})}
	refused := 0
	for _, out := range burst(t, f, 12, map[string]any{"maxResults": 3}) {
		if strings.Contains(out, "OpenPhone did not answer") {
			t.Errorf("our own queue blamed on OpenPhone:\n%s", out)
		}
		if strings.Contains(out, "this server's own rate limit") && strings.Contains(out, "Not sent") {
			refused++
		}
	}
	if refused == 0 {
		t.Error("no call was refused by the rate limit: 12 calls at 2/s cannot all fit in 1.5s")
	}
	if got := len(f.conversationRequests()); got+refused != 12 {
		t.Errorf("the fake saw %d list requests and %d were refused: a refused call was sent, or a call vanished", got, refused)
	}
}
