package openphonetest

import (
	"bytes"
	"cmp"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/santhosh-tekuri/jsonschema/v6"
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
}

// A param is a parameter of an operation.
type param struct {
	in  string // "query" or "path"
	typ string // the schema's type; "string" for an anyOf of strings
	// For an array: its bounds (maxItems 0 is none) and its items'
	// schema, which the document's request validator does not enforce.
	minItems, maxItems int
	items              *jsonschema.Schema
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
				Name   string `json:"name"`
				In     string `json:"in"`
				Schema struct {
					Type     string          `json:"type"`
					MinItems int             `json:"minItems"`
					MaxItems int             `json:"maxItems"`
					Items    json.RawMessage `json:"items"`
				} `json:"schema"`
			} `json:"parameters"`
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
				pr := param{in: p.In, typ: cmp.Or(p.Schema.Type, "string"), minItems: p.Schema.MinItems, maxItems: p.Schema.MaxItems}
				if p.Schema.Items != nil {
					items, err := compileSchema(p.Schema.Items)
					if err != nil {
						return nil, fmt.Errorf("%s %s: items of %s: %w", method, path, p.Name, err)
					}
					pr.items = items
				}
				op.params[p.Name] = pr
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

func compileSchema(raw json.RawMessage) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("param.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("param.json")
}

// requestValidator checks requests against the document: required
// parameters, types, patterns, ranges and date-time formats. It does not
// check the items of query arrays, their maxItems, or unknown parameters:
// checkQuery does. It is built once, on first use (about a quarter of a
// second), and is safe for concurrent use.
var requestValidator = sync.OnceValue(func() validator.Validator {
	doc, err := libopenapi.NewDocument(specDocument)
	if err != nil {
		panic("openphonetest: the embedded OpenAPI document: " + err.Error())
	}
	// Authentication is the fake's own: the document only says that the
	// key is in the Authorization header.
	v, errs := validator.NewValidator(doc, config.WithFormatAssertions(), config.WithoutSecurityValidation())
	if len(errs) > 0 {
		panic(fmt.Sprint("openphonetest: the embedded OpenAPI document: ", errs))
	}
	return v
})

// specErrors returns what the document refuses in r, which op serves.
func specErrors(r *http.Request, op operation) []fieldError {
	ok, found := requestValidator().ValidateHttpRequestSync(r)
	if ok {
		return nil
	}
	var c checks
	for _, e := range found {
		p, known := op.params[e.ParameterName]
		if !known {
			// Not about a parameter: a path or method the document lacks,
			// which the fake's routes already answer.
			continue
		}
		message := e.Message
		if len(e.SchemaValidationErrors) > 0 {
			message = e.SchemaValidationErrors[0].Reason
		}
		var value any
		switch {
		case p.in == "path":
			value = r.PathValue(e.ParameterName)
		case p.typ == "array":
			value = r.URL.Query()[e.ParameterName]
		case r.URL.Query().Has(e.ParameterName):
			value = r.URL.Query().Get(e.ParameterName)
		}
		c.add(p.in, e.ParameterName, p.typ, message, value)
	}
	return c.errs
}
