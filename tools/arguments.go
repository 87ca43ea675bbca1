package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// The kinds of argument error found in decoding, before the client's
// checks.
const (
	kindUnknown   client.Kind = "unknown"    // not a parameter of the tool
	kindWrongType client.Kind = "wrong type" // not of the parameter's JSON type
)

// decodeArguments decodes a tool call's arguments into dst strictly: only
// the names dst's json tags publish, each of its published type. Arguments
// left out or null keep the value dst already has, so callers pre-fill
// defaults. It returns every rejected argument, sorted by name, and decodes
// the others.
func decodeArguments(args any, dst any) client.ValidationError {
	if args == nil {
		return nil
	}
	obj, ok := args.(map[string]any)
	if !ok {
		return client.ValidationError{{Kind: kindWrongType, Param: "arguments", Value: compactJSON(args), Problem: "is not an object", Want: `pass the parameters as a JSON object, e.g. {"maxResults": 10}`}}
	}
	names := jsonNames(structType(dst))
	if known(obj, names) {
		// Most calls are right: one decode of them all, and one at a time
		// only when it fails, to report every wrong type.
		if all, err := json.Marshal(obj); err == nil && json.Unmarshal(all, dst) == nil {
			return nil
		}
	}
	var errs client.ValidationError
	for key, value := range obj {
		if !slices.Contains(names, key) {
			errs = append(errs, client.InvalidParam{Kind: kindUnknown, Param: unknownName(key), Value: compactJSON(value), Problem: "is not a parameter of this tool", Want: unknownParamHint(key, names)})
			continue
		}
		// One argument at a time, so that every wrong type is reported.
		one, err := json.Marshal(map[string]any{key: value})
		if err == nil {
			err = json.Unmarshal(one, dst)
		}
		if err != nil {
			errs = append(errs, client.InvalidParam{Kind: kindWrongType, Param: key, Value: compactJSON(value), Problem: "has the wrong type", Want: "want " + jsonTypeName(dst, key, value)})
			field(dst, key).SetZero() // drop what a failed decode left half done
		}
	}
	slices.SortFunc(errs, func(a, b client.InvalidParam) int { return strings.Compare(a.Param, b.Param) })
	return errs
}

// structType is the struct type a pointer points to.
func structType(ptr any) reflect.Type { return reflect.TypeOf(ptr).Elem() }

// known reports whether every key of obj is among names.
func known(obj map[string]any, names []string) bool {
	for key := range obj {
		if !slices.Contains(names, key) {
			return false
		}
	}
	return true
}

// fieldNames caches jsonNames by type: it runs on every call.
var fieldNames sync.Map // reflect.Type → []string

// jsonNames lists the JSON names of a struct type's fields, those of
// embedded structs included.
func jsonNames(t reflect.Type) []string {
	if names, ok := fieldNames.Load(t); ok {
		return names.([]string)
	}
	names := fieldJSONNames(t)
	fieldNames.Store(t, names)
	return names
}

// fieldJSONNames is jsonNames, uncached.
func fieldJSONNames(t reflect.Type) []string {
	var names []string
	for _, f := range reflect.VisibleFields(t) {
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

// unknownName shows a name that is not a parameter: quoted when it is not a
// plain identifier, and cut short when long.
func unknownName(key string) string {
	plain := key != "" && strings.IndexFunc(key, func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) < 0
	if len(key) > 40 {
		key, plain = strings.ToValidUTF8(key[:37], "")+"...", false
	}
	if plain {
		return key
	}
	return strconv.Quote(key)
}

// unknownParamHint suggests the parameter a misspelt name most likely meant.
func unknownParamHint(key string, names []string) string {
	norm := func(s string) string { return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s)) }
	for _, n := range names {
		if norm(n) == norm(key) {
			return fmt.Sprintf("did you mean %q? (names are case-sensitive)", n)
		}
	}
	return "the parameters are: " + strings.Join(names, ", ")
}

// field returns the field of the struct dst points to whose JSON name is param.
func field(dst any, param string) reflect.Value {
	v := reflect.ValueOf(dst).Elem()
	for _, f := range reflect.VisibleFields(structType(dst)) {
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name == param {
			return v.FieldByIndex(f.Index)
		}
	}
	panic("tools: no field " + param) // decodeArguments only asks for published names
}

// jsonTypeName says in JSON terms what the field of dst named param accepts.
func jsonTypeName(dst any, param string, value any) string {
	t := field(dst, param).Type()
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "a boolean: true or false, without quotes"
	case reflect.Int, reflect.Int64:
		return "an integer without quotes, such as 10"
	case reflect.Slice:
		if s, ok := value.(string); ok { // one where a list was wanted: that one, listed
			return "an array of strings, such as " + string(compactJSON([]string{s}))
		}
		return "an array of strings, such as [\"+15555555555\"]"
	}
	return "a string"
}

// compactJSON renders a rejected value for an error message.
func compactJSON(v any) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return json.RawMessage(fmt.Sprintf("%q", fmt.Sprint(v)))
	}
	return bytes.TrimSpace(b.Bytes())
}

// combine lists the arguments rejected before Validate ran (not decoded,
// or naming nothing, such as a line or contact that matches none), then
// what Validate found wrong with the others: such an argument was left at
// its default or as given, and Validate's view of it would be an invented
// second error. It returns nil when there is nothing to report.
func combine(first, validateErrs client.ValidationError) client.ValidationError {
	errs := first
	for _, e := range validateErrs {
		param, _, _ := strings.Cut(e.Param, "[")
		if !slices.ContainsFunc(first, func(f client.InvalidParam) bool { return f.Param == param || f.Param == e.Param }) {
			errs = append(errs, e)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// validationErrors lists the problems a Validate method reported.
func validationErrors(err error) client.ValidationError {
	var verr client.ValidationError
	if errors.As(err, &verr) {
		return verr
	}
	if err != nil {
		return client.ValidationError{{Kind: client.KindMalformed, Param: "arguments", Problem: err.Error(), Want: "fix the arguments"}}
	}
	return nil
}

// withAdvice adds to what each error wants the advice for its argument.
func withAdvice(errs client.ValidationError, advice map[string]string) client.ValidationError {
	for i, e := range errs {
		if a, ok := advice[e.Param]; ok {
			errs[i].Want += ": " + a
		}
	}
	return errs
}
