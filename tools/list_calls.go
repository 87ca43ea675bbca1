package tools

import (
	"context"
	"time"

	"github.com/invopop/jsonschema"

	"github.com/openphone-mcp/openphone-mcp/client"
)

const listCallsDescription = `List the calls of a 1:1 conversation (OpenPhone cannot list a group's), one page per call: pass a list_conversations row's line and its one participant. A row per call: time, direction, status, duration, who answered or placed it, call ID; the pageToken for the next page when more exist. get_call reads a call's summary and transcript.`

// callsInput is the arguments of list_calls: the query of GET /v1/calls,
// parameter for parameter, with the line also by number or name.
type callsInput struct {
	PhoneNumberID string `json:"phoneNumberId" jsonschema:"description=The line: ID (PN…)\\, number or name."`
	Participants  []e164 `json:"participants" jsonschema:"minItems=1,maxItems=1,description=The one outside number."`
	UserID        userID `json:"userId,omitempty" jsonschema:"description=Whose view of the calls applies (US…); default the line's owner."`
	CreatedAfter  string `json:"createdAfter,omitempty" jsonschema:"format=date-time,description=Only calls created after this instant\\, e.g. 2024-01-31T00:00:00Z."`
	CreatedBefore string `json:"createdBefore,omitempty" jsonschema:"format=date-time,description=Only calls created before this instant: a page's earliest createdAt reads further back."`
	Since         string `json:"since,omitempty" jsonschema:"format=date-time,description=Deprecated: means createdBefore."`
	MaxResults    int    `json:"maxResults,omitempty" jsonschema:"minimum=1,maximum=100,default=10,description=Page size."`
	PageToken     string `json:"pageToken,omitempty" jsonschema:"description=From the previous page (same arguments)."`
}

func (callsInput) JSONSchemaExtend(s *jsonschema.Schema) { deprecateSince(s) }

func (in callsInput) lines() ([]string, func(string) bool) { return threadInput(in).lines() }

func (in callsInput) request(lines lineIDs) client.ListCallsParams {
	return client.ListCallsParams(threadInput(in).request(lines))
}

// callsResult is the answer of list_calls.
type callsResult struct {
	Calls         []client.Call `json:"calls" jsonschema:"description=The page's calls\\, oldest first."`
	NextPageToken *string       `json:"nextPageToken"`
}

func (callsResult) JSONSchemaExtend(s *jsonschema.Schema) {
	nextPageToken(s)
	describe(s, prefixed("calls", callDescriptions))
}

var listCalls = tool[callsInput, client.ListCallsParams, callsResult]{
	name: "list_calls", title: "List OpenPhone calls", description: listCallsDescription,
	defaults: callsInput{MaxResults: client.DefaultMaxResults},
	call: func(ctx context.Context, c *client.Client, p client.ListCallsParams) (callsResult, error) {
		page, err := c.ListCalls(ctx, p)
		if err != nil {
			return callsResult{}, err
		}
		sortByTime(page.Data, func(c client.Call) time.Time { return c.CreatedAt })
		return callsResult{page.Data, page.NextPageToken}, nil
	},
	sent: func(p client.ListCallsParams) sentRequest { return threadSent(p.PhoneNumberID, p.UserID, "calls") },
	mentions: func(p client.ListCallsParams, r callsResult) mentions {
		return mentions{lines: []string{p.PhoneNumberID}, users: callUsers(r.Calls...)}
	},
	render: renderCalls,
}
