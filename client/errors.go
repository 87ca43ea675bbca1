package client

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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

// A Kind says what is wrong with a parameter.
type Kind string

// The kinds of InvalidParam the client reports. Callers may add their own.
const (
	KindMissing    Kind = "missing"       // a required parameter left out
	KindMalformed  Kind = "malformed"     // a value not in the parameter's form
	KindOutOfRange Kind = "out of range"  // a number outside the allowed range
	KindLength     Kind = "length"        // an array with too few or too many items
	KindConflict   Kind = "conflict"      // values that cannot go together
	KindNotALine   Kind = "not a line"    // neither an E.164 number nor a phone number ID
	KindNotALineID Kind = "not a line ID" // not a phone number ID, where only an ID will do
)

// An InvalidParam is one parameter value the API would reject.
type InvalidParam struct {
	Kind    Kind   // what is wrong, for a caller that explains it in words of its own
	Param   string // the parameter, with an index for array items: "phoneNumbers[2]"
	Value   any    // the rejected value: a string, a number, or json.RawMessage
	Problem string // what is wrong, such as "is not a phone number"
	Want    string // the allowed form, with an example
}

func (p InvalidParam) String() string {
	if p.Value == nil { // a parameter left out
		return fmt.Sprintf("%s %s; %s", p.Param, p.Problem, p.Want)
	}
	return fmt.Sprintf("%s: %s %s; %s", p.Param, quoteValue(p.Value), p.Problem, p.Want)
}

// A ValidationError lists every invalid parameter of a request. Nothing is
// sent when a request fails validation.
type ValidationError []InvalidParam

func (e ValidationError) Error() string {
	lines := make([]string, len(e))
	for i, p := range e {
		lines[i] = p.String()
	}
	return "invalid parameters: " + strings.Join(lines, "\n")
}

// quoteValue renders a rejected value for a message: strings quoted, JSON
// as is, and either cut short when long.
func quoteValue(v any) string {
	var s string
	switch v := v.(type) {
	case string:
		s = strconv.Quote(v)
	case json.RawMessage:
		s = string(v)
	default:
		s = fmt.Sprint(v)
	}
	const limit = 80
	if utf8.RuneCountInString(s) > limit {
		s = string([]rune(s)[:limit-3]) + "..."
	}
	return s
}

// A RetryError reports a request that failed after more than one attempt,
// or ran out of time after one. Err is the last error.
type RetryError struct {
	Attempts []string // what each attempt ended with, such as "503 Service Unavailable"
	Err      error
}

func (e *RetryError) Error() string {
	return fmt.Sprintf("%v (after %d attempts: %s)", e.Err, len(e.Attempts), strings.Join(e.Attempts, ", "))
}

func (e *RetryError) Unwrap() error { return e.Err }

// A RateLimitError reports a call that the client's own rate limit could
// not fit into the call's time limit: the requests ahead of it in its
// key's queue would take longer. Nothing was sent.
type RateLimitError struct {
	RPS   float64       // the limit per key
	Ahead int           // the requests queued ahead of this one
	Wait  time.Duration // the least it would have waited
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("the rate limit of %g requests/s for this API key could not fit the request within the call's deadline: %d requests were queued ahead of it, at least %v of waiting", e.RPS, e.Ahead, e.Wait.Round(time.Millisecond))
}

// A PauseError reports a call that could not wait out, within its time
// limit, the pause OpenPhone asked of the API key (an answer with
// Retry-After, mostly 429).
type PauseError struct {
	Wait time.Duration // how much longer the pause lasts
}

func (e *PauseError) Error() string {
	return fmt.Sprintf("OpenPhone asked this API key to pause for %v more, past the call's deadline", e.Wait.Round(time.Second))
}

// A BodyTooLargeError reports an answer larger than the client reads.
type BodyTooLargeError struct {
	Path  string
	Limit int64
}

func (e *BodyTooLargeError) Error() string {
	return fmt.Sprintf("GET %s: response body exceeds %d bytes", e.Path, e.Limit)
}

// A DecodeError reports a successful response whose body could not be read
// as the documented JSON.
type DecodeError struct {
	Path        string
	ContentType string
	Err         error
}

func (e *DecodeError) Error() string {
	why := e.Err.Error()
	if len(why) > maxDecodeErrorText { // a decoder quotes the value it choked on, of any size
		why = strings.ToValidUTF8(why[:maxDecodeErrorText], "") + "…"
	}
	return fmt.Sprintf("GET %s: unreadable %s response body: %s", e.Path, e.ContentType, why)
}

// maxDecodeErrorText bounds the decoder's words in a DecodeError.
const maxDecodeErrorText = 300

func (e *DecodeError) Unwrap() error { return e.Err }
