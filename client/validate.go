package client

import (
	"fmt"
	"time"
)

// problems collects what is wrong with a request's parameters.
type problems ValidationError

func (ps *problems) add(kind Kind, param string, value any, problem, want string) {
	*ps = append(*ps, InvalidParam{kind, param, value, problem, want})
}

// err is the ValidationError listing the problems, or nil.
func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	return ValidationError(ps)
}

const lineForm = `want an E.164 number with "+" and country code, digits only (e.g. "+15555555555"), or a phone number ID (e.g. "PN123abc")`

// Validate reports every parameter the API would reject, as a
// ValidationError, or nil.
func (p ListConversationsParams) Validate() error {
	var ps problems
	if p.PhoneNumbers != nil && len(p.PhoneNumbers) == 0 {
		ps.add(KindLength, "phoneNumbers", p.PhoneNumbers, "is empty", "give 1 to 100 lines, or leave phoneNumbers out to include every line")
	}
	if len(p.PhoneNumbers) > MaxPhoneNumbers {
		ps.add(KindLength, "phoneNumbers", fmt.Sprintf("%d items", len(p.PhoneNumbers)), "is too long", "give at most 100 lines per call")
	}
	for i, n := range p.PhoneNumbers {
		if !IsLineRef(n) {
			ps.add(KindNotALine, fmt.Sprintf("phoneNumbers[%d]", i), n, "is not a phone number or phone number ID", lineForm)
		}
	}
	if p.PhoneNumber != "" && !IsLineRef(p.PhoneNumber) {
		ps.add(KindNotALine, "phoneNumber", p.PhoneNumber, "is not a phone number or phone number ID", lineForm+"; phoneNumber is deprecated, prefer phoneNumbers")
	}
	ps.userID(p.UserID)
	ps.dateRange(dateParam{"createdAfter", p.CreatedAfter}, dateParam{"createdBefore", p.CreatedBefore})
	ps.dateRange(dateParam{"updatedAfter", p.UpdatedAfter}, dateParam{"updatedBefore", p.UpdatedBefore})
	ps.maxResults(p.MaxResults, MaxResultsLimit)
	return ps.err()
}

// Validate reports every parameter the API would reject, as a
// ValidationError, or nil.
func (p ListMessagesParams) Validate() error { return p.thread().validate() }

// Validate reports every parameter the API would reject, as a
// ValidationError, or nil.
func (p ListCallsParams) Validate() error { return p.thread().validate() }

func (t thread) validate() error {
	var ps problems
	switch {
	case t.phoneNumberID == "":
		ps.add(KindMissing, "phoneNumberId", nil, "is required", "give the line's phone number ID (PN…)")
	case !IsPhoneNumberID(t.phoneNumberID):
		ps.add(KindNotALineID, "phoneNumberId", t.phoneNumberID, "is not a phone number ID", `want the line's phone number ID (e.g. "PN123abc")`)
	}
	one := fmt.Sprintf("1 to %d numbers", t.maxParticipants)
	if t.maxParticipants == 1 {
		one = "exactly one number: the API lists the calls of 1:1 threads only"
	}
	switch {
	case t.participants == nil:
		ps.add(KindMissing, "participants", nil, "is required", "give "+one+`, e.g. ["+15555555555"]`)
	case len(t.participants) == 0:
		ps.add(KindLength, "participants", t.participants, "is empty", "give "+one)
	case len(t.participants) > t.maxParticipants:
		ps.add(KindLength, "participants", fmt.Sprintf("%d items", len(t.participants)), "is too long", "give "+one)
	}
	for i, n := range t.participants {
		if !IsE164(n) {
			ps.add(KindMalformed, fmt.Sprintf("participants[%d]", i), n, "is not an E.164 phone number", `want "+" then country code and number, digits only (e.g. "+15555555555")`)
		}
	}
	ps.userID(t.userID)
	// since means createdBefore: it is checked as one, and not given with
	// it, so that neither is dropped without a word.
	before := dateParam{"createdBefore", t.createdBefore}
	switch {
	case t.since != "" && t.createdBefore != "":
		ps.add(KindConflict, "since", t.since, "is given with createdBefore, which it means", "give createdBefore alone (since is deprecated)")
	case t.since != "":
		before = dateParam{"since", t.since}
	}
	ps.dateRange(dateParam{"createdAfter", t.createdAfter}, before)
	ps.maxResults(t.maxResults, MaxResultsLimit)
	return ps.err()
}

// Validate reports every parameter the API would reject, as a ValidationError.
func (p ListUsersParams) Validate() error {
	var ps problems
	ps.maxResults(p.MaxResults, MaxUsersPerPage)
	return ps.err()
}

// Validate reports a parameter the API would reject, as a ValidationError.
func (p ListPhoneNumbersParams) Validate() error {
	var ps problems
	ps.userID(p.UserID)
	return ps.err()
}

// Validate reports a call ID the API would reject, as a ValidationError.
func (p GetCallParams) Validate() error {
	var ps problems
	ps.activityID("callId", p.CallID, "call")
	return ps.err()
}

// activityID checks a required call or message ID.
func (ps *problems) activityID(param, id, noun string) {
	switch {
	case id == "":
		ps.add(KindMissing, param, nil, "is required", fmt.Sprintf(`give a %s's ID (e.g. "AC123abc")`, noun))
	case !IsActivityID(id):
		ps.add(KindMalformed, param, id, "is not a "+noun+" ID", `want an ID that starts with "AC" (e.g. "AC123abc")`)
	}
}

// userID checks an optional userId.
func (ps *problems) userID(id string) {
	if id != "" && !IsUserID(id) {
		ps.add(KindMalformed, "userId", id, "is not a user ID", `want an OpenPhone user ID, which starts with "US" (e.g. "US123abc")`)
	}
}

// A dateParam is a date-time parameter and its value, "" when not given.
type dateParam struct{ name, value string }

// dateRange checks that each bound of a range is RFC 3339, and that after
// comes before before.
func (ps *problems) dateRange(after, before dateParam) {
	a, aOK := ps.date(after)
	b, bOK := ps.date(before)
	if aOK && bOK && !a.IsZero() && !b.IsZero() && !a.Before(b) {
		ps.add(KindConflict, after.name, after.value, fmt.Sprintf("is not earlier than %s (%q)", before.name, before.value),
			"nothing can match: swap the two or widen the range")
	}
}

// date reads d as RFC 3339; the zero time stands for no value.
func (ps *problems) date(d dateParam) (time.Time, bool) {
	if d.value == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.RFC3339, d.value)
	if err != nil {
		ps.add(KindMalformed, d.name, d.value, "is not an RFC 3339 date-time", `want date, time and zone, e.g. "2024-01-31T00:00:00Z" or "2024-01-31T09:00:00-05:00"`)
		return t, false
	}
	return t, true
}

// maxResults checks a page size against the API's range.
func (ps *problems) maxResults(n, limit int) {
	if n < 1 || n > limit {
		ps.add(KindOutOfRange, "maxResults", n, "is out of range", fmt.Sprintf("want an integer from 1 to %d (10 if unsure)", limit))
	}
}
