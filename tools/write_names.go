package tools

import (
	"context"
	"fmt"
	"net/http"
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
// last" ("company"), either left out when unset; a contact with only a
// company is the company "name".
func spokenContact(ct client.Contact) string {
	f := ct.DefaultFields
	var parts []string
	if name := strings.TrimSpace(deref(f.FirstName) + " " + deref(f.LastName)); name != "" {
		parts = append(parts, spokenQuote(name, maxNameRunes))
	}
	company := deref(f.Company)
	switch {
	case len(parts) == 0 && company != "":
		return "the company " + spokenQuote(company, maxNameRunes)
	case company != "":
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
	return spokenContacts(cts) + " (" + spokenNumber(number) + ")"
}

// spokenContacts names the contacts of one number for a person, each
// once: "Grace Kim" ("Kim Family Dentistry") or "Ana Ruiz".
func spokenContacts(cts []client.Contact) string {
	var names []string
	for _, ct := range distinctContacts(cts) {
		if name := spokenContact(ct); !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return strings.Join(names, " or ")
}

// distinctContacts leaves out of the contacts of one number those that
// name no one and only repeat the company of another: the company's own
// entry beside its people says nothing more.
func distinctContacts(cts []client.Contact) []client.Contact {
	return slices.DeleteFunc(slices.Clone(cts), func(ct client.Contact) bool {
		company := deref(ct.DefaultFields.Company)
		return personOf(ct) == "" && company != "" && slices.ContainsFunc(cts, func(o client.Contact) bool {
			return personOf(o) != "" && deref(o.DefaultFields.Company) == company
		})
	})
}

// personOf is a contact's "first last", or "".
func personOf(ct client.Contact) string {
	return strings.TrimSpace(deref(ct.DefaultFields.FirstName) + " " + deref(ct.DefaultFields.LastName))
}

// spokenUser names a user for a person: "Avery Chen" (US…); by ID alone
// when the names cannot be read.
func (a *Account) spokenUser(ctx context.Context, id string) string {
	n, err := a.dir.lookup(ctx, nil, []string{id})
	if name, ok := n.userName(id); ok && err == nil {
		return spokenQuote(name, maxNameRunes) + " (" + spokenID(id) + ")"
	}
	return spokenID(id)
}

// spokenID writes an ID as a preview shows it: as it is when it is letters
// and digits, as every ID OpenPhone makes is; else quoted and escaped, so
// that an ID the model made up cannot carry hidden text into a preview.
func spokenID(id string) string {
	for _, r := range id {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return spokenQuote(id, maxNameRunes)
		}
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
	lineStart := true
	for _, r := range s {
		switch {
		case r == '\n' || r == ' ':
			b.WriteRune(r)
		case r == '\\' || r == '«' || r == '»' || invisible(r),
			lineStart && unicode.In(r, unicode.Mn, unicode.Me): // a mark that would draw over the quote
			writeEscape(&b, r)
		default:
			b.WriteRune(r)
		}
		lineStart = r == '\n'
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

// kindNotFound is an ID, well formed, that names nothing in this workspace.
const kindNotFound client.Kind = "not found"

// maxConversationPages bounds the pages of GET /v1/conversations read to
// find the conversations a write names: the 1,000 most recently active.
// The API has no read of one conversation by ID.
const maxConversationPages = 10

// conversations finds the conversations ids name, reading GET
// /v1/conversations, most recent first, until each is found. all reports
// that every conversation was read: an ID not found then names none of
// this workspace's.
func (a *Account) conversations(ctx context.Context, ids []string) (found map[string]client.Conversation, all bool, err error) {
	found = map[string]client.Conversation{}
	p := client.ListConversationsParams{MaxResults: client.MaxResultsLimit}
	for range maxConversationPages {
		page, err := a.client.ListConversations(ctx, p)
		if err != nil {
			return nil, false, err
		}
		for _, c := range page.Data {
			if slices.Contains(ids, c.ID) {
				found[c.ID] = c
			}
		}
		if page.NextPageToken == nil {
			return found, true, nil
		}
		if !slices.ContainsFunc(ids, func(id string) bool { _, ok := found[id]; return !ok }) {
			return found, false, nil
		}
		p.PageToken = *page.NextPageToken
	}
	return found, false, nil
}

// spokenConversations names each conversation of ids for a person, as
// spokenConversation does, or refuses those that a complete read shows to
// be none of this workspace's, as argument errors of the parameter param
// names (by
// its index). A conversation past the most recent that were read is named by
// ID, saying so.
func (a *Account) spokenConversations(ctx context.Context, param func(i int) string, ids []string) ([]string, error) {
	found, all, err := a.conversations(ctx, ids)
	if err != nil {
		return nil, err
	}
	view := a.contacts.View(ctx)
	spoken := make([]string, len(ids))
	var errs client.ValidationError
	for i, id := range ids {
		c, ok := found[id]
		switch {
		case ok:
			spoken[i] = a.spokenConversation(ctx, view, c)
		case all:
			errs = append(errs, client.InvalidParam{Kind: kindNotFound, Param: param(i), Value: id, Problem: "is not a conversation of this workspace", Want: "give a conversation's ID (CN…); list_conversations lists them"})
		default:
			spoken[i] = fmt.Sprintf("conversation %s (not among the %d most recently active: named by ID only)", spokenID(id), maxConversationPages*client.MaxResultsLimit)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return spoken, nil
}

// spokenConversation names a conversation for a person: its participants
// by contact and number, its name if it has one, and its line:
// "Priya Raman" ("Raman Dental") (+1 415-555-0112) on "Front Desk"
// (+1 212-555-0199).
func (a *Account) spokenConversation(ctx context.Context, view contacts.View, c client.Conversation) string {
	who := make([]string, len(c.Participants))
	for i, p := range c.Participants {
		who[i] = spokenRecipient(view, p)
	}
	s := strings.Join(who, ", ")
	if name := deref(c.Name); name != "" {
		s += " (conversation " + spokenQuote(name, maxNameRunes) + ")"
	}
	return s + " on " + a.spokenLineID(ctx, c.PhoneNumberID)
}

// spokenLineID names a line by ID for a person, as spokenLine does; by ID
// when the lines cannot be read.
func (a *Account) spokenLineID(ctx context.Context, id string) string {
	if n, err := a.dir.lookup(ctx, []string{id}, nil); err == nil {
		if l, ok := n.line(id); ok {
			return spokenLine(l)
		}
	}
	return "the line " + spokenID(id)
}

// spokenActivity names a call or a text (AC…) for a person: who it was
// with, on which line, and when. An ID that is neither is an argument error
// of param.
func (a *Account) spokenActivity(ctx context.Context, param, id string) (string, error) {
	view := a.contacts.View(ctx)
	with := func(numbers []string) string {
		who := make([]string, len(numbers))
		for i, n := range numbers {
			who[i] = spokenRecipient(view, n)
		}
		return strings.Join(who, ", ")
	}
	call, err := a.client.GetCall(ctx, id)
	if err == nil {
		return fmt.Sprintf("the %s call with %s on %s, %s", call.Direction, with(call.Participants), a.spokenLineID(ctx, call.PhoneNumberID), spokenTime(call.CreatedAt.Format(time.RFC3339))), nil
	}
	if apiStatus(err) != http.StatusNotFound {
		return "", err
	}
	m, err := a.client.GetMessage(ctx, id)
	if err == nil {
		other := m.To
		if m.Direction == "incoming" {
			other = []string{m.From}
		}
		return fmt.Sprintf("the %s text with %s on %s, %s", m.Direction, with(other), a.spokenLineID(ctx, deref(m.PhoneNumberID)), spokenTime(m.CreatedAt.Format(time.RFC3339))), nil
	}
	if apiStatus(err) == http.StatusNotFound {
		return "", client.ValidationError{{Kind: kindNotFound, Param: param, Value: id, Problem: "is not a call or text of this workspace", Want: "give a call's or text's ID (AC…); list_calls and list_messages list them"}}
	}
	return "", err
}

// checkUser refuses, as an argument error of param, a user ID that is no
// user of this workspace, before the person is asked to confirm a write
// that would fail. A system user (an AI agent) is in no list, and is let
// through.
func (a *Account) checkUser(ctx context.Context, param, id string) error {
	if id == "" || isSystemUser(id) {
		return nil
	}
	n, err := a.dir.lookup(ctx, nil, []string{id})
	if err != nil {
		return err
	}
	if _, ok := n.userName(id); ok {
		return nil
	}
	if !n.allUsers { // names read too recently to be read again: read the users
		p := client.ListUsersParams{MaxResults: client.MaxUsersPerPage}
		for i := range maxUserPages {
			page, err := a.client.ListUsers(ctx, p)
			if err != nil {
				return err
			}
			if slices.ContainsFunc(page.Data, func(u client.User) bool { return u.ID == id }) {
				return nil
			}
			if page.NextPageToken == nil {
				break
			}
			if i == maxUserPages-1 {
				return nil // more users than are read: cannot tell
			}
			p.PageToken = *page.NextPageToken
		}
	}
	return client.ValidationError{{Kind: kindNotFound, Param: param, Value: id, Problem: "is not a user of this workspace", Want: "give a user's ID (US…); list_users lists the users"}}
}
