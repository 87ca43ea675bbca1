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
}

// isSystemUser reports whether id is a system user's (SYU…): OpenPhone's
// AI agent or an automation, which a conversation can be assigned to.
func isSystemUser(id string) bool { return strings.HasPrefix(id, "SYU") }

// lineText writes a line as legends and messages name it: ID, "name",
// number, each escaped so that no upstream value can forge a line.
func lineText(l client.PhoneNumber) string {
	return fieldText(l.ID) + " " + strconv.Quote(l.Name) + " " + fieldText(l.Number)
}
