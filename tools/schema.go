package tools

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// readOnlyTool returns a tool whose input schema is reflected from the type
// of input, and whose output schema, when structured output is on, from
// the type of result; with the hints of a tool that only reads OpenPhone.
func (s serving) readOnlyTool(name, title, description string, input, result any) mcp.Tool {
	tool := mcp.NewToolWithRawSchema(name, description, reflectSchema(input))
	tool.Title = title
	if s.structured {
		tool.RawOutputSchema = reflectSchema(result)
	}
	tool.Annotations = mcp.ToolAnnotation{
		Title:           title,
		ReadOnlyHint:    mcp.ToBoolPtr(true),
		DestructiveHint: mcp.ToBoolPtr(false),
		IdempotentHint:  mcp.ToBoolPtr(true),
		OpenWorldHint:   mcp.ToBoolPtr(true),
	}
	return tool
}

// reflectSchema returns the flat JSON schema of v's type, as published in a
// tool's inputSchema or outputSchema: no $ref or $defs, no $schema, and
// additionalProperties false. Only fields tagged omitempty are optional.
func reflectSchema(v any, without ...string) json.RawMessage {
	r := jsonschema.Reflector{DoNotReference: true, ExpandedStruct: true, Anonymous: true}
	s := r.Reflect(v)
	s.Version = ""
	for _, name := range without {
		s.Properties.Delete(name)
		s.Required = slices.DeleteFunc(s.Required, func(r string) bool { return r == name })
	}
	raw, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("tools: schema of %T: %v", v, err)) // a programming error, caught by every test
	}
	return raw
}

// The kinds of ID and number an argument may be. Each publishes the
// pattern that the client validates it with.
type (
	userID     string // US…
	activityID string // AC…: a call's or a message's
)

func (userID) JSONSchemaExtend(s *jsonschema.Schema)     { s.Pattern = client.UserIDPattern }
func (activityID) JSONSchemaExtend(s *jsonschema.Schema) { s.Pattern = client.ActivityIDPattern }

// nextPageToken describes the nextPageToken property of a paged result's
// schema: a string, or null on the last page.
func nextPageToken(s *jsonschema.Schema) {
	if p, ok := s.Properties.Get("nextPageToken"); ok {
		p.AnyOf = []*jsonschema.Schema{{Type: p.Type}, {Type: "null"}}
		p.Type = ""
		p.Description = "Pass as pageToken to get the next page; null on the last page."
	}
}

// describe sets the descriptions of an output schema's properties, by
// dotted path ("conversations.name" is the name of each conversation):
// the client's types say what the API sends, and the words for the model
// are written here.
func describe(s *jsonschema.Schema, descriptions map[string]string) {
	for path, description := range descriptions {
		p := s
		for name := range strings.SplitSeq(path, ".") {
			for p.Items != nil {
				p = p.Items
			}
			next, ok := p.Properties.Get(name)
			if !ok {
				panic("tools: no property " + path) // a programming error, caught by every test
			}
			p = next
		}
		p.Description = description
	}
}
