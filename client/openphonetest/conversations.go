package openphonetest

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// listConversations serves GET /v1/conversations: the conversations on
// the lines asked for (every line by default), most recent activity first.
func (s *Server) listConversations(r *http.Request, c *checks) http.HandlerFunc {
	q := r.URL.Query()
	bounds := checkDates(q, c, "createdAfter", "createdBefore", "updatedAfter", "updatedBefore")
	offset := checkPageToken(q, filterKey(q), c)
	return func(w http.ResponseWriter, r *http.Request) {
		// phoneNumbers wins over the deprecated phoneNumber.
		lines := q["phoneNumbers"]
		if len(lines) == 0 && q.Has("phoneNumber") {
			lines = []string{q.Get("phoneNumber")}
		}
		var onLines map[string]bool // nil: every line
		for _, ref := range lines {
			l, ok := s.workspace().lineByRef(ref)
			if !ok {
				writeError(w, r.Pattern, http.StatusNotFound, fmt.Sprintf("Phone number %s not found", ref))
				return
			}
			if onLines == nil {
				onLines = map[string]bool{}
			}
			onLines[l.ID] = true
		}
		userID := q.Get("userId")
		if !s.userFound(w, r, userID) {
			return
		}
		var matched []client.Conversation
		for _, cv := range s.workspace().Conversations {
			switch {
			case onLines != nil && !onLines[cv.PhoneNumberID],
				userID != "" && !s.workspace().isMember(userID, cv.PhoneNumberID),
				!inRange(cv.CreatedAt, bounds["createdAfter"], bounds["createdBefore"]),
				!inRange(cv.UpdatedAt, bounds["updatedAfter"], bounds["updatedBefore"]),
				q.Get("excludeInactive") == "true" && !isActive(cv):
				continue
			}
			matched = append(matched, cv)
		}
		slices.SortStableFunc(matched, func(a, b client.Conversation) int {
			return activity(b).Compare(activity(a))
		})
		data, next := pageOf(matched, q, filterKey(q), offset)
		writeJSON(w, http.StatusOK, map[string]any{"data": conversationsBody(data), "totalItems": len(matched), "nextPageToken": next})
	}
}

// conversationsBody writes conversations with every field the document
// requires, nulls included.
func conversationsBody(cs []client.Conversation) []map[string]any {
	data := make([]map[string]any, len(cs))
	for i, c := range cs {
		data[i] = map[string]any{
			"assignedTo": c.AssignedTo, "createdAt": apiTime(c.CreatedAt), "deletedAt": apiTime(c.DeletedAt), "id": c.ID,
			"lastActivityAt": apiTime(c.LastActivityAt), "lastActivityId": c.LastActivityID, "mutedUntil": apiTime(c.MutedUntil),
			"name": c.Name, "participants": c.Participants, "phoneNumberId": c.PhoneNumberID,
			"snoozedUntil": apiTime(c.SnoozedUntil), "updatedAt": apiTime(c.UpdatedAt),
		}
	}
	return data
}

// userFound answers 404 for a userId the workspace lacks; "" is found.
func (s *Server) userFound(w http.ResponseWriter, r *http.Request, userID string) bool {
	if userID == "" || slices.ContainsFunc(s.ws.Users, func(u User) bool { return u.ID == userID }) {
		return true
	}
	writeError(w, r.Pattern, http.StatusNotFound, fmt.Sprintf("User %s not found", userID))
	return false
}

// apiTime writes a timestamp as the live API is seen to: UTC with
// milliseconds, as JavaScript's toISOString does ("2025-01-10T18:22:11.000Z").
func apiTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// isActive is the fake's notion of an active conversation: not deleted, and
// with activity. The real API does not document its own.
func isActive(c client.Conversation) bool { return c.DeletedAt == nil && c.LastActivityAt != nil }

func activity(c client.Conversation) time.Time {
	for _, t := range []*time.Time{c.LastActivityAt, c.UpdatedAt, c.CreatedAt} {
		if t != nil {
			return *t
		}
	}
	return time.Time{}
}
