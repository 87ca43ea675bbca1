package tools

import (
	"regexp"
	"strings"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
)

// legendLine matches a line of an answer's legend: the lines, users or
// contacts it names.
var legendLine = regexp.MustCompile(`^(Lines|Users|Contacts)( at "[^"\n]*")?: `)

// TestLegendsNameOnlyWhatRowsMention: every user and contact a legend
// names is one the answer's rows mention, and a number shows one name per
// answer: a conversation named as its contact is not named twice.
func TestLegendsNameOnlyWhatRowsMention(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	_, s := demoServer(t, nil)
	for _, tt := range []struct {
		tool string
		args map[string]any
	}{
		{"list_conversations", map[string]any{"maxResults": 25}},
		{"recent_activity", map[string]any{}},
		{"recent_activity", map[string]any{"only": "needs-reply"}},
		{"recent_activity", map[string]any{"only": "missed-calls"}},
		{"list_messages", map[string]any{"phoneNumberId": ws.Conversations[0].PhoneNumberID, "participants": ws.Conversations[0].Participants}},
		{"list_calls", map[string]any{"phoneNumberId": ws.Calls[0].PhoneNumberID, "participants": ws.Calls[0].Participants}},
		{"get_call", map[string]any{"callId": ws.Calls[0].ID}},
		{"list_conversations", map[string]any{"maxResults": 100, "phoneNumbers": []string{ws.Lines[0].ID}}},
		{"find_contacts", map[string]any{"query": "Kim"}},
		{"get_contact", map[string]any{"id": ws.Contacts[0].ID}},
	} {
		res := call(t, s, tt.tool, tt.args)
		out := text(res)
		if res.IsError {
			t.Fatalf("%s %v: %s", tt.tool, tt.args, out)
		}
		var body, legends []string
		for _, line := range strings.Split(out, "\n") {
			if legendLine.MatchString(line) {
				legends = append(legends, line)
			} else {
				body = append(body, line)
			}
		}
		rows := strings.Join(body, "\n")
		for _, line := range legends {
			if strings.HasPrefix(line, "Lines") {
				continue // a line is named with its own number
			}
			for _, ref := range regexp.MustCompile(`(?:^|[:,] )(US\w+|\+\d{8,15})`).FindAllStringSubmatch(line, -1) {
				if !strings.Contains(rows, ref[1]) {
					t.Errorf("%s %v: the legend names %s, which no row mentions:\n%s", tt.tool, tt.args, ref[1], out)
				}
			}
		}
	}
}

// TestConversationNameShownOnce: list_conversations leaves out a
// conversation's name that is its contact's, and keeps one that is not.
func TestConversationNameShownOnce(t *testing.T) {
	f := newFixture(t, openphonetest.DemoWorkspace())
	out := text(call(t, f.server, "list_conversations", map[string]any{"maxResults": 50}))
	for _, tt := range []struct {
		row, name string
		shown     bool
	}{
		{"CNovHUq6nN", `"Fatima Khan"`, false},     // the name of its contact
		{"CNU9nxzrnx", `"Sarah (landlord)"`, true}, // not its contact's (Omar Fischer)
	} {
		row := regexp.MustCompile(`(?m)^.*` + tt.row + `.*$`).FindString(out)
		if row == "" {
			t.Fatalf("no row %s:\n%s", tt.row, out)
		}
		if strings.Contains(row, tt.name) != tt.shown {
			t.Errorf("row %q: %s shown %v, want %v", row, tt.name, !tt.shown, tt.shown)
		}
	}
}
