package openphonetest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// docsURL is the docs field of every error body: the document fixes it.
const docsURL = "https://quo.com/docs"

// A fieldError is one item of a validation error's errors: the document
// requires its path, message and schema type.
type fieldError struct {
	Path    string      `json:"path"`
	Message string      `json:"message"`
	Value   any         `json:"value"`
	Schema  fieldSchema `json:"schema"`
}

type fieldSchema struct {
	Type string `json:"type"`
}

// checks collects what is wrong with a request, for a 400, or holds the
// domain error that answers it before any other check.
type checks struct {
	errs    []fieldError
	refusal http.HandlerFunc
}

// add records that the parameter name, of typ, sent in (query or path)
// with value, is refused for message.
func (c *checks) add(in, name, typ, message string, value any) {
	c.errs = append(c.errs, fieldError{"/" + in + "/" + name, message, value, fieldSchema{typ}})
}

// refuse answers the request with h, whatever else is wrong with it: the
// API checks some domain rules first.
func (c *checks) refuse(h http.HandlerFunc) {
	if c.refusal == nil {
		c.refusal = h
	}
}

// deduplicated returns the errors with one item per path, the first.
func (c *checks) deduplicated() []fieldError {
	seen := map[string]bool{}
	return slices.DeleteFunc(slices.Clone(c.errs), func(e fieldError) bool {
		dup := seen[e.Path]
		seen[e.Path] = true
		return dup
	})
}

// writeValidationError answers 400 with the errors, in the generic error
// body of pattern's endpoint.
func writeValidationError(w http.ResponseWriter, pattern string, errs []fieldError) {
	body := errorBody(pattern, http.StatusBadRequest, "Invalid request parameters", false)
	body["errors"] = errs
	writeJSON(w, http.StatusBadRequest, body)
}

// writeError answers status in the generic error body that the document
// gives pattern's endpoint (its "Not Found", say).
func writeError(w http.ResponseWriter, pattern string, status int, message string) {
	writeJSON(w, status, errorBody(pattern, status, message, false))
}

// writeDomainError answers the one domain error that the document gives
// pattern's endpoint for status ("Too Many Participants" for a 400 of
// GET /v1/calls, say), with its title and description.
func writeDomainError(w http.ResponseWriter, pattern string, status int, message string) {
	writeJSON(w, status, errorBody(pattern, status, message, true))
}

// errorBody is the body of an error of pattern's endpoint. Its code, title
// and description come from the document. Where the document gives the
// status only as a domain error and a generic one is wanted (a malformed
// query of GET /v1/messages, whose 400 is documented only as "A2P
// Registration Not Approved"), the body keeps the documented envelope with
// the endpoint's generic code: its two-digit prefix, then 00 and the
// status, as the document writes generic codes (0200401).
func errorBody(pattern string, status int, message string, domain bool) map[string]any {
	op := operations()[pattern]
	shape, documented := op.errors[status]
	if !documented || (shape.description != "") != domain {
		prefix := "00"
		if s, ok := op.errors[http.StatusUnauthorized]; ok && len(s.code) == 7 {
			prefix = s.code[:2]
		}
		shape = errorShape{code: prefix + "00" + strconv.Itoa(status), title: http.StatusText(status)}
		if status == http.StatusInternalServerError {
			shape = errorShape{code: prefix + "01500", title: "Unknown"}
		}
	}
	body := map[string]any{
		"message": message, "code": shape.code, "status": status, "title": shape.title,
		"docs": docsURL, "trace": "trace-" + strconv.FormatInt(time.Now().UnixNano(), 36),
	}
	if shape.description != "" {
		body["description"] = shape.description
	}
	return body
}

// writeNoRoute answers a request for a path the fake does not serve: 405
// where another method is served on it, else 404.
func writeNoRoute(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		other := r.Clone(r.Context())
		other.Method = method
		if _, pattern := mux.Handler(other); pattern != "/" && pattern != "" {
			writeError(w, pattern, http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed on %s", r.Method, r.URL.Path))
			return
		}
	}
	writeError(w, "", http.StatusNotFound, fmt.Sprintf("No endpoint %s %s", r.Method, r.URL.Path))
}
