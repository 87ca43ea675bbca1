package client

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

const e164Form = `want "+" then country code and number, digits only (e.g. "+15555555555")`

// Validate reports every parameter the API would reject, as a
// ValidationError, or nil; and a recipient given twice.
func (p SendMessageParams) Validate() error {
	var ps problems
	switch {
	case p.From == "":
		ps.add(KindMissing, "from", nil, "is required", "give the line to send from: its phone number ID (PN…) or number")
	case !IsLineRef(p.From):
		ps.add(KindNotALine, "from", p.From, "is not a phone number or phone number ID", lineForm)
	}
	switch {
	case p.To == nil:
		ps.add(KindMissing, "to", nil, "is required", `give 1 to 10 numbers, e.g. ["+15555555555"]`)
	case len(p.To) == 0:
		ps.add(KindLength, "to", p.To, "is empty", "give 1 to 10 numbers")
	case len(p.To) > MaxRecipients:
		ps.add(KindLength, "to", fmt.Sprintf("%d items", len(p.To)), "is too long", "give at most 10 numbers per text")
	}
	seen := map[string]bool{}
	for i, n := range p.To {
		param := fmt.Sprintf("to[%d]", i)
		switch {
		case !IsE164(n):
			ps.add(KindMalformed, param, n, "is not an E.164 phone number", e164Form)
		case seen[n]:
			ps.add(KindConflict, param, n, "is given twice", "give each recipient once")
		}
		seen[n] = true
	}
	switch n := utf8.RuneCountInString(p.Content); {
	case n == 0:
		ps.add(KindMissing, "content", nil, "is required", "give the text to send, 1 to 1600 characters")
	case n > MaxMessageLength:
		ps.add(KindLength, "content", fmt.Sprintf("%d characters", n), "is too long", "shorten it to at most 1600 characters, or send it as two texts")
	case strings.TrimFunc(p.Content, unicode.IsSpace) == "":
		ps.add(KindMalformed, "content", p.Content, "is only spaces", "give a text with at least one character that is not a space")
	}
	ps.userID(p.UserID)
	if p.SetInboxStatus != "" && p.SetInboxStatus != "done" {
		ps.add(KindMalformed, "setInboxStatus", p.SetInboxStatus, "is not an inbox status the API sets", `want "done", or leave it out to leave the conversation open`)
	}
	return ps.err()
}

// Validate reports every parameter the API would reject, as a
// ValidationError, or nil.
func (p MarkConversationParams) Validate() error {
	var ps problems
	ps.conversationID("conversationId", p.ConversationID, true)
	switch p.As {
	case MarkRead, MarkDone, MarkOpen:
	case "":
		ps.add(KindMissing, "as", nil, "is required", `want "read", "done" or "open"`)
	default:
		ps.add(KindMalformed, "as", p.As, "is not an inbox state", `want "read", "done" or "open"`)
	}
	return ps.err()
}

// Validate reports every parameter the API would reject, as a
// ValidationError, or nil.
func (p ListTasksParams) Validate() error {
	var ps problems
	ps.maxResults(p.MaxResults, MaxTasksPerPage)
	return ps.err()
}

// Validate reports a task ID the API would reject, as a ValidationError.
func (p GetTaskParams) Validate() error {
	var ps problems
	ps.taskID(p.TaskID)
	return ps.err()
}

// Validate reports every parameter the API would reject, as a
// ValidationError, or nil; and a blank title, which no one can act on.
func (p CreateTaskParams) Validate() error {
	var ps problems
	ps.title(p.Title)
	ps.date(dateParam{"dueDate", p.DueDate})
	if p.AssignedTo != "" && !IsUserID(p.AssignedTo) {
		ps.add(KindMalformed, "assignedTo", p.AssignedTo, "is not a user ID", `want an OpenPhone user ID, which starts with "US" (e.g. "US123abc")`)
	}
	var links []string
	if p.PhoneNumberID != "" {
		links = append(links, "phoneNumberId")
		if !IsPhoneNumberID(p.PhoneNumberID) {
			ps.add(KindNotALineID, "phoneNumberId", p.PhoneNumberID, "is not a phone number ID", `want the line's phone number ID (e.g. "PN123abc")`)
		}
	}
	if p.ConversationID != "" {
		links = append(links, "conversationId")
		ps.conversationID("conversationId", p.ConversationID, false)
	}
	if p.ActivityID != "" {
		links = append(links, "activityId")
		ps.activityID("activityId", p.ActivityID, "call or message")
	}
	const one = "link the task to exactly one of a line (phoneNumberId), a conversation (conversationId) or a call or message (activityId)"
	switch {
	case len(links) == 0:
		ps.add(KindMissing, "conversationId", nil, "is required, or phoneNumberId or activityId", one)
	case len(links) > 1:
		ps.add(KindConflict, links[1], nil, "is given with "+links[0], one)
	}
	return ps.err()
}

// Validate reports every parameter the API would reject, as a
// ValidationError, or nil: each change's value, and changes that
// contradict each other.
func (p UpdateTaskParams) Validate() error {
	var ps problems
	ps.taskID(p.TaskID)
	if len(p.Changes) == 0 {
		ps.add(KindMissing, "changes", nil, "are required", "give at least one change: title and description, completed, assign, unassign, dueDate, removeDueDate, linkConversation or unlinkConversation")
	}
	for _, ch := range p.Changes {
		switch {
		case ch.Text != nil:
			ps.title(ch.Text.Title)
		case ch.Assign != "" && !IsUserID(ch.Assign):
			ps.add(KindMalformed, "assign", ch.Assign, "is not a user ID", `want an OpenPhone user ID (e.g. "US123abc"); list_users lists them`)
		case ch.Unassign != "" && !IsUserID(ch.Unassign):
			ps.add(KindMalformed, "unassign", ch.Unassign, "is not a user ID", `want an OpenPhone user ID (e.g. "US123abc")`)
		case ch.DueDate != "":
			ps.date(dateParam{"dueDate", ch.DueDate})
		case ch.Link != "":
			ps.conversationID("linkConversation", ch.Link, false)
		case ch.Unlink != "":
			ps.conversationID("unlinkConversation", ch.Unlink, false)
		}
	}
	return ps.err()
}

// conversationID checks a conversation ID, required or not.
func (ps *problems) conversationID(param, id string, required bool) {
	switch {
	case id == "" && required:
		ps.add(KindMissing, param, nil, "is required", `give the conversation's ID (e.g. "CN123abc"); list_conversations lists them`)
	case id != "" && !IsConversationID(id):
		ps.add(KindMalformed, param, id, "is not a conversation ID", `want an ID that starts with "CN" (e.g. "CN123abc")`)
	}
}

// taskID checks a required task ID.
func (ps *problems) taskID(id string) {
	switch {
	case id == "":
		ps.add(KindMissing, "taskId", nil, "is required", `give the task's ID (e.g. "TK123abc"); list_tasks lists them`)
	case !IsTaskID(id):
		ps.add(KindMalformed, "taskId", id, "is not a task ID", `want an ID that starts with "TK" (e.g. "TK123abc")`)
	}
}

// title checks a task's title.
func (ps *problems) title(t string) {
	if strings.TrimSpace(t) == "" {
		ps.add(KindMissing, "title", nil, "is required", "give the task a title that says what to do")
	}
}
