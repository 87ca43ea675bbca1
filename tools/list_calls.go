package tools

import (
	"time"

	"github.com/invopop/jsonschema"

	"github.com/openphone-mcp/openphone-mcp/client"
)

const listCallsDescription = `List the calls of a 1:1 conversation (OpenPhone cannot list a group's), one page per call: pass a list_conversations row's line and its one participant. get_call reads a call's summary and transcript.`

// callsInput is the arguments of list_calls: the query of GET /v1/calls,
// parameter for parameter, with the line also by number or name.
type callsInput struct{ threadInput }

func (callsInput) JSONSchemaExtend(s *jsonschema.Schema) {
	threadWords{noun: "calls", maxParticipants: client.MaxCallParticipants,
		participants: "The one outside number, any format.",
		userID:       "Whose view of the calls applies (US…); default the line's owner."}.extend(s)
}

func (in callsInput) request(lines lineIDs) client.ListCallsParams {
	return client.ListCallsParams(in.threadInput.request(lines))
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
	defaults: callsInput{threadInput{MaxResults: client.DefaultMaxResults}},
	call: answer((*client.Client).ListCalls, func(page *client.CallPage) callsResult {
		sortByTime(page.Data, func(c client.Call) time.Time { return c.CreatedAt })
		return callsResult{page.Data, page.NextPageToken}
	}),
	sent: func(p client.ListCallsParams) sentRequest { return threadSent(p.PhoneNumberID, p.UserID, "calls") },
	mentions: func(p client.ListCallsParams, r callsResult) mentions {
		return mentions{lines: []string{p.PhoneNumberID}, users: callUsers(r.Calls...), numbers: p.Participants}
	},
	render: renderCalls,
}
