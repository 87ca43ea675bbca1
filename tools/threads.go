package tools

import (
	"github.com/invopop/jsonschema"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// threadInput is what the arguments of list_messages and list_calls share:
// the query of a thread, a line and the outside numbers it talks with, with
// the line also by number or name. Each tool's own type gives the fields
// the words its model reads; the two convert to this one.
type threadInput struct {
	PhoneNumberID string
	Participants  []e164
	UserID        userID
	CreatedAfter  string
	CreatedBefore string
	Since         string
	MaxResults    int
	PageToken     string
}

func (t threadInput) lines() ([]string, func(string) bool) {
	return []string{t.PhoneNumberID}, client.IsPhoneNumberID
}

func (t threadInput) request(lines lineIDs) client.ListMessagesParams {
	return client.ListMessagesParams{
		PhoneNumberID: lines.id(t.PhoneNumberID), Participants: stringsOf(t.Participants), UserID: string(t.UserID),
		CreatedAfter: t.CreatedAfter, CreatedBefore: t.CreatedBefore, Since: t.Since, MaxResults: t.MaxResults, PageToken: t.PageToken,
	}
}

// deprecateSince marks a thread's since parameter deprecated.
func deprecateSince(s *jsonschema.Schema) {
	if p, ok := s.Properties.Get("since"); ok {
		p.Deprecated = true
	}
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
