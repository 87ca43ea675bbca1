package tools

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// writeLegend names the lines and users an answer mentions, those the
// look-up found; or, when it failed, says in one line why names are
// missing.
func writeLegend(b *strings.Builder, l legend) {
	if l.err != nil {
		fmt.Fprintf(b, "\nLine and user names are unavailable (%s): rows show bare IDs.", describeFailure(l.err))
		return
	}
	if l.names == nil {
		return
	}
	var lines, users []string
	for _, id := range l.lines {
		if line, ok := l.names.line(id); ok {
			lines = append(lines, lineText(line))
		}
	}
	for _, id := range l.users {
		if name, ok := l.names.userName(id); ok {
			users = append(users, fieldText(id)+" "+strconv.Quote(name))
		} else if isSystemUser(id) {
			users = append(users, fieldText(id)+" (system user: AI agent or automation)")
		}
	}
	if len(lines) > 0 {
		b.WriteString("\nLines: " + strings.Join(lines, ", ") + ".")
	}
	if len(users) > 0 {
		b.WriteString("\nUsers: " + strings.Join(users, ", ") + ".")
	}
	writeContactsLegend(b, l)
}

// writeContactsLegend names, once, the contacts of each number the answer
// mentions, on one line: those at no company first, then those at each
// company after it ("; at "Acme": …"), a company named once, not on each of
// its people; or says in one line why some or all may be missing. A number
// shared by several contacts is under each.
func writeContactsLegend(b *strings.Builder, l legend) {
	if len(l.numbers) == 0 {
		return
	}
	companies := []string{""} // in order of first mention, after those at none
	named := map[string][]string{}
	for _, number := range l.numbers {
		for _, ct := range distinctContacts(l.contacts.Of(number)) {
			company := deref(ct.DefaultFields.Company)
			if _, seen := named[company]; !seen && company != "" {
				companies = append(companies, company)
			}
			named[company] = append(named[company], fieldText(number)+" "+personName(ct))
		}
	}
	sep := "\nContacts"
	for _, company := range companies {
		people, ok := named[company]
		if !ok {
			continue
		}
		b.WriteString(sep)
		if company != "" {
			b.WriteString(" at " + boundedQuote(company))
		}
		b.WriteString(": " + strings.Join(people, ", "))
		sep = ";"
	}
	if sep != "\nContacts" {
		b.WriteString(".")
	}
	switch {
	case l.contacts.Err != nil:
		fmt.Fprintf(b, "\nContact names are unavailable (%s): numbers are bare.", describeContactsFailure(l.contacts.Err))
	case l.contacts.Loading:
		fmt.Fprintf(b, "\nContact names are still loading (%d contacts indexed so far): a bare number may yet have one; call again in a few seconds for them all.", l.contacts.Indexed())
	}
}

// personName writes a contact's "first last", quoted and bounded, or says
// it has none: a company-only contact is listed under its company.
func personName(ct client.Contact) string {
	f := ct.DefaultFields
	switch name := strings.TrimSpace(deref(f.FirstName) + " " + deref(f.LastName)); {
	case name != "":
		return boundedQuote(name)
	case deref(f.Company) != "":
		return "(no name)"
	default:
		return "(a contact without a name, ID " + fieldText(ct.ID) + ")"
	}
}

// isSystemUser reports whether id is a system user's (SYU…): OpenPhone's
// AI agent or an automation, which a conversation can be assigned to.
func isSystemUser(id string) bool { return strings.HasPrefix(id, "SYU") }

// lineText writes a line as legends and messages name it: ID, "name",
// number, each escaped so that no upstream value can forge a line.
func lineText(l client.PhoneNumber) string {
	return fieldText(l.ID) + " " + strconv.Quote(l.Name) + " " + fieldText(l.Number)
}
