package tools

import (
	"encoding/json"
	"fmt"

	"github.com/invopop/jsonschema"
)

// reflectSchema returns the flat JSON schema of v's type, as published in a
// tool's inputSchema or outputSchema: no $ref or $defs, no $schema, and
// additionalProperties false. Only fields tagged omitempty are optional.
func reflectSchema(v any) json.RawMessage {
	r := jsonschema.Reflector{DoNotReference: true, ExpandedStruct: true, Anonymous: true}
	s := r.Reflect(v)
	s.Version = ""
	raw, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("tools: schema of %T: %v", v, err)) // a programming error, caught by every test
	}
	return raw
}
