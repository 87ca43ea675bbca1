package tools

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// BenchmarkRenderConversations renders a page of 100 conversations and
// reports the summary's size against the raw JSON's, in o200k tokens.
func BenchmarkRenderConversations(b *testing.B) {
	ws := openphonetest.GenerateWorkspace(1, 100)
	raw, _, sum := rawAndSummaryTokens(b, ws, len(ws.Conversations))
	page := conversationsResult{Conversations: ws.Conversations}
	params := client.ListConversationsParams{MaxResults: 100}
	n := workspaceNames(b, ws)
	b.ReportAllocs()
	for b.Loop() {
		render(listConversations, params, page, n)
	}
	b.ReportMetric(float64(raw), "raw-tokens")
	b.ReportMetric(float64(sum), "summary-tokens")
	b.ReportMetric(100*float64(sum)/float64(raw), "%-of-raw")
}

// BenchmarkValidateArguments decodes and validates a call with every parameter.
func BenchmarkValidateArguments(b *testing.B) {
	args := map[string]any{
		"phoneNumbers": []any{"+14155550100", "PN123abc"}, "userId": "US123abc",
		"createdAfter": "2024-01-01T00:00:00Z", "createdBefore": "2024-02-01T00:00:00Z",
		"updatedAfter": "2024-01-01T00:00:00Z", "updatedBefore": "2024-02-01T00:00:00Z",
		"excludeInactive": true, "maxResults": 50.0, "pageToken": "abc",
	}
	b.ReportAllocs()
	for b.Loop() {
		in := listConversations.defaults
		if errs := decodeArguments(args, &in); errs != nil {
			b.Fatal(errs)
		}
		if err := in.request(nil).Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCallPageOf10 is a whole tools/call of list_conversations for a
// page of 10, as the stdio server handles one: the request's JSON in, the
// answer's JSON out, through the client to a fake API on loopback. Profile
// it with -cpuprofile to see what runs on every call.
func BenchmarkCallPageOf10(b *testing.B) {
	api := testkit.Fake(b, openphonetest.GenerateWorkspace(1, 200))
	c, err := client.New(api.APIKey, client.WithBaseURL(api.URL), client.WithRateLimit(1e6))
	if err != nil {
		b.Fatal(err)
	}
	s := NewServer(Config{Version: "bench", Client: c})
	ctx := context.Background()
	s.HandleMessage(ctx, []byte(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}`))
	call := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_conversations","arguments":{"maxResults":10}}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(s.HandleMessage(ctx, call)); err != nil {
			b.Fatal(err)
		}
	}
}
