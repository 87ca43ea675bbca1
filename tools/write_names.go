package tools

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/nyaruka/phonenumbers"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/contacts"
)

// The names a write resolves, and how its preview names things for the
// person who confirms it.

// writeLine finds the line of this workspace that value names, by ID,
// number or name, for the parameter param; or says, with the workspace's
// lines, why there is none.
func (a *Account) writeLine(ctx context.Context, param, value string) (client.PhoneNumber, error) {
	n, err := a.dir.lookup(ctx, nil, nil)
	if err != nil {
		return client.PhoneNumber{}, err
	}
	if line, ok := n.line(value); ok {
		return line, nil
	}
	if lines := n.linesNamed(value); len(lines) == 1 {
		return lines[0], nil
	}
	kind := client.KindNotALine
	if client.IsPhoneNumberID(value) {
		kind = client.KindNotALineID
	}
	problem := client.InvalidParam{Kind: kind, Param: param, Value: value, Problem: "is not a line of this workspace", Want: "want a line's phone number ID (PN…) or number"}
	if strings.TrimSpace(value) == "" {
		problem = client.InvalidParam{Kind: client.KindMissing, Param: param, Problem: "is required", Want: "give the line: its ID (PN…), number or name"}
	}
	return client.PhoneNumber{}, withLineChoices(client.ValidationError{problem}, n, nil)
}

// recipients turns each value of to, a number in any format or a
// contact's name (looked up in view), into an E.164 number; a name must
// name one contact with one number. It returns every value it could not
// turn, with the choices.
func recipients(view contacts.View, to []string) ([]string, client.ValidationError) {
	if to == nil {
		return nil, nil // Validate says it is required
	}
	out := make([]string, len(to))
	var errs client.ValidationError
	for i, v := range to {
		if e164, ok := contacts.Normalize(v); ok {
			out[i] = e164
			continue
		}
		out[i] = v
		if number, problem, ok := contactNumber(view, v); ok {
			out[i] = number
		} else {
			errs = append(errs, client.InvalidParam{Kind: client.KindMalformed, Param: fmt.Sprintf("to[%d]", i), Value: v, Problem: problem.Problem, Want: problem.Want})
		}
	}
	return out, errs
}

// contactNumber is the one number of the one contact that name names
// best, or why there is none.
func contactNumber(view contacts.View, name string) (string, client.InvalidParam, bool) {
	matches, _ := view.Find(name, 10)
	var best []contacts.Match
	for _, m := range matches {
		if m.Field != "number" && (len(best) == 0 || m.Score == best[0].Score) {
			best = append(best, m)
		}
	}
	switch {
	case len(best) == 0 && view.Loading:
		return "", client.InvalidParam{Problem: "is not a phone number, and no contact of that name is indexed yet (contacts are still loading)", Want: "give the number, or call again in a few seconds"}, false
	case len(best) == 0:
		return "", client.InvalidParam{Problem: "is not a phone number or a contact's name", Want: "give the number in any format (e.g. +14155550142 or (415) 555-0142); find_contacts finds a contact's numbers"}, false
	case len(best) > 1:
		return "", client.InvalidParam{Problem: fmt.Sprintf("names %d contacts", len(best)), Want: "give the number of the one meant: " + describeMatches(best)}, false
	}
	numbers := contactE164s(best[0].Contact)
	if len(numbers) != 1 {
		return "", client.InvalidParam{Problem: fmt.Sprintf("names %s, who has %d numbers", contactName(best[0].Contact), len(numbers)), Want: "give the number meant: " + strings.Join(numbers, ", ")}, false
	}
	return numbers[0], client.InvalidParam{}, true
}

// contactE164s are a contact's numbers that read as E.164.
func contactE164s(ct client.Contact) []string {
	var out []string
	for _, p := range ct.DefaultFields.PhoneNumbers {
		if n, ok := contacts.Normalize(deref(p.Value)); ok {
			out = append(out, n)
		}
	}
	return out
}

// describeMatches lists contacts with their numbers, for a choice.
func describeMatches(ms []contacts.Match) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = contactName(m.Contact) + " " + strings.Join(contactE164s(m.Contact), ",")
	}
	return strings.Join(parts, "; ")
}

// spokenNumber writes an E.164 number as a person reads it: "+1 415-555-0142".
func spokenNumber(e164 string) string {
	n, err := phonenumbers.Parse(e164, contacts.DefaultRegion)
	if err != nil {
		return e164
	}
	return phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
}

// spokenLine names a line for a person: "Sales (+1 415-555-0100)".
func spokenLine(l client.PhoneNumber) string {
	if l.Name == "" {
		return spokenNumber(l.Number)
	}
	return strconv.Quote(l.Name) + " (" + spokenNumber(l.Number) + ")"
}

// spokenRecipient names a number for a person, with its contacts' names.
func spokenRecipient(view contacts.View, number string) string {
	cts := view.Of(number)
	if len(cts) == 0 {
		return spokenNumber(number)
	}
	names := make([]string, len(cts))
	for i, ct := range cts {
		names[i] = contactName(ct)
	}
	return strings.Join(names, " or ") + " (" + spokenNumber(number) + ")"
}

// spokenUser names a user for a person: "Avery Chen" (US…); by ID alone
// when the names cannot be read.
func (a *Account) spokenUser(ctx context.Context, id string) string {
	n, err := a.dir.lookup(ctx, nil, []string{id})
	if name, ok := n.userName(id); ok && err == nil {
		return strconv.Quote(name) + " (" + id + ")"
	}
	return id
}

// spokenTime writes an RFC 3339 instant as a person reads it, in UTC.
func spokenTime(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.UTC().Format("Mon Jan 2 2006 15:04 UTC")
}

// spokenText writes a text as the person confirms it: every character
// as it will be sent, those that do not show (controls other than line
// breaks, bidi overrides, zero-width ones) escaped, so that the preview
// cannot hide anything.
func spokenText(s string) string {
	var b strings.Builder
	b.WriteString("«")
	for _, r := range s {
		if r == '\n' || r == ' ' || unicode.IsGraphic(r) {
			b.WriteRune(r)
		} else {
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		}
	}
	b.WriteString("»")
	return b.String()
}
