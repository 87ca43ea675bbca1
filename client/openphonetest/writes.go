package openphonetest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// A Send is a text the fake accepted (POST /v1/messages answered 202),
// recorded so that a test can count what went out.
type Send struct {
	Message client.Message
	Params  client.SendMessageParams
}

// Sends returns the texts accepted so far, oldest first. A send that a
// Fault with AfterHandler answered is among them: it went out.
func (s *Server) Sends() []Send {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sends)
}

// A Mark is a conversation marked read, done or open.
type Mark struct{ ConversationID, As string }

// Marks returns the conversations marked so far, oldest first.
func (s *Server) Marks() []Mark {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.marks)
}

// Tasks returns the workspace's tasks as they are now, deleted ones
// included (isDeleted).
func (s *Server) Tasks() []client.Task {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ws.Tasks)
}

// sendMessage serves POST /v1/messages: from a line of the workspace, as
// its user or the one given, into the conversation of the line with the
// recipients (a new one when there is none). It answers 202, the message
// queued.
func (s *Server) sendMessage(r *http.Request, c *checks) http.HandlerFunc {
	var p client.SendMessageParams
	decodeBody(r, &p)
	return func(w http.ResponseWriter, r *http.Request) {
		ws := s.workspace()
		line, ok := ws.lineByRef(p.From)
		if !ok {
			writeDomainError(w, r.Pattern, http.StatusForbidden, fmt.Sprintf("%s is not a phone number of this workspace", p.From))
			return
		}
		userID := p.UserID
		switch {
		case userID == "" && len(line.UserIDs) > 0:
			userID = line.UserIDs[0]
		case !slices.Contains(line.UserIDs, userID):
			writeDomainError(w, r.Pattern, http.StatusForbidden, fmt.Sprintf("User %s is not a user of %s", userID, line.ID))
			return
		}
		now := s.now().UTC().Truncate(time.Millisecond)
		s.mu.Lock()
		defer s.mu.Unlock()
		conv := s.conversationWith(line.ID, p.To, now)
		m := client.Message{
			ID: fmt.Sprintf("ACsent%06d", len(s.sends)+1), From: line.Number, To: p.To, Text: p.Content,
			PhoneNumberID: &line.ID, ConversationID: &conv, Direction: "outgoing", UserID: &userID, Status: "queued",
			CreatedAt: now, UpdatedAt: &now,
		}
		s.sends = append(s.sends, Send{m, p})
		s.ws.Messages = append(slices.Clone(s.ws.Messages), m)
		writeJSON(w, http.StatusAccepted, map[string]any{"data": messagesBody([]client.Message{m})[0]})
	}
}

// conversationWith returns the ID of the conversation of line with
// participants, adding one when there is none. The caller holds s.mu.
func (s *Server) conversationWith(line string, participants []string, now time.Time) string {
	for i, cv := range s.ws.Conversations {
		if cv.PhoneNumberID == line && sameNumbers(cv.Participants, participants) {
			s.ws.Conversations = slices.Clone(s.ws.Conversations)
			s.ws.Conversations[i].LastActivityAt = &now
			return cv.ID
		}
	}
	id := fmt.Sprintf("CNnew%06d", len(s.ws.Conversations)+1)
	s.ws.Conversations = append(slices.Clone(s.ws.Conversations), client.Conversation{
		ID: id, PhoneNumberID: line, Participants: participants, CreatedAt: &now, UpdatedAt: &now, LastActivityAt: &now,
	})
	return id
}

// markConversation serves POST /v1/conversations/{id}/mark-as-{as}.
func (s *Server) markConversation(as string) endpoint {
	return func(r *http.Request, c *checks) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			id := r.PathValue("conversationId")
			cv := s.conversation(&id)
			if cv == nil {
				writeError(w, r.Pattern, http.StatusNotFound, fmt.Sprintf("Conversation %s not found", id))
				return
			}
			s.mu.Lock()
			s.marks = append(s.marks, Mark{id, as})
			s.mu.Unlock()
			writeJSON(w, http.StatusOK, conversationsBody([]client.Conversation{*cv})[0])
		}
	}
}

// listTasks serves GET /v1/tasks, oldest first, deleted tasks left out.
func (s *Server) listTasks(r *http.Request, c *checks) http.HandlerFunc {
	q := r.URL.Query()
	offset := checkPageToken(q, "tasks", c)
	return func(w http.ResponseWriter, r *http.Request) {
		tasks := slices.DeleteFunc(s.Tasks(), func(t client.Task) bool { return t.IsDeleted })
		page, next := pageOf(tasks, q, "tasks", offset)
		body := map[string]any{"data": tasksBody(page), "totalItems": len(tasks)}
		if next != nil { // a string, not nullable: the last page has none
			body["nextPageToken"] = *next
		}
		writeJSON(w, http.StatusOK, body)
	}
}

// getTask serves GET /v1/tasks/{taskId}.
func (s *Server) getTask(r *http.Request, c *checks) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		i := s.taskIndex(r.PathValue("taskId"))
		var t client.Task
		if i >= 0 {
			t = s.ws.Tasks[i]
		}
		s.mu.Unlock()
		if i < 0 {
			writeError(w, r.Pattern, http.StatusNotFound, fmt.Sprintf("Task %s not found", r.PathValue("taskId")))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": tasksBody([]client.Task{t})[0]})
	}
}

// taskIndex is the index of the live task id in s.ws.Tasks, or -1. The
// caller holds s.mu.
func (s *Server) taskIndex(id string) int {
	return slices.IndexFunc(s.ws.Tasks, func(t client.Task) bool { return t.TaskID == id && !t.IsDeleted })
}

// createTask serves POST /v1/tasks: a task linked to a line, a
// conversation or an activity of the workspace, which must exist.
func (s *Server) createTask(r *http.Request, c *checks) http.HandlerFunc {
	var p client.CreateTaskParams
	decodeBody(r, &p)
	return func(w http.ResponseWriter, r *http.Request) {
		ws := s.workspace()
		var line, conv, act *string
		switch {
		case p.PhoneNumberID != "":
			if _, ok := ws.lineByRef(p.PhoneNumberID); !ok {
				writeError(w, r.Pattern, http.StatusNotFound, fmt.Sprintf("Phone number %s not found", p.PhoneNumberID))
				return
			}
			line = &p.PhoneNumberID
		case p.ConversationID != "":
			cv := s.conversation(&p.ConversationID)
			if cv == nil {
				writeError(w, r.Pattern, http.StatusNotFound, fmt.Sprintf("Conversation %s not found", p.ConversationID))
				return
			}
			line, conv = &cv.PhoneNumberID, &p.ConversationID
		default:
			lineID, ok := ws.activityLine(p.ActivityID)
			if !ok {
				writeError(w, r.Pattern, http.StatusNotFound, fmt.Sprintf("Activity %s not found", p.ActivityID))
				return
			}
			line, act = &lineID, &p.ActivityID
		}
		if p.AssignedTo != "" && !slices.ContainsFunc(ws.Users, func(u User) bool { return u.ID == p.AssignedTo }) {
			writeError(w, r.Pattern, http.StatusNotFound, fmt.Sprintf("User %s not found", p.AssignedTo))
			return
		}
		now := s.now().UTC().Truncate(time.Millisecond)
		s.mu.Lock()
		defer s.mu.Unlock()
		t := client.Task{
			TaskID: fmt.Sprintf("TKnew%06d", len(s.ws.Tasks)+1), PhoneNumberID: line, ConversationID: conv, ActivityID: act,
			OrgID: OrgID, Title: &p.Title, Description: &p.Description, CreatedAt: now, CreatedBy: "api", Revision: "1",
		}
		if p.DueDate != "" {
			due, _ := time.Parse(time.RFC3339, p.DueDate)
			t.DueDate = &due
		}
		if p.AssignedTo != "" {
			t.AssignedTo = &p.AssignedTo
		}
		s.ws.Tasks = append(slices.Clone(s.ws.Tasks), t)
		created := map[string]any{"taskId": t.TaskID, "revision": t.Revision, "phoneNumberId": *line}
		if conv != nil {
			created["conversationId"] = *conv
		}
		if act != nil {
			created["activityId"] = *act
		}
		writeJSON(w, http.StatusCreated, map[string]any{"data": created})
	}
}

// activityLine is the line of the message or call id.
func (ws Workspace) activityLine(id string) (string, bool) {
	for _, m := range ws.Messages {
		if m.ID == id && m.PhoneNumberID != nil {
			return *m.PhoneNumberID, true
		}
	}
	for _, c := range ws.Calls {
		if c.ID == id {
			return c.PhoneNumberID, true
		}
	}
	return "", false
}

// changeTask serves an endpoint that changes a task: change applies the
// request's body (decoded into a fresh B) to the task, or says why not
// with a status and message. It answers the task's new revision.
func changeTask[B any](s *Server, change func(ws Workspace, t *client.Task, body B) (int, string)) endpoint {
	return func(r *http.Request, c *checks) http.HandlerFunc {
		var body B
		decodeBody(r, &body)
		return func(w http.ResponseWriter, r *http.Request) {
			ws := s.workspace()
			s.mu.Lock()
			i := s.taskIndex(r.PathValue("taskId"))
			if i < 0 {
				s.mu.Unlock()
				writeError(w, r.Pattern, http.StatusNotFound, fmt.Sprintf("Task %s not found", r.PathValue("taskId")))
				return
			}
			s.ws.Tasks = slices.Clone(s.ws.Tasks)
			t := &s.ws.Tasks[i]
			status, message := change(ws, t, body)
			if status == 0 {
				n, _ := strconv.Atoi(t.Revision)
				t.Revision = strconv.Itoa(n + 1)
				if r.Method == http.MethodDelete {
					t.IsDeleted = true
				}
			}
			id, revision := t.TaskID, t.Revision
			s.mu.Unlock()
			switch {
			case status != 0:
				writeError(w, r.Pattern, status, message)
			case r.Method == http.MethodDelete:
				w.WriteHeader(http.StatusNoContent)
			default:
				writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"taskId": id, "revision": revision}})
			}
		}
	}
}

type (
	taskText     = client.TaskText
	taskUser     struct{ UserID string }
	taskDue      struct{ DueDate string }
	taskLink     struct{ ConversationID string }
	taskNoChange struct{}
)

// taskEndpoints are the endpoints that change a task, by pattern.
func (s *Server) taskEndpoints() map[string]endpoint {
	user := func(ws Workspace, id string) (int, string) {
		if !slices.ContainsFunc(ws.Users, func(u User) bool { return u.ID == id }) {
			return http.StatusNotFound, fmt.Sprintf("User %s not found", id)
		}
		return 0, ""
	}
	return map[string]endpoint{
		"PUT /v1/tasks/{taskId}": changeTask(s, func(_ Workspace, t *client.Task, b taskText) (int, string) {
			t.Title, t.Description = &b.Title, &b.Description
			return 0, ""
		}),
		"DELETE /v1/tasks/{taskId}": changeTask(s, func(Workspace, *client.Task, taskNoChange) (int, string) { return 0, "" }),
		"POST /v1/tasks/{taskId}/complete": changeTask(s, func(_ Workspace, t *client.Task, _ taskNoChange) (int, string) {
			t.Completed = true
			return 0, ""
		}),
		"POST /v1/tasks/{taskId}/reopen": changeTask(s, func(_ Workspace, t *client.Task, _ taskNoChange) (int, string) {
			t.Completed = false
			return 0, ""
		}),
		"POST /v1/tasks/{taskId}/assign": changeTask(s, func(ws Workspace, t *client.Task, b taskUser) (int, string) {
			if status, message := user(ws, b.UserID); status != 0 {
				return status, message
			}
			t.AssignedTo = &b.UserID
			return 0, ""
		}),
		"POST /v1/tasks/{taskId}/unassign": changeTask(s, func(_ Workspace, t *client.Task, b taskUser) (int, string) {
			if t.AssignedTo == nil || *t.AssignedTo != b.UserID {
				return http.StatusBadRequest, fmt.Sprintf("The task is not assigned to %s", b.UserID)
			}
			t.AssignedTo = nil
			return 0, ""
		}),
		"POST /v1/tasks/{taskId}/change-due-date": changeTask(s, func(_ Workspace, t *client.Task, b taskDue) (int, string) {
			due, _ := time.Parse(time.RFC3339, b.DueDate)
			t.DueDate = &due
			return 0, ""
		}),
		"POST /v1/tasks/{taskId}/remove-due-date": changeTask(s, func(_ Workspace, t *client.Task, _ taskNoChange) (int, string) {
			t.DueDate = nil
			return 0, ""
		}),
		"POST /v1/tasks/{taskId}/link-conversation": changeTask(s, func(ws Workspace, t *client.Task, b taskLink) (int, string) {
			if !slices.ContainsFunc(ws.Conversations, func(c client.Conversation) bool { return c.ID == b.ConversationID }) {
				return http.StatusNotFound, fmt.Sprintf("Conversation %s not found", b.ConversationID)
			}
			t.ConversationID = &b.ConversationID
			return 0, ""
		}),
		"POST /v1/tasks/{taskId}/unlink-conversation": changeTask(s, func(_ Workspace, t *client.Task, b taskLink) (int, string) {
			if t.ConversationID == nil || *t.ConversationID != b.ConversationID {
				return http.StatusBadRequest, fmt.Sprintf("The task is not linked to %s", b.ConversationID)
			}
			t.ConversationID = nil
			return 0, ""
		}),
	}
}

// tasksBody writes tasks with every field the document requires, nulls
// included.
func tasksBody(ts []client.Task) []map[string]any {
	data := make([]map[string]any, len(ts))
	for i, t := range ts {
		data[i] = map[string]any{
			"taskId": t.TaskID, "phoneNumberId": t.PhoneNumberID, "conversationId": t.ConversationID, "activityId": t.ActivityID,
			"phoneNumberGroupId": t.PhoneNumberGroupID, "orgId": t.OrgID, "title": t.Title, "description": t.Description,
			"dueDate": apiTime(t.DueDate), "assignedTo": t.AssignedTo, "assignedBy": t.AssignedBy,
			"createdAt": apiTime(&t.CreatedAt), "createdBy": t.CreatedBy, "completed": t.Completed, "isDeleted": t.IsDeleted,
			"revision": t.Revision,
		}
	}
	return data
}
