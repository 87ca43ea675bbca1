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
			users = append(users, fieldText(id)+" (a system user: an AI agent or automation, not a person)")
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
// mentions; or says in one line why some or all may be missing.
func writeContactsLegend(b *strings.Builder, l legend) {
	if len(l.numbers) == 0 {
		return
	}
	var named []string
	for _, number := range l.numbers {
		if cts := l.contacts.Of(number); len(cts) > 0 {
			named = append(named, fieldText(number)+" "+contactsText(cts))
		}
	}
	if len(named) > 0 {
		b.WriteString("\nContacts: " + strings.Join(named, ", ") + ".")
	}
	switch {
	case l.contacts.Err != nil:
		fmt.Fprintf(b, "\nContact names are unavailable (%s): numbers are bare.", describeContactsFailure(l.contacts.Err))
	case l.contacts.Loading:
		fmt.Fprintf(b, "\nContact names are still loading (%d contacts indexed so far): a bare number may yet have one; call again in a few seconds for them all.", l.contacts.Indexed())
	}
}

// contactsText names the contacts of one number: "first last" (company),
// joined by " or " when several share it.
func contactsText(cts []client.Contact) string {
	parts := make([]string, len(cts))
	for i, ct := range cts {
		parts[i] = contactName(ct)
	}
	return strings.Join(parts, " or ")
}

// contactName writes a contact as legends name it: "first last"
// ("company"), either left out when unset, each quoted and bounded.
func contactName(ct client.Contact) string {
	f := ct.DefaultFields
	var parts []string
	if name := strings.TrimSpace(deref(f.FirstName) + " " + deref(f.LastName)); name != "" {
		parts = append(parts, boundedQuote(name))
	}
	if company := deref(f.Company); company != "" {
		parts = append(parts, "("+boundedQuote(company)+")")
	}
	if len(parts) == 0 {
		return "(a contact without a name, ID " + fieldText(ct.ID) + ")"
	}
	return strings.Join(parts, " ")
}

// isSystemUser reports whether id is a system user's (SYU…): OpenPhone's
// AI agent or an automation, which a conversation can be assigned to.
func isSystemUser(id string) bool { return strings.HasPrefix(id, "SYU") }

// lineText writes a line as legends and messages name it: ID, "name",
// number, each escaped so that no upstream value can forge a line.
func lineText(l client.PhoneNumber) string {
	return fieldText(l.ID) + " " + strconv.Quote(l.Name) + " " + fieldText(l.Number)
}
