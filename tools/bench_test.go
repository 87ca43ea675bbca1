package tools

import (
	"testing"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
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
