package openphonetest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// A threadQuery is the query that GET /v1/messages and GET /v1/calls
// share, as read: the thread is the line and its outside numbers.
type threadQuery struct {
	q             url.Values
	lineRef       string
	participants  []string
	after, before time.Time
	offset        int
}

// readThread reads the query of a thread endpoint, adding to c what the
// document's checks leave to the server.
func readThread(r *http.Request, c *checks) threadQuery {
	q := r.URL.Query()
	bounds := checkDates(q, c, "createdAfter", "createdBefore", "since")
	t := threadQuery{q: q, lineRef: q.Get("phoneNumberId"), participants: q["participants"],
		after: bounds["createdAfter"], before: bounds["createdBefore"], offset: checkPageToken(q, filterKey(q), c)}
	if since, ok := bounds["since"]; ok && (t.before.IsZero() || since.Before(t.before)) {
		t.before = since // since behaves as createdBefore
	}
	return t
}

// find answers 404 for a line or user the workspace lacks, or returns the
// line.
func (s *Server) find(w http.ResponseWriter, r *http.Request, t threadQuery) (Line, bool) {
	line, found := s.workspace().lineByRef(t.lineRef)
	if !found {
		writeError(w, r.Pattern, http.StatusNotFound, fmt.Sprintf("Phone number %s not found", t.lineRef))
		return Line{}, false
	}
	return line, s.userFound(w, r, t.q.Get("userId"))
}

// sameNumbers reports whether a and b hold the same numbers, in any order.
func sameNumbers(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// listMessages serves GET /v1/messages: the messages of one thread, newest
// first.
func (s *Server) listMessages(r *http.Request, c *checks) http.HandlerFunc {
	t := readThread(r, c)
	return func(w http.ResponseWriter, r *http.Request) {
		ws := s.workspace()
		// The participants of each conversation, looked up once a request:
		// a workspace of thousands of conversations is read thread by thread.
		participants := make(map[string][]string, len(ws.Conversations))
		for _, cv := range ws.Conversations {
			participants[cv.ID] = cv.Participants
		}
		serveThread(s, w, r, t, ws.Messages, func(m client.Message) threadItem {
			item := threadItem{userID: m.UserID, createdAt: m.CreatedAt}
			if m.PhoneNumberID != nil {
				item.lineID = *m.PhoneNumberID
			}
			if m.ConversationID != nil {
				item.participants = participants[*m.ConversationID]
			}
			return item
		}, messagesBody)
	}
}

// listCalls serves GET /v1/calls: the calls of one 1:1 thread, newest first.
func (s *Server) listCalls(r *http.Request, c *checks) http.HandlerFunc {
	if len(r.URL.Query()["participants"]) > client.MaxCallParticipants {
		// The API's own error for a group thread, before any other check.
		c.refuse(func(w http.ResponseWriter, r *http.Request) {
			writeDomainError(w, r.Pattern, http.StatusBadRequest, "Calls can only be listed for one participant")
		})
	}
	t := readThread(r, c)
	return func(w http.ResponseWriter, r *http.Request) {
		serveThread(s, w, r, t, s.ws.Calls, func(c client.Call) threadItem {
			return threadItem{c.PhoneNumberID, c.Participants, c.UserID, c.CreatedAt}
		}, callsBody)
	}
}

// A threadItem is what a thread endpoint filters a message or call by.
type threadItem struct {
	lineID       string
	participants []string
	userID       *string
	createdAt    time.Time
}

// serveThread answers a thread endpoint with the items of t's thread (its
// line and participants, its userId and created-at range), newest first,
// one page of them written by body.
func serveThread[T any](s *Server, w http.ResponseWriter, r *http.Request, t threadQuery, items []T, describe func(T) threadItem, body func([]T) []map[string]any) {
	line, ok := s.find(w, r, t)
	if !ok {
		return
	}
	var thread []T
	for _, item := range items {
		d := describe(item)
		switch {
		case d.lineID != line.ID, !sameNumbers(d.participants, t.participants),
			t.q.Has("userId") && (d.userID == nil || *d.userID != t.q.Get("userId")),
			!inRange(&d.createdAt, t.after, t.before):
			continue
		}
		thread = append(thread, item)
	}
	// Newest first, as the API lists them (one thread: a few items).
	slices.SortStableFunc(thread, func(a, b T) int { return describe(b).createdAt.Compare(describe(a).createdAt) })
	data, next := pageOf(thread, t.q, filterKey(t.q), t.offset)
	writeJSON(w, http.StatusOK, map[string]any{"data": body(data), "totalItems": len(thread), "nextPageToken": next})
}

func (s *Server) conversation(id *string) *client.Conversation {
	if id == nil {
		return nil
	}
	convs := s.workspace().Conversations
	i := slices.IndexFunc(convs, func(c client.Conversation) bool { return c.ID == *id })
	if i < 0 {
		return nil
	}
	return &convs[i]
}

// byID serves GET {collection}/{id}: what find finds for the path's ID
// (named param in the document), or 404. The document checks the ID's
// form.
func byID(param string, find func(id string) (any, bool)) endpoint {
	return func(r *http.Request, c *checks) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			id := r.PathValue(param)
			body, ok := find(id)
			if !ok {
				writeError(w, r.Pattern, http.StatusNotFound, fmt.Sprintf("%s not found", id))
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"data": body})
		}
	}
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

func (s *Server) getMessage(r *http.Request, c *checks) http.HandlerFunc {
	return byID("id", inSlice(s.workspace().Messages, func(m client.Message) string { return m.ID }, messagesBody))(r, c)
}

func (s *Server) getCall(r *http.Request, c *checks) http.HandlerFunc {
	return byID("callId", inSlice(s.ws.Calls, func(c client.Call) string { return c.ID }, callsBody))(r, c)
}

// getCallSummary serves GET /v1/call-summaries/{callId}: 403 without the
// plan's call insights, 404 for an unknown call or one with no summary.
func (s *Server) getCallSummary(r *http.Request, c *checks) http.HandlerFunc {
	return s.insight(byID("callId", func(id string) (any, bool) {
		c, ok := s.ws.Summaries[id]
		return map[string]any{"callId": c.CallID, "status": c.Status, "summary": c.Summary, "nextSteps": c.NextSteps, "jobs": c.Jobs}, ok
	}))(r, c)
}

// getCallTranscript serves GET /v1/call-transcripts/{id}, as
// getCallSummary does.
func (s *Server) getCallTranscript(r *http.Request, c *checks) http.HandlerFunc {
	return s.insight(byID("id", func(id string) (any, bool) {
		c, ok := s.ws.Transcripts[id]
		var dialogue []map[string]any
		for _, d := range c.Dialogue {
			dialogue = append(dialogue, map[string]any{"content": d.Content, "start": d.Start, "end": d.End, "identifier": d.Identifier, "userId": d.UserID})
		}
		return map[string]any{"callId": c.CallID, "status": c.Status, "createdAt": apiTime(c.CreatedAt), "duration": c.Duration, "dialogue": dialogue}, ok
	}))(r, c)
}

// getCallVoicemail serves GET /v1/call-voicemails/{callId}: 404 for a
// call no voicemail was left on.
func (s *Server) getCallVoicemail(r *http.Request, c *checks) http.HandlerFunc {
	return s.media(byID("callId", func(id string) (any, bool) {
		v, ok := s.ws.Voicemails[id]
		return map[string]any{"id": v.ID, "status": v.Status, "duration": v.Duration, "transcript": v.Transcript, "recordingUrl": v.RecordingURL}, ok
	}))(r, c)
}

// getCallRecordings serves GET /v1/call-recordings/{callId}: 404 for a
// call that was not recorded.
func (s *Server) getCallRecordings(r *http.Request, c *checks) http.HandlerFunc {
	return s.media(byID("callId", func(id string) (any, bool) {
		segments, ok := s.ws.Recordings[id]
		data := []map[string]any{}
		for _, rc := range segments {
			data = append(data, map[string]any{"id": rc.ID, "type": rc.Type, "status": rc.Status, "startTime": apiTime(rc.StartTime), "duration": rc.Duration, "url": rc.URL})
		}
		return data, ok
	}))(r, c)
}

// media serves e only while the key may read calls' media
// (SetCallMedia), and answers 403 otherwise.
func (s *Server) media(e endpoint) endpoint {
	return s.unless(func() bool { return s.noMedia }, "The API key's user may not access this call's media", e)
}

// insight serves e only on a plan with call insights (SetCallInsights),
// and answers 403 on others.
func (s *Server) insight(e endpoint) endpoint {
	return s.unless(func() bool { return s.noInsights }, "This feature is available on Business and Scale plans", e)
}

// unless serves e, but answers 403 with message while refused, read
// under s.mu, says so.
func (s *Server) unless(refused func() bool, message string, e endpoint) endpoint {
	return func(r *http.Request, c *checks) http.HandlerFunc {
		answer := e(r, c)
		return func(w http.ResponseWriter, r *http.Request) {
			s.mu.Lock()
			no := refused()
			s.mu.Unlock()
			if no {
				writeError(w, r.Pattern, http.StatusForbidden, message)
				return
			}
			answer(w, r)
		}
	}
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
