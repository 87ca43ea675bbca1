package client

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"
)

// An APIError is a non-2xx answer from OpenPhone.
//
// OpenPhone answers errors in two shapes, and proxies in front of it answer
// with HTML or plain text; every field but Status is best effort.
type APIError struct {
	Status  int          // HTTP status code
	Code    string       // OpenPhone's error code, such as "1001403", or the key of the older shape
	Title   string       // such as "Not Phone Number User"
	Message string       // human-readable explanation
	Trace   string       // OpenPhone's trace ID, for support requests
	Errors  []FieldError // per-field validation failures, mostly on 400
	// RetryAfter is the Retry-After header as sent, if any.
	RetryAfter string
	// NotJSON is set when the body was not JSON (a proxy's HTML page, say);
	// it then holds the body's media type.
	NotJSON string
}

// A FieldError names one request field that OpenPhone rejected.
type FieldError struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// RetryAfterDuration is RetryAfter as a wait from now, at most a minute,
// and whether it was sent in a form that can be read (seconds or a date).
func (e *APIError) RetryAfterDuration(now time.Time) (time.Duration, bool) {
	return parseRetryAfter(e.RetryAfter, now)
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "openphone: %d %s", e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		fmt.Fprintf(&b, " (code %s)", e.Code)
	}
	if e.Title != "" && e.Title != http.StatusText(e.Status) {
		fmt.Fprintf(&b, ": %s", e.Title)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	for _, fe := range e.Errors {
		fmt.Fprintf(&b, "; %s: %s", fe.Path, fe.Message)
	}
	if e.NotJSON != "" {
		fmt.Fprintf(&b, " (non-JSON %s body)", e.NotJSON)
	}
	return b.String()
}

// errorBody holds both error shapes OpenPhone is known to send:
//
//	{"message", "code", "status", "title", "trace", "errors": [...]}
//	{"error": {"message", "key", "trace"}}
type errorBody struct {
	Message string       `json:"message"`
	Code    looseString  `json:"code"`
	Title   string       `json:"title"`
	Trace   string       `json:"trace"`
	Errors  []FieldError `json:"errors"`
	Error   *struct {
		Message string `json:"message"`
		Key     string `json:"key"`
		Trace   string `json:"trace"`
	} `json:"error"`
}

func parseAPIError(resp *http.Response, body []byte) *APIError {
	e := &APIError{Status: resp.StatusCode, RetryAfter: resp.Header.Get("Retry-After")}
	var eb errorBody
	if err := json.Unmarshal(body, &eb); err != nil {
		mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if mediaType == "" {
			mediaType = "unknown"
		}
		e.NotJSON = mediaType
		return e
	}
	e.Message, e.Code, e.Title, e.Trace, e.Errors = eb.Message, string(eb.Code), eb.Title, eb.Trace, eb.Errors
	if eb.Error != nil {
		e.Message = cmp.Or(e.Message, eb.Error.Message)
		e.Code = cmp.Or(e.Code, eb.Error.Key)
		e.Trace = cmp.Or(e.Trace, eb.Error.Trace)
	}
	return e
}

// looseString decodes a JSON string or number as a string: error codes are
// documented as strings but a number must not make the whole error unreadable.
type looseString string

func (s *looseString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var v string
		err := json.Unmarshal(b, &v)
		*s = looseString(v)
		return err
	}
	if string(b) == "null" {
		return nil
	}
	*s = looseString(b)
	return nil
}
