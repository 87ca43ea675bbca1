// Package schemacheck makes the fake OpenPhone API of package
// openphonetest check every request against the JSON Schemas of Quo's
// OpenAPI document. Tests import it for its effect:
//
//	import _ "github.com/openphone-mcp/openphone-mcp/client/openphonetest/schemacheck"
//
// (package testkit does). It is kept apart so that the JSON Schema
// validator, whose start costs milliseconds, stays out of the binary,
// whose demo has no need of it.
package schemacheck

import (
	"bytes"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
)

func init() { openphonetest.CheckSchemasWith(Compile) }

// Compile compiles schema, a JSON Schema of the document (draft 2020-12,
// its formats asserted: date-time is a rule of the document, not a hint),
// into a check that returns each most specific way a value breaks it.
func Compile(schema []byte) (func(v any) []openphonetest.Violation, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource("schema.json", doc); err != nil {
		return nil, err
	}
	compiled, err := c.Compile("schema.json")
	if err != nil {
		return nil, err
	}
	return func(v any) []openphonetest.Violation {
		err := compiled.Validate(v)
		verr, ok := err.(*jsonschema.ValidationError)
		if !ok {
			if err != nil {
				return []openphonetest.Violation{{Reason: err.Error()}}
			}
			return nil
		}
		var out []openphonetest.Violation
		for _, leaf := range leaves(verr) {
			out = append(out, openphonetest.Violation{Location: leaf.InstanceLocation, Reason: leafReason(leaf)})
		}
		return out
	}, nil
}

// leaves are the most specific causes of a validation error.
func leaves(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return []*jsonschema.ValidationError{e}
	}
	var out []*jsonschema.ValidationError
	for _, cause := range e.Causes {
		out = append(out, leaves(cause)...)
	}
	return out
}

// leafReason is the last line of a validation error: its reason, such as
// "'Sales' does not match pattern '^PN(.*)$'", without the location.
func leafReason(err error) string {
	lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	if _, reason, ok := strings.Cut(last, "': "); ok {
		return reason
	}
	return last
}
