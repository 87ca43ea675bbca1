package tools

import (
	"github.com/invopop/jsonschema"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// threadInput is the arguments of list_messages and list_calls: GET
// /v1/messages and GET /v1/calls take the same query, a line and the
// outside numbers it talks with, and the tools take the line also by
// number or name. What differs, in the words the model reads, is in each
// tool's threadWords.
type threadInput struct {
	PhoneNumberID string   `json:"phoneNumberId" jsonschema:"description=The line: ID (PN…)\\, number or name."`
	Participants  []string `json:"participants" jsonschema:"minItems=1"`
	UserID        userID   `json:"userId,omitempty"`
	CreatedAfter  string   `json:"createdAfter,omitempty" jsonschema:"format=date-time"`
	CreatedBefore string   `json:"createdBefore,omitempty" jsonschema:"format=date-time"`
	Since         string   `json:"since,omitempty" jsonschema:"format=date-time,description=Deprecated: means createdBefore."`
	MaxResults    int      `json:"maxResults,omitempty" jsonschema:"minimum=1,maximum=100,default=10,description=Page size."`
	PageToken     string   `json:"pageToken,omitempty" jsonschema:"description=From the previous page (same arguments)."`
}

func (t threadInput) lines() ([]lineArg, func(string) bool) {
	return []lineArg{{"phoneNumberId", t.PhoneNumberID}}, client.IsPhoneNumberID
}

func (t *threadInput) participants() (string, *[]string, string) {
	return "participants", &t.Participants, t.PhoneNumberID
}

func (t threadInput) request(lines lineIDs) client.ListMessagesParams {
	return client.ListMessagesParams{
		PhoneNumberID: lines.id(t.PhoneNumberID), Participants: t.Participants, UserID: string(t.UserID),
		CreatedAfter: t.CreatedAfter, CreatedBefore: t.CreatedBefore, Since: t.Since, MaxResults: t.MaxResults, PageToken: t.PageToken,
	}
}

func (t threadInput) window() (timeWindow, bool) {
	before := t.CreatedBefore
	if before == "" {
		before = t.Since // which means createdBefore
	}
	return dateSpan("created", t.CreatedAfter, before)
}

// threadWords are what list_messages and list_calls say differently of
// their arguments.
type threadWords struct {
	noun            string // "messages"
	maxParticipants int
	participants    string // the description of participants
	userID          string // the description of userId
}

// extend writes w into a thread tool's input schema.
func (w threadWords) extend(s *jsonschema.Schema) {
	for name, description := range map[string]string{
		"participants":  w.participants,
		"userId":        w.userID,
		"createdAfter":  "Only " + w.noun + " created after this instant, e.g. 2024-01-31T00:00:00Z.",
		"createdBefore": "Only " + w.noun + " created before this instant: a page's earliest createdAt reads further back.",
	} {
		p, _ := s.Properties.Get(name)
		p.Description = description
	}
	p, _ := s.Properties.Get("participants")
	p.MaxItems = new(uint64(w.maxParticipants))
	p, _ = s.Properties.Get("since")
	p.Deprecated = true
}

// threadSent is what a thread request sent, for the message of its failure.
func threadSent(line, userID, noun string) sentRequest {
	return sentRequest{lines: []string{line}, lineParam: "phoneNumberId", userID: userID, smaller: "Ask for fewer " + noun + " with a smaller maxResults."}
}

// prefixed puts each path of descriptions under prefix.
func prefixed(prefix string, descriptions map[string]string) map[string]string {
	out := make(map[string]string, len(descriptions))
	for path, d := range descriptions {
		out[prefix+"."+path] = d
	}
	return out
}

// callDescriptions describe a call's fields, in list_calls and get_call.
var callDescriptions = map[string]string{
	"id":        "Call ID (AC…).",
	"direction": "incoming or outgoing.",
	"duration":  "Seconds.",
}
