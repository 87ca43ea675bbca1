// Command baseline is the yardstick of go run ./bench: the least an MCP
// server can do for list_conversations. It forwards the arguments to the
// API as a query and answers with the body as text: no validation, no
// names, no structuredContent, no rate limit, no retries.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

func main() {
	s := server.NewMCPServer("baseline", "1")
	tool := mcp.NewTool("list_conversations", mcp.WithNumber("maxResults"), mcp.WithString("pageToken"))
	s.AddTool(tool, func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		q := url.Values{}
		for k, v := range req.GetArguments() {
			q.Set(k, fmt.Sprint(v))
		}
		r, err := http.NewRequestWithContext(ctx, http.MethodGet, os.Getenv("OPENPHONE_BASE_URL")+"/v1/conversations?"+q.Encode(), nil)
		if err != nil {
			return nil, err
		}
		r.Header.Set("Authorization", os.Getenv("OPENPHONE_API_KEY"))
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			return mcp.NewToolResultError(err.Error()), nil
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return mcp.NewToolResultError(err.Error()), nil
		}
		return mcp.NewToolResultText(string(body)), nil
	})
	if err := server.ServeStdio(s); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
