package openphonetest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// checkParams adds to c what the document refuses in r, a request for op:
// a required parameter missing, and each parameter against its schema
// (type, pattern, range, date-time format), a query value read as its
// type says; and what the document leaves to the server: parameters op
// does not take, repeated ones that are not arrays, booleans other than
// true and false.
func checkParams(r *http.Request, op operation, c *checks) {
	q := r.URL.Query()
	for _, name := range slices.Sorted(maps.Keys(op.params)) {
		p := op.params[name]
		value := r.PathValue(name)
		if p.in == "query" {
			if !q.Has(name) {
				if p.required {
					c.add("query", name, p.typ, "Required", nil)
				}
				continue
			}
			value = q.Get(name)
		}
		if p.typ == "array" || p.typ == "boolean" {
			continue // checkQuery's
		}
		v, ok := typed(value, p.typ)
		if !ok {
			c.add(p.in, name, p.typ, "Expected "+p.typ, value)
			continue
		}
		if reason, ok := p.schema.reason(v); !ok {
			c.add(p.in, name, p.typ, reason, value)
		}
	}
	checkQuery(q, op, c)
}

// typed reads a parameter's text as the JSON value of its schema's type.
func typed(s, typ string) (any, bool) {
	switch typ {
	case "integer", "number":
		n, err := strconv.ParseFloat(s, 64)
		if err != nil || (typ == "integer" && n != float64(int64(n))) {
			return nil, false
		}
		return json.Number(s), true
	}
	return s, true
}

// checkQuery adds to c what no schema of q's parameters says: parameters
// op does not take, repeated parameters that are not arrays, booleans
// other than true and false, and the length and items of arrays.
func checkQuery(q url.Values, op operation, c *checks) {
	for _, key := range slices.Sorted(maps.Keys(q)) {
		values := q[key]
		p, ok := op.params[key]
		switch {
		case !ok || p.in != "query":
			c.add("query", key, "string", "Unexpected query parameter", values)
		case p.typ != "array" && len(values) > 1:
			c.add("query", key, p.typ, "Expected a single value", values)
		case p.typ == "boolean":
			// OpenAPI writes a boolean in a query as true or false; the
			// document's validator also takes 1, t or TRUE.
			if values[0] != "true" && values[0] != "false" {
				c.add("query", key, p.typ, "Expected boolean (true or false)", values[0])
			}
		case p.typ != "array":
		case p.maxItems > 0 && len(values) > p.maxItems:
			c.add("query", key, "array", fmt.Sprintf("Expected array with at most %d items", p.maxItems), len(values))
		case len(values) < p.minItems:
			c.add("query", key, "array", fmt.Sprintf("Expected array with at least %d items", p.minItems), len(values))
		default:
			for i, v := range values {
				if reason, ok := p.items.reason(v); !ok {
					c.add("query", fmt.Sprintf("%s/%d", key, i), "string", "Invalid item: "+reason, v)
				}
			}
		}
	}
}

// reason is why v breaks the schema, its most specific cause, such as
// "'Sales' does not match pattern '^PN(.*)$'"; ok when v conforms or
// there is no check.
func (check schemaCheck) reason(v any) (reason string, ok bool) {
	if check == nil {
		return "", true
	}
	violations := check(v)
	if len(violations) == 0 {
		return "", true
	}
	return violations[len(violations)-1].Reason, false
}

// checkDates reads the date-time parameters among keys that q has. Their
// schemas check their format too; this is where they are parsed.
func checkDates(q url.Values, c *checks, keys ...string) map[string]time.Time {
	bounds := map[string]time.Time{}
	for _, key := range keys {
		if !q.Has(key) {
			continue
		}
		t, err := time.Parse(time.RFC3339, q.Get(key))
		if err != nil {
			c.add("query", key, "string", "Expected date-time string in ISO 8601 format", q.Get(key))
			continue
		}
		bounds[key] = t
	}
	return bounds
}

// maxResults reads maxResults, which its schema has checked to be present
// and in range.
func maxResults(q url.Values) int {
	n, _ := strconv.Atoi(q.Get("maxResults"))
	return n
}

// checkPageToken reads the offset of a page token issued for filter.
func checkPageToken(q url.Values, filter string, c *checks) int {
	if !q.Has("pageToken") {
		return 0
	}
	offset, ok := decodePageToken(q.Get("pageToken"), filter)
	if !ok {
		c.add("query", "pageToken", "string", "Invalid page token for this query", q.Get("pageToken"))
	}
	return offset
}

// filterKey identifies a query's filters, so that a page token is only good
// for the query that issued it.
func filterKey(q url.Values) string {
	f := url.Values{}
	for k, v := range q {
		if k != "pageToken" && k != "maxResults" {
			f[k] = v
		}
	}
	return f.Encode()
}

func encodePageToken(offset int, filter string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(offset) + "|" + filter))
}

func decodePageToken(token, filter string) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, false
	}
	off, f, ok := strings.Cut(string(raw), "|")
	n, err := strconv.Atoi(off)
	return n, ok && err == nil && n > 0 && f == filter
}

// inRange reports whether t falls strictly between after and before, where
// a zero bound is none.
func inRange(t *time.Time, after, before time.Time) bool {
	if after.IsZero() && before.IsZero() {
		return true
	}
	return t != nil && (after.IsZero() || t.After(after)) && (before.IsZero() || t.Before(before))
}

// pageOf cuts items, already in the API's order, to one page: the page's
// items and the next page's token for filter, nil on the last.
func pageOf[T any](items []T, q url.Values, filter string, offset int) ([]T, *string) {
	if offset >= len(items) {
		return []T{}, nil
	}
	end := min(offset+maxResults(q), len(items))
	if end == len(items) {
		return items[offset:end], nil
	}
	token := encodePageToken(end, filter)
	return items[offset:end], &token
}

// maxRequestBody bounds the request bodies the fake reads.
const maxRequestBody = 64 << 10

// checkBody adds to c what the document refuses in r's JSON body, when op
// takes one: a body missing or not JSON, and the body against its schema
// (required fields, types, lengths, patterns, formats, and the fields it
// does not take where the schema says so). It leaves the body readable
// for the handler.
func checkBody(r *http.Request, op operation, c *checks) {
	if !op.takesBody {
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	r.Body = io.NopCloser(bytes.NewReader(raw))
	if err != nil || len(bytes.TrimSpace(raw)) == 0 {
		c.errs = append(c.errs, fieldError{"/body", "Required", nil, fieldSchema{"object"}})
		return
	}
	v, err := decodeJSON(raw)
	if err != nil {
		c.errs = append(c.errs, fieldError{"/body", "Expected a JSON object", string(raw), fieldSchema{"object"}})
		return
	}
	if op.body == nil {
		return
	}
	for _, leaf := range op.body(v) {
		path := "/body"
		for _, token := range leaf.Location {
			path += "/" + token
		}
		c.errs = append(c.errs, fieldError{path, leaf.Reason, nil, fieldSchema{"string"}})
	}
}

// decodeJSON reads one JSON value, its numbers as json.Number, as a
// schema check takes it.
func decodeJSON(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

// decodeBody reads the JSON body that checkBody has found valid into v.
func decodeBody(r *http.Request, v any) {
	json.NewDecoder(r.Body).Decode(v)
}
