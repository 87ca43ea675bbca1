package client

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Patterns the API enforces on phone numbers and IDs.
const (
	E164Pattern          = `^\+[1-9]\d{1,14}$`
	PhoneNumberIDPattern = `^PN(.*)$`
)

var (
	e164RE          = regexp.MustCompile(E164Pattern)
	phoneNumberIDRE = regexp.MustCompile(PhoneNumberIDPattern)
	userIDRE        = regexp.MustCompile(`^US\S+$`)
)

// An InvalidParam is one parameter value the API would reject.
type InvalidParam struct {
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

// The Problems of an InvalidParam whose value is not a line in the form the
// API takes: neither an E.164 number nor a phone number ID, or (where only
// an ID will do) not a phone number ID.
const (
	ProblemNotALine   = "is not a phone number or phone number ID"
	ProblemNotALineID = "is not a phone number ID"
)

const lineForm = `want an E.164 number with "+" and country code, digits only (e.g. "+15555555555"), or a phone number ID (e.g. "PN123abc")`

// Validate reports every parameter the API would reject, as a
// ValidationError, or nil.
func (p ListConversationsParams) Validate() error {
	var errs ValidationError
	bad := func(param string, value any, problem, want string) {
		errs = append(errs, InvalidParam{param, value, problem, want})
	}

	if p.PhoneNumbers != nil && len(p.PhoneNumbers) == 0 {
		bad("phoneNumbers", p.PhoneNumbers, "is empty", "give 1 to 100 lines, or leave phoneNumbers out to include every line")
	}
	if len(p.PhoneNumbers) > MaxPhoneNumbers {
		bad("phoneNumbers", fmt.Sprintf("%d items", len(p.PhoneNumbers)), "is too long", "give at most 100 lines per call")
	}
	for i, n := range p.PhoneNumbers {
		if !IsLineRef(n) {
			bad(fmt.Sprintf("phoneNumbers[%d]", i), n, ProblemNotALine, lineForm)
		}
	}
	if p.PhoneNumber != "" && !IsLineRef(p.PhoneNumber) {
		bad("phoneNumber", p.PhoneNumber, ProblemNotALine, lineForm+"; phoneNumber is deprecated, prefer phoneNumbers")
	}
	if p.UserID != "" && !userIDRE.MatchString(p.UserID) {
		errs = append(errs, invalidUserID(p.UserID))
	}

	errs = append(errs, checkDateRange(dateParam{"createdAfter", p.CreatedAfter}, dateParam{"createdBefore", p.CreatedBefore})...)
	errs = append(errs, checkDateRange(dateParam{"updatedAfter", p.UpdatedAfter}, dateParam{"updatedBefore", p.UpdatedBefore})...)
	errs = append(errs, checkMaxResults(p.MaxResults, MaxResultsLimit)...)
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// A dateParam is a date-time parameter and its value, "" when not given.
type dateParam struct{ name, value string }

// parse reads d as RFC 3339; the zero time stands for no value.
func (d dateParam) parse() (time.Time, *InvalidParam) {
	if d.value == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, d.value)
	if err != nil {
		return t, &InvalidParam{d.name, d.value, "is not an RFC 3339 date-time", `want date, time and zone, e.g. "2024-01-31T00:00:00Z" or "2024-01-31T09:00:00-05:00"`}
	}
	return t, nil
}

// checkDateRange checks that each bound of a range is RFC 3339, and that
// after comes before before.
func checkDateRange(after, before dateParam) ValidationError {
	var errs ValidationError
	a, aErr := after.parse()
	b, bErr := before.parse()
	for _, e := range []*InvalidParam{aErr, bErr} {
		if e != nil {
			errs = append(errs, *e)
		}
	}
	if !a.IsZero() && !b.IsZero() && !a.Before(b) {
		errs = append(errs, InvalidParam{after.name, after.value, fmt.Sprintf("is not earlier than %s (%q)", before.name, before.value),
			"nothing can match: swap the two or widen the range"})
	}
	return errs
}

// checkMaxResults checks a page size against the API's range.
func checkMaxResults(n, limit int) ValidationError {
	if n < 1 || n > limit {
		return ValidationError{{"maxResults", n, "is out of range", fmt.Sprintf("want an integer from 1 to %d (10 if unsure)", limit)}}
	}
	return nil
}

func invalidUserID(id string) InvalidParam {
	return InvalidParam{"userId", id, "is not a user ID", `want an OpenPhone user ID, which starts with "US" (e.g. "US123abc")`}
}

// IsLineRef reports whether s is a line as the API takes it: an E.164
// number or a phone number ID.
func IsLineRef(s string) bool { return e164RE.MatchString(s) || phoneNumberIDRE.MatchString(s) }

// IsPhoneNumberID reports whether s is a phone number ID (PN…).
func IsPhoneNumberID(s string) bool { return phoneNumberIDRE.MatchString(s) }

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
