package tools

import (
	"context"
	"time"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/openphone-mcp/openphone-mcp/client"
)

const listCallsDescription = `List the calls of a 1:1 conversation (OpenPhone cannot list a group's), one page per call: pass a list_conversations row's line and its one participant. A row per call: time, direction, status, duration, who answered or placed it, call ID; the pageToken for the next page when more exist. get_call reads a call's summary and transcript.`

// callsResult is the structured content of a list_calls result.
type callsResult struct {
	Calls         []client.Call `json:"calls" jsonschema:"description=The page's calls\\, oldest first."`
	NextPageToken *string       `json:"nextPageToken"`
}

func (callsResult) JSONSchemaExtend(s *jsonschema.Schema) { nextPageToken(s) }

// listCalls returns the list_calls tool and its handler.
func listCalls(out output, accts accounts) server.ServerTool {
	tool := out.readOnlyTool("list_calls", "List OpenPhone calls", listCallsDescription,
		&client.ListCallsParams{}, &callsResult{}, lineIDAccepted)
	handler := func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		c, dir := accts.get(ctx)
		params := client.ListCallsParams{MaxResults: client.DefaultMaxResults}
		errs := decodeArguments(req.Params.Arguments, &params)
		lineNames, lookupErr := dir.resolveLineID(ctx, &params.PhoneNumberID)
		if errs = combine(errs, validationErrors(params.Validate())); len(errs) > 0 {
			return argumentError(withLineChoices(errs, lineNames, lookupErr)), nil
		}
		if c == nil {
			return mcp.NewToolResultError(missingKeyMessage), nil
		}
		page, err := c.ListCalls(ctx, params)
		if err != nil {
			return upstreamError(ctx, err, sentRequest{lines: []string{params.PhoneNumberID}, lineParam: "phoneNumberId", userID: params.UserID, smaller: "Ask for fewer calls with a smaller maxResults."}), nil
		}
		sortByTime(page.Data, func(c client.Call) time.Time { return c.CreatedAt })
		n, namesErr := dir.lookup(ctx, []string{params.PhoneNumberID}, callUsers(page.Data...))
		return out.result(callsResult{page.Data, page.NextPageToken}, renderCalls(page, params, n, namesErr)), nil
	}
	return server.ServerTool{Tool: tool, Handler: handler}
}
