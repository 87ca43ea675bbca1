package tools

import (
	"encoding/json"
	"fmt"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"
)

// newReadOnlyTool returns a tool whose input and output schemas are
// reflected from the types of input and output, with the hints of a tool
// that only reads OpenPhone. adjustInput may amend the input schema.
func newReadOnlyTool(name, title, description string, input, output any, adjustInput func(*jsonschema.Schema)) mcp.Tool {
	tool := mcp.NewToolWithRawSchema(name, description, reflectSchema(input, adjustInput))
	tool.Title = title
	tool.RawOutputSchema = reflectSchema(output, nil)
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
func reflectSchema(v any, adjust func(*jsonschema.Schema)) json.RawMessage {
	r := jsonschema.Reflector{DoNotReference: true, ExpandedStruct: true, Anonymous: true}
	s := r.Reflect(v)
	s.Version = ""
	if adjust != nil {
		adjust(s)
	}
	raw, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("tools: schema of %T: %v", v, err)) // a programming error, caught by every test
	}
	return raw
}

// nextPageToken describes the nextPageToken property of a paged result's
// schema: a string, or null on the last page.
func nextPageToken(s *jsonschema.Schema) {
	if p, ok := s.Properties.Get("nextPageToken"); ok {
		p.AnyOf = []*jsonschema.Schema{{Type: p.Type}, {Type: "null"}}
		p.Type = ""
		p.Description = "Pass as pageToken to get the next page; null on the last page."
	}
}
