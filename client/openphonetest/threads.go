package openphonetest

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
)

var (
	threadQuery = []string{"phoneNumberId", "participants", "userId", "createdAfter", "createdBefore", "since", "maxResults", "pageToken"}
	usRE        = regexp.MustCompile(`^US(.*)$`)
	acRE        = regexp.MustCompile(`^AC(.*)$`)
)

// checkThread reads the query GET /v1/messages and GET /v1/calls share,
// rejecting what the API rejects, with at most maxParticipants numbers.
// It returns the line, the participants, the created-at bounds and the
// page, or writes the error and returns ok false.
func (s *Server) checkThread(w http.ResponseWriter, q url.Values, maxParticipants int) (line Line, participants []string, after, before time.Time, maxResults, offset int, ok bool) {
	errs := checkKeys(q, threadQuery, "participants")
	reject := func(path, msg string, value any) { errs = append(errs, fieldError{path, msg, value}) }
	maxResults = checkMaxResults(q, 100, &errs)
	switch id := q.Get("phoneNumberId"); {
	case !q.Has("phoneNumberId"):
		reject("phoneNumberId", "Required", nil)
	case !pnRE.MatchString(id):
		reject("phoneNumberId", "Expected string matching ^PN(.*)$", id)
	}
	participants = q["participants"]
	switch {
	case len(participants) == 0:
		reject("participants", "Required", nil)
	case len(participants) > maxParticipants:
		reject("participants", fmt.Sprintf("Expected array with at most %d items", maxParticipants), len(participants))
	}
	for i, n := range participants {
		if !e164RE.MatchString(n) {
			reject(fmt.Sprintf("participants/%d", i), "Expected E.164 phone number", n)
		}
	}
	if id := q.Get("userId"); q.Has("userId") && !usRE.MatchString(id) {
		reject("userId", "Expected string matching ^US(.*)$", id)
	}
	bounds := checkDates(q, &errs, "createdAfter", "createdBefore", "since")
	offset = checkPageToken(q, filterKey(q), &errs)
	if len(errs) > 0 {
		writeValidationError(w, errs)
		return
	}
	line, found := s.ws.lineByRef(q.Get("phoneNumberId"))
	if !found {
		writeError(w, http.StatusNotFound, "", fmt.Sprintf("Phone number %s not found", q.Get("phoneNumberId")))
		return
	}
	if !s.userFound(w, q.Get("userId")) {
		return
	}
	before = bounds["createdBefore"]
	if since, ok := bounds["since"]; ok && (before.IsZero() || since.Before(before)) {
		before = since // since behaves as createdBefore
	}
	return line, participants, bounds["createdAfter"], before, maxResults, offset, true
}

// sameNumbers reports whether a and b hold the same numbers, in any order.
func sameNumbers(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// page cuts items, newest first, to one page and its next token.
func page[T any](items []T, createdAt func(T) time.Time, q url.Values, offset, maxResults int) map[string]any {
	slices.SortStableFunc(items, func(a, b T) int { return createdAt(b).Compare(createdAt(a)) })
	data := []T{}
	var next *string
	if offset < len(items) {
		end := min(offset+maxResults, len(items))
		data = items[offset:end]
		if end < len(items) {
			token := encodePageToken(end, filterKey(q))
			next = &token
		}
	}
	return map[string]any{"data": data, "totalItems": len(items), "nextPageToken": next}
}

// listMessages serves GET /v1/messages: the messages of one thread, newest
// first.
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	line, participants, after, before, maxResults, offset, ok := s.checkThread(w, q, client.MaxMessageParticipants)
	if !ok {
		return
	}
	var thread []client.Message
	for _, m := range s.ws.Messages {
		c := s.conversation(m.ConversationID)
		switch {
		case m.PhoneNumberID == nil || *m.PhoneNumberID != line.ID, c == nil || !sameNumbers(c.Participants, participants),
			q.Has("userId") && (m.UserID == nil || *m.UserID != q.Get("userId")),
			!inRange(&m.CreatedAt, after, before):
			continue
		}
		thread = append(thread, m)
	}
	body := page(thread, func(m client.Message) time.Time { return m.CreatedAt }, q, offset, maxResults)
	body["data"] = messagesBody(body["data"].([]client.Message))
	writeJSON(w, http.StatusOK, body)
}

// listCalls serves GET /v1/calls: the calls of one 1:1 thread, newest first.
func (s *Server) listCalls(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if len(q["participants"]) > client.MaxCallParticipants {
		// The API's own error for a group thread, before any other check.
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "Calls can only be listed for one participant", "code": "0101400",
			"status": 400, "title": "Too Many Participants", "docs": "https://openphone.com/docs", "description": "participants must hold exactly one phone number"})
		return
	}
	line, participants, after, before, maxResults, offset, ok := s.checkThread(w, q, client.MaxCallParticipants)
	if !ok {
		return
	}
	var calls []client.Call
	for _, c := range s.ws.Calls {
		switch {
		case c.PhoneNumberID != line.ID, !sameNumbers(c.Participants, participants),
			q.Has("userId") && (c.UserID == nil || *c.UserID != q.Get("userId")),
			!inRange(&c.CreatedAt, after, before):
			continue
		}
		calls = append(calls, c)
	}
	body := page(calls, func(c client.Call) time.Time { return c.CreatedAt }, q, offset, maxResults)
	body["data"] = callsBody(body["data"].([]client.Call))
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) conversation(id *string) *client.Conversation {
	if id == nil {
		return nil
	}
	i := slices.IndexFunc(s.ws.Conversations, func(c client.Conversation) bool { return c.ID == *id })
	if i < 0 {
		return nil
	}
	return &s.ws.Conversations[i]
}

// byID serves GET {collection}/{id}: what find finds for the path's ID, or
// 404. It rejects an ID that is not AC… as the API does.
func byID(w http.ResponseWriter, r *http.Request, find func(id string) (any, bool)) {
	want := r.PathValue("id")
	if !acRE.MatchString(want) {
		writeValidationError(w, []fieldError{{"id", "Expected string matching ^AC(.*)$", want}})
		return
	}
	if len(r.URL.Query()) > 0 {
		writeValidationError(w, checkKeys(r.URL.Query(), nil, ""))
		return
	}
	body, ok := find(want)
	if !ok {
		writeError(w, http.StatusNotFound, "", fmt.Sprintf("%s not found", want))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": body})
}

// inSlice finds the item of items whose ID is id, as the API writes it.
func inSlice[T any](items []T, idOf func(T) string, body func([]T) []map[string]any) func(string) (any, bool) {
	return func(id string) (any, bool) {
		i := slices.IndexFunc(items, func(item T) bool { return idOf(item) == id })
		if i < 0 {
			return nil, false
		}
		return body(items[i : i+1])[0], true
	}
}

func (s *Server) getMessage(w http.ResponseWriter, r *http.Request) {
	byID(w, r, inSlice(s.ws.Messages, func(m client.Message) string { return m.ID }, messagesBody))
}

func (s *Server) getCall(w http.ResponseWriter, r *http.Request) {
	byID(w, r, inSlice(s.ws.Calls, func(c client.Call) string { return c.ID }, callsBody))
}

// getCallSummary serves GET /v1/call-summaries/{callId}: 403 without the
// plan's call insights, 404 for an unknown call or one with no summary.
func (s *Server) getCallSummary(w http.ResponseWriter, r *http.Request) {
	if s.insightsRefused(w, "0500403") {
		return
	}
	byID(w, r, func(id string) (any, bool) {
		c, ok := s.ws.Summaries[id]
		return map[string]any{"callId": c.CallID, "status": c.Status, "summary": c.Summary, "nextSteps": c.NextSteps, "jobs": c.Jobs}, ok
	})
}

// getCallTranscript serves GET /v1/call-transcripts/{id}, as
// getCallSummary does.
func (s *Server) getCallTranscript(w http.ResponseWriter, r *http.Request) {
	if s.insightsRefused(w, "0600403") {
		return
	}
	byID(w, r, func(id string) (any, bool) {
		c, ok := s.ws.Transcripts[id]
		var dialogue []map[string]any
		for _, d := range c.Dialogue {
			dialogue = append(dialogue, map[string]any{"content": d.Content, "start": d.Start, "end": d.End, "identifier": d.Identifier, "userId": d.UserID})
		}
		return map[string]any{"callId": c.CallID, "status": c.Status, "createdAt": apiTime(c.CreatedAt), "duration": c.Duration, "dialogue": dialogue}, ok
	})
}

func (s *Server) insightsRefused(w http.ResponseWriter, code string) bool {
	s.mu.Lock()
	refused := s.noInsights
	s.mu.Unlock()
	if refused {
		writeJSON(w, http.StatusForbidden, map[string]any{"message": "This feature is available on Business and Scale plans", "code": code,
			"status": 403, "title": "Forbidden", "docs": "https://openphone.com/docs"})
	}
	return refused
}

// messagesBody writes messages with every field the real API sends, nulls
// included.
func messagesBody(ms []client.Message) []map[string]any {
	data := make([]map[string]any, len(ms))
	for i, m := range ms {
		data[i] = map[string]any{
			"id": m.ID, "to": m.To, "from": m.From, "text": m.Text, "phoneNumberId": m.PhoneNumberID,
			"conversationId": m.ConversationID, "direction": m.Direction, "userId": m.UserID, "status": m.Status,
			"createdAt": apiTime(&m.CreatedAt), "updatedAt": apiTime(m.UpdatedAt),
		}
	}
	return data
}

// callsBody writes calls with every field the real API sends.
func callsBody(cs []client.Call) []map[string]any {
	data := make([]map[string]any, len(cs))
	for i, c := range cs {
		data[i] = map[string]any{
			"id": c.ID, "phoneNumberId": c.PhoneNumberID, "userId": c.UserID, "direction": c.Direction, "status": c.Status,
			"participants": c.Participants, "createdAt": apiTime(&c.CreatedAt), "answeredAt": apiTime(c.AnsweredAt),
			"completedAt": apiTime(c.CompletedAt), "updatedAt": apiTime(c.UpdatedAt), "duration": c.Duration,
			"answeredBy": c.AnsweredBy, "initiatedBy": c.InitiatedBy, "callRoute": c.CallRoute,
			"forwardedFrom": c.ForwardedFrom, "forwardedTo": c.ForwardedTo, "aiHandled": c.AIHandled,
		}
	}
	return data
}
