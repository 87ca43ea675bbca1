package tools

import (
	"encoding/json"
	"fmt"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"
)

// output says what a tool's results carry. By default a result is its text
// alone: clients that find structuredContent in a result hand the model its
// JSON instead of the text (Claude Code, VS Code, Codex), so the compact
// summary would never be read. With structured set, tools publish an
// outputSchema and successful results carry structuredContent that
// conforms to it, for programmatic clients; the two go together, since a
// client may reject a result that lacks what the schema promised.
type output struct{ structured bool }

// result is a successful call's result: text, plus v as structuredContent
// when structured output is on.
func (o output) result(v any, text string) *mcp.CallToolResult {
	if o.structured {
		return mcp.NewToolResultStructured(v, text)
	}
	return mcp.NewToolResultText(text)
}

// readOnlyTool returns a tool whose input schema is reflected from the type
// of input, and whose output schema, when structured output is on, from
// the type of result; with the hints of a tool that only reads OpenPhone.
// adjustInput may amend the input schema.
func (o output) readOnlyTool(name, title, description string, input, result any, adjustInput func(*jsonschema.Schema)) mcp.Tool {
	tool := mcp.NewToolWithRawSchema(name, description, reflectSchema(input, adjustInput))
	tool.Title = title
	if o.structured {
		tool.RawOutputSchema = reflectSchema(result, nil)
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
