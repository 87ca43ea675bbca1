package openphonetest

import (
	"cmp"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

//go:embed spec/quo-public-api-v1.json
var specDocument []byte

// Spec returns Quo's OpenAPI 3.1 document of the v1 API, byte for byte as
// Quo publishes it (spec/README.md says where from). It is the authority
// the fake answers by: every request is checked against it, and every
// answer conforms to it.
func Spec() []byte { return slices.Clone(specDocument) }

// An operation is what the document says of one method on one path: its
// parameters, and the error body it documents for each status.
type operation struct {
	params map[string]param
	errors map[int]errorShape
	// takesBody: the operation takes a JSON request body, which body
	// checks (nil without a SchemaCheck).
	takesBody bool
	body      schemaCheck
}

// A param is a parameter of an operation.
type param struct {
	in       string // "query" or "path"
	typ      string // the schema's type; "string" for an anyOf of strings
	required bool
	// schema checks the parameter's value; for an array, items checks
	// each item, and minItems and maxItems are its bounds (0: none). The
	// checks are nil without a SchemaCheck.
	schema             schemaCheck
	minItems, maxItems int
	items              schemaCheck
}

// A schemaCheck returns how a value breaks one schema of the document.
type schemaCheck func(v any) []Violation

// A Violation is one way a JSON value breaks a schema of the document.
type Violation struct {
	// Location is the path to the offending part of the value, a token per
	// level; empty for the value itself.
	Location []string
	// Reason says what is wrong, such as "'Sales' does not match pattern
	// '^PN(.*)$'".
	Reason string
}

// A SchemaCompiler compiles a JSON Schema of the document (draft 2020-12,
// formats asserted) into a check that returns how a value, decoded with
// json.Number for numbers, breaks it: nothing when it conforms.
type SchemaCompiler func(schema []byte) (func(v any) []Violation, error)

var compiler SchemaCompiler

// CheckSchemasWith makes every fake check each request's parameters and
// body against the document's JSON Schemas, compiled by c. It must be
// called before the first fake starts, as importing package schemacheck
// does (testkit imports it). NewServer requires it; the demo runs without
// it, its requests checked by the server before they are sent, so that no
// JSON Schema validator is in the binary.
func CheckSchemasWith(c SchemaCompiler) { compiler = c }

// compile is compiler's check of raw, nil when there is no compiler.
func compile(raw json.RawMessage) (schemaCheck, error) {
	if compiler == nil {
		return nil, nil
	}
	return compiler(raw)
}

// An errorShape is the fixed part of a documented error body.
type errorShape struct {
	code, title string
	// description is set for the domain errors ("Too Many Participants"),
	// which name one cause; a generic error has none.
	description string
}

// operations maps "METHOD /path" as the document writes it (the fake's mux
// patterns are the same strings) to what the document says of it.
var operations = sync.OnceValue(func() map[string]operation {
	ops, err := readOperations(specDocument)
	if err != nil {
		panic("openphonetest: the embedded OpenAPI document: " + err.Error())
	}
	return ops
})

func readOperations(raw []byte) (map[string]operation, error) {
	type constant struct {
		Const string `json:"const"`
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name      string          `json:"name"`
				In        string          `json:"in"`
				Required  bool            `json:"required"`
				RawSchema json.RawMessage `json:"schema"`
				Schema    struct {
					Type     string          `json:"type"`
					MinItems int             `json:"minItems"`
					MaxItems int             `json:"maxItems"`
					Items    json.RawMessage `json:"items"`
				} `json:"-"`
			} `json:"parameters"`
			RequestBody *struct {
				Content map[string]struct {
					Schema json.RawMessage `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
			Responses map[string]struct {
				Content map[string]struct {
					Schema struct {
						Properties struct {
							Code        constant `json:"code"`
							Title       constant `json:"title"`
							Description constant `json:"description"`
						} `json:"properties"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	ops := map[string]operation{}
	for path, methods := range doc.Paths {
		for method, o := range methods {
			op := operation{params: map[string]param{}, errors: map[int]errorShape{}}
			for _, p := range o.Parameters {
				if err := json.Unmarshal(p.RawSchema, &p.Schema); err != nil {
					return nil, err
				}
				schema, err := compile(p.RawSchema)
				if err != nil {
					return nil, fmt.Errorf("%s %s: %s: %w", method, path, p.Name, err)
				}
				pr := param{in: p.In, typ: cmp.Or(p.Schema.Type, "string"), required: p.Required || p.In == "path", schema: schema,
					minItems: p.Schema.MinItems, maxItems: p.Schema.MaxItems}
				if p.Schema.Items != nil {
					items, err := compile(p.Schema.Items)
					if err != nil {
						return nil, fmt.Errorf("%s %s: items of %s: %w", method, path, p.Name, err)
					}
					pr.items = items
				}
				op.params[p.Name] = pr
			}
			if o.RequestBody != nil {
				schema, err := compile(o.RequestBody.Content["application/json"].Schema)
				if err != nil {
					return nil, fmt.Errorf("%s %s: request body: %w", method, path, err)
				}
				op.takesBody, op.body = true, schema
			}
			for status, r := range o.Responses {
				code, err := strconv.Atoi(status)
				if err != nil || code < 400 {
					continue
				}
				props := r.Content["application/json"].Schema.Properties
				op.errors[code] = errorShape{props.Code.Const, props.Title.Const, props.Description.Const}
			}
			ops[strings.ToUpper(method)+" "+path] = op
		}
	}
	return ops, nil
}
