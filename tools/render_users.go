package tools

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// renderUsers writes the summary of a page of users.
func renderUsers(_ client.ListUsersParams, r usersResult, _ legend) string {
	users, next := r.Users, r.NextPageToken
	var b strings.Builder
	switch len(users) {
	case 0:
		b.WriteString("No users on this page.")
	case 1:
		b.WriteString("1 user.")
	default:
		fmt.Fprintf(&b, "%d users.", len(users))
	}
	if next != nil {
		fmt.Fprintf(&b, " More exist: call again with pageToken %s.", strconv.Quote(*next))
	} else {
		b.WriteString(" This is the last page.")
	}
	if len(users) == 0 {
		return b.String()
	}
	b.WriteString(` Each row: ID, "name", email, role. Pass an ID as userId to list_conversations.`)
	for _, u := range users {
		b.WriteString("\n")
		writeField(&b, u.ID)
		b.WriteByte(' ')
		writeQuoted(&b, client.FullName(u.FirstName, u.LastName))
		for _, f := range []string{u.Email, u.Role} {
			if f != "" {
				b.WriteByte(' ')
				writeField(&b, f)
			}
		}
	}
	return b.String()
}
