package openphonetest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// listPhoneNumbers serves GET /v1/phone-numbers: every line, or the lines
// of userId, each with its users. It is not paged.
func (s *Server) listPhoneNumbers(r *http.Request, c *checks) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		userID := r.URL.Query().Get("userId")
		if !s.userFound(w, r, userID) {
			return
		}
		data := []map[string]any{}
		ws := s.workspace()
		for _, l := range ws.Lines {
			if userID != "" && !slices.Contains(l.UserIDs, userID) {
				continue
			}
			users := []map[string]any{}
			for _, id := range l.UserIDs {
				if u, ok := ws.user(id); ok {
					users = append(users, map[string]any{"id": u.ID, "email": u.Email, "firstName": u.FirstName, "lastName": u.LastName, "role": u.Role, "groupId": "GR" + u.ID[2:]})
				}
			}
			data = append(data, map[string]any{
				"id": l.ID, "groupId": "GR" + l.ID[2:], "number": l.Number, "formattedNumber": formatNumber(l.Number), "name": l.Name,
				"symbol": nil, "forward": nil, "portRequestId": nil, "portingStatus": nil, "users": users,
				"createdAt": apiTime(new(DemoEpoch.AddDate(-1, 0, 0))), "updatedAt": apiTime(new(DemoEpoch.AddDate(0, -1, 0))),
				"restrictions": map[string]any{
					"calling":   map[string]any{"CA": "unrestricted", "US": "unrestricted", "Intl": "restricted"},
					"messaging": map[string]any{"CA": "unrestricted", "US": "unrestricted", "Intl": "restricted"},
				},
			})
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": data})
	}
}

// formatNumber writes a North American number as people do.
func formatNumber(e164 string) string {
	if len(e164) != 12 || !strings.HasPrefix(e164, "+1") {
		return e164
	}
	return fmt.Sprintf("(%s) %s-%s", e164[2:5], e164[5:8], e164[8:])
}

// listUsers serves GET /v1/users, paged.
func (s *Server) listUsers(r *http.Request, c *checks) http.HandlerFunc {
	q := r.URL.Query()
	offset := checkPageToken(q, "users", c)
	return func(w http.ResponseWriter, r *http.Request) {
		users, next := pageOf(s.ws.Users, q, "users", offset)
		data := []map[string]any{}
		for _, u := range users {
			data = append(data, map[string]any{
				"id": u.ID, "email": u.Email, "firstName": u.FirstName, "lastName": u.LastName, "role": u.Role,
				"pictureUrl": nil, "createdAt": apiTime(new(DemoEpoch.AddDate(-2, 0, 0))), "updatedAt": apiTime(new(DemoEpoch.AddDate(0, -2, 0))),
			})
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": data, "totalItems": len(s.ws.Users), "nextPageToken": next})
	}
}
