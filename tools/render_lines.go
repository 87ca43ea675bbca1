package tools

import (
	"fmt"
	"strings"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// renderPhoneNumbers writes the summary of a workspace's lines: one row per
// line with its users.
func renderPhoneNumbers(p client.ListPhoneNumbersParams, r phoneNumbersResult, _ legend) string {
	lines := r.PhoneNumbers
	var b strings.Builder
	switch {
	case len(lines) == 0 && p.UserID != "":
		fmt.Fprintf(&b, "User %s shares no line.", fieldText(p.UserID))
		return b.String()
	case len(lines) == 0:
		return "The workspace has no lines."
	case len(lines) == 1:
		b.WriteString("1 line.")
	default:
		fmt.Fprintf(&b, "%d lines.", len(lines))
	}
	b.WriteString(` Each row: ID, "name", number, then its users (ID, "name", role). Pass a line's ID, number or name as phoneNumbers to list_conversations.`)
	for _, l := range lines {
		b.WriteString("\n")
		writeField(&b, l.ID)
		b.WriteByte(' ')
		writeQuoted(&b, l.Name)
		b.WriteByte(' ')
		writeField(&b, l.Number)
		if l.Symbol != "" {
			b.WriteByte(' ')
			writeQuoted(&b, l.Symbol)
		}
		for i, u := range l.Users {
			if i == 0 {
				b.WriteString(" users: ")
			} else {
				b.WriteString(", ")
			}
			writeField(&b, u.ID)
			b.WriteByte(' ')
			writeQuoted(&b, client.FullName(u.FirstName, u.LastName))
			if u.Role != "" {
				b.WriteByte(' ')
				writeField(&b, u.Role)
			}
		}
	}
	return b.String()
}
