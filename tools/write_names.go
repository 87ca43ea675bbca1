package tools

import (
	"context"
	"fmt"
	"slices"
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

// recipients turns each value of to into an E.164 number. A value is
// either a valid phone number in any format, read as one of region (the
// sending line's country) when it has no country code, or a contact's
// whole name (looked up in view), naming one contact with one number.
// Nothing else is a recipient: not a part of a name, a company, an email,
// or the last digits of a number. A number with an extension is refused,
// never sent to its main number. It returns every value it could not
// turn, with why and the choices.
func recipients(view contacts.View, region string, to []string) ([]string, client.ValidationError) {
	if to == nil {
		return nil, nil // Validate says it is required
	}
	out := make([]string, len(to))
	var errs client.ValidationError
	for i, v := range to {
		out[i] = v
		number, problem, ok := recipientNumber(view, region, v)
		if ok {
			out[i] = number
			continue
		}
		errs = append(errs, client.InvalidParam{Kind: client.KindMalformed, Param: fmt.Sprintf("to[%d]", i), Value: v, Problem: problem.Problem, Want: problem.Want})
	}
	return out, errs
}

// recipientNumber is the E.164 number that v, a number or a contact's
// whole name, names, or why there is none.
func recipientNumber(view contacts.View, region, v string) (string, client.InvalidParam, bool) {
	if n, ok := contacts.Parse(v, region); ok {
		if n.Extension != "" {
			return "", extensionProblem(n, "is a number with an extension"), false
		}
		return n.E164, client.InvalidParam{}, true
	}
	return contactNumber(view, region, v)
}

// extensionProblem refuses a number with an extension: a text reaches the
// main number only, so the person meant would not get it.
func extensionProblem(n contacts.Number, what string) client.InvalidParam {
	return client.InvalidParam{
		Problem: fmt.Sprintf("%s (%s): a text cannot reach an extension, and would go to the main number %s instead", what, spokenStored(n), spokenNumber(n.E164)),
		Want:    "give a number of the person's own without an extension (a mobile, say); or, if the main line itself is meant, give its number alone",
	}
}

// contactNumber is the one number of the one contact whose whole name is
// name, or why there is none.
func contactNumber(view contacts.View, region, name string) (string, client.InvalidParam, bool) {
	named := view.Named(name)
	switch {
	case len(named) == 0 && looksLikeNumber(name):
		return "", client.InvalidParam{Problem: "is not a valid phone number", Want: fmt.Sprintf("give the whole number, with its area code (numbers without a country code are read as numbers of the line's country, %s) or with + and its country code, e.g. +14155550142; find_contacts finds a contact's numbers", region)}, false
	case len(named) == 0 && view.Loading:
		return "", client.InvalidParam{Problem: "is not a phone number, and no contact of that name is indexed yet (contacts are still loading)", Want: "give the number, or call again in a few seconds"}, false
	case len(named) == 0:
		return "", client.InvalidParam{Problem: "is not a phone number or a contact's name", Want: "give the number in any format (e.g. +14155550142 or (415) 555-0142), or a contact's whole name as stored (first and last); find_contacts finds contacts and their numbers"}, false
	case len(named) > 1:
		return "", client.InvalidParam{Problem: fmt.Sprintf("names %d contacts", len(named)), Want: "give the number of the one meant: " + describeContacts(named)}, false
	}
	ct := named[0]
	stored := storedNumbers(ct)
	switch {
	case len(stored) == 0:
		return "", client.InvalidParam{Problem: fmt.Sprintf("names %s, who has no phone number", spokenContact(ct)), Want: "give the number to text; get_contact shows the contact"}, false
	case len(stored) > 1:
		return "", client.InvalidParam{Problem: fmt.Sprintf("names %s, who has %d numbers", spokenContact(ct), len(stored)), Want: "give the number meant: " + spokenNumbers(stored)}, false
	case !stored[0].valid:
		return "", client.InvalidParam{Problem: fmt.Sprintf("names %s, whose number %s is not a valid phone number", spokenContact(ct), spokenQuote(stored[0].raw, maxNameRunes)), Want: "give the number to text; get_contact shows the contact"}, false
	case stored[0].Extension != "":
		return "", extensionProblem(stored[0].Number, "names "+spokenContact(ct)+", whose number has an extension"), false
	}
	return stored[0].E164, client.InvalidParam{}, true
}

// looksLikeNumber reports whether s is written as a number would be:
// digits, with no letters.
func looksLikeNumber(s string) bool {
	return strings.ContainsAny(s, "0123456789") && strings.IndexFunc(s, unicode.IsLetter) < 0
}

// A storedNumber is a number as a contact holds it, read as the contact
// index reads it (in contacts.DefaultRegion when it has no country code).
type storedNumber struct {
	contacts.Number
	raw   string
	valid bool
}

// storedNumbers are a contact's numbers, each once.
func storedNumbers(ct client.Contact) []storedNumber {
	var out []storedNumber
	for _, p := range ct.DefaultFields.PhoneNumbers {
		raw := deref(p.Value)
		if strings.TrimSpace(raw) == "" {
			continue
		}
		n, ok := contacts.Parse(raw, contacts.DefaultRegion)
		s := storedNumber{Number: n, raw: raw, valid: ok}
		if !slices.ContainsFunc(out, func(o storedNumber) bool { return o.valid && ok && o.Number == n }) {
			out = append(out, s)
		}
	}
	return out
}

// spokenNumbers lists a contact's numbers for a choice: "+1 415-555-0112,
// +1 415-555-0100 ext. 23 (an extension: cannot be texted)".
func spokenNumbers(ns []storedNumber) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		switch {
		case !n.valid:
			parts[i] = spokenQuote(n.raw, maxNameRunes) + " (not a valid number)"
		case n.Extension != "":
			parts[i] = spokenStored(n.Number) + " (an extension: cannot be texted)"
		default:
			parts[i] = spokenNumber(n.E164)
		}
	}
	if len(parts) == 0 {
		return "no number"
	}
	return strings.Join(parts, ", ")
}

// spokenStored writes a number with its extension: "+1 415-555-0100 ext. 23".
func spokenStored(n contacts.Number) string {
	if n.Extension == "" {
		return spokenNumber(n.E164)
	}
	return spokenNumber(n.E164) + " ext. " + n.Extension
}

// describeContacts lists contacts with their names, companies and
// numbers, for a choice: "\"Fatima Khan\" (\"Acme\") +1 415-555-0101; …".
func describeContacts(cts []client.Contact) string {
	parts := make([]string, len(cts))
	for i, ct := range cts {
		parts[i] = spokenContact(ct) + " " + spokenNumbers(storedNumbers(ct))
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
	return spokenQuote(l.Name, maxNameRunes) + " (" + spokenNumber(l.Number) + ")"
}

// spokenContact names a contact for a person, as its row does: "first
// last" ("company"), either left out when unset.
func spokenContact(ct client.Contact) string {
	f := ct.DefaultFields
	var parts []string
	if name := strings.TrimSpace(deref(f.FirstName) + " " + deref(f.LastName)); name != "" {
		parts = append(parts, spokenQuote(name, maxNameRunes))
	}
	if company := deref(f.Company); company != "" {
		parts = append(parts, "("+spokenQuote(company, maxNameRunes)+")")
	}
	if len(parts) == 0 {
		return "(a contact without a name, ID " + spokenQuote(ct.ID, maxNameRunes) + ")"
	}
	return strings.Join(parts, " ")
}

// spokenRecipient names a number for a person, with its contacts' names.
func spokenRecipient(view contacts.View, number string) string {
	cts := view.Of(number)
	if len(cts) == 0 {
		return spokenNumber(number)
	}
	names := make([]string, len(cts))
	for i, ct := range cts {
		names[i] = spokenContact(ct)
	}
	return strings.Join(names, " or ") + " (" + spokenNumber(number) + ")"
}

// spokenUser names a user for a person: "Avery Chen" (US…); by ID alone
// when the names cannot be read.
func (a *Account) spokenUser(ctx context.Context, id string) string {
	n, err := a.dir.lookup(ctx, nil, []string{id})
	if name, ok := n.userName(id); ok && err == nil {
		return spokenQuote(name, maxNameRunes) + " (" + id + ")"
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

// spokenText writes a text as the person confirms it, between « and »:
// every character as it will be sent, but those a person could not check
// written as escapes (\u3164, \U0001d159). Ordinary spaces and line
// breaks are kept; every other character that does not show (see
// invisible) is escaped, and so are \, « and », so that no text can end
// the quote early, forge a second preview after it, or pose as an escape.
func spokenText(s string) string {
	var b strings.Builder
	b.WriteString("«")
	for _, r := range s {
		switch {
		case r == '\n' || r == ' ':
			b.WriteRune(r)
		case r == '\\' || r == '«' || r == '»' || invisible(r):
			writeEscape(&b, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteString("»")
	return b.String()
}

// spokenQuote writes a name or title from OpenPhone as a preview shows it:
// in double quotes, cut to n characters with an ellipsis, with ", \, line
// breaks and every character that does not show escaped, as spokenText
// does.
func spokenQuote(s string, n int) string {
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\' || r != ' ' && invisible(r):
			writeEscape(&b, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// writeEscape writes r as a Go escape: \\, \n, \u00a0, \U0001d159.
func writeEscape(b *strings.Builder, r rune) {
	q := strconv.QuoteRuneToASCII(r)
	b.WriteString(q[1 : len(q)-1])
}

// invisible reports whether r would not show as a mark of its own, or
// would pass for an ordinary space. The tables are the standard library's
// (the Unicode version Go ships), named here so that a reader can check
// them against Unicode's definitions:
//   - not graphic: controls, format characters (Cf: zero-width spaces and
//     joiners, bidi controls, tags, the soft hyphen), line and paragraph
//     separators, unassigned code points;
//   - every space separator (Zs) but U+0020, which the callers keep:
//     U+00A0, U+2000…U+200A, U+3000 look like a space and are not one;
//   - Default_Ignorable_Code_Point beyond Cf: variation selectors
//     (U+FE0F…) and Other_Default_Ignorable_Code_Point (the Hangul
//     fillers U+115F, U+1160, U+3164, U+FFA0, U+034F, U+17B4, U+17B5);
//   - blankSymbols: symbols drawn as nothing.
func invisible(r rune) bool {
	return !unicode.IsGraphic(r) ||
		unicode.In(r, unicode.Zs, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point, blankSymbols)
}

// blankSymbols are graphic characters that fonts draw as blank, used to
// pass for nothing: BRAILLE PATTERN BLANK and MUSICAL SYMBOL NULL NOTEHEAD.
var blankSymbols = &unicode.RangeTable{
	R16: []unicode.Range16{{Lo: 0x2800, Hi: 0x2800, Stride: 1}},
	R32: []unicode.Range32{{Lo: 0x1d159, Hi: 0x1d159, Stride: 1}},
}
