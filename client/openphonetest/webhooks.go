package openphonetest

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// OrgID is the organisation ID of every workspace the fake serves.
const OrgID = "ORdemo0001"

// Webhooks returns the webhooks registered so far, of every user, oldest
// first, with their keys.
func (s *Server) Webhooks() []client.Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.webhooks)
}

// AddWebhook registers w as a person would in OpenPhone's app, which
// alone makes webhooks for contact events: its ID, key, owner, status,
// lines and times are filled in where w leaves them empty. It returns the
// webhook as registered.
func (s *Server) AddWebhook(w client.Webhook) client.Webhook {
	ws := s.workspace()
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().UTC().Truncate(time.Millisecond)
	s.webhookSeq++
	if w.ID == "" {
		w.ID = fmt.Sprintf("WHfake%06d", s.webhookSeq)
	}
	if w.Key == "" {
		w.Key = newWebhookKey()
	}
	if w.UserID == "" {
		w.UserID = ws.owner()
	}
	if w.OrgID == "" {
		w.OrgID = OrgID
	}
	if w.Status == "" {
		w.Status = client.WebhookEnabled
	}
	if w.ResourceIDs == nil {
		w.ResourceIDs = []string{client.EveryLine}
	}
	if w.Events == nil {
		w.Events = []string{}
	}
	if w.CreatedAt.IsZero() {
		w.CreatedAt = now
	}
	if w.UpdatedAt.IsZero() {
		w.UpdatedAt = w.CreatedAt
	}
	s.webhooks = append(slices.Clone(s.webhooks), w)
	return w
}

// newWebhookKey is a signing key as OpenPhone gives one: random bytes,
// base64.
func newWebhookKey() string {
	key := make([]byte, 32)
	rand.Read(key)
	return base64.StdEncoding.EncodeToString(key)
}

// owner is the ID of the workspace's owner, whom the webhook endpoints
// default to: the user whose role is owner, else the first.
func (ws Workspace) owner() string {
	for _, u := range ws.Users {
		if u.Role == "owner" {
			return u.ID
		}
	}
	if len(ws.Users) > 0 {
		return ws.Users[0].ID
	}
	return "USowner"
}

// listWebhooks serves GET /v1/webhooks: the webhooks of userId, by
// default the workspace's owner. It is not paged.
func (s *Server) listWebhooks(r *http.Request, c *checks) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		userID := r.URL.Query().Get("userId")
		if !s.userFound(w, r, userID) {
			return
		}
		if userID == "" {
			userID = s.workspace().owner()
		}
		hooks := slices.DeleteFunc(s.Webhooks(), func(h client.Webhook) bool { return h.UserID != userID })
		writeJSON(w, http.StatusOK, map[string]any{"data": webhooksBody(hooks)})
	}
}

// webhook serves GET and DELETE /v1/webhooks/{id}: it answers the webhook,
// or deletes it (204).
func (s *Server) webhook(r *http.Request, c *checks) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		s.mu.Lock()
		i := slices.IndexFunc(s.webhooks, func(h client.Webhook) bool { return h.ID == id })
		var h client.Webhook
		if i >= 0 {
			h = s.webhooks[i]
			if r.Method == http.MethodDelete {
				s.webhooks = slices.Delete(slices.Clone(s.webhooks), i, i+1)
			}
		}
		s.mu.Unlock()
		switch {
		case i < 0:
			writeError(w, r.Pattern, http.StatusNotFound, fmt.Sprintf("Webhook %s not found", id))
		case r.Method == http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		default:
			writeJSON(w, http.StatusOK, map[string]any{"data": webhooksBody([]client.Webhook{h})[0]})
		}
	}
}

// createWebhook serves POST /v1/webhooks/{kind}: a webhook of userId (by
// default the workspace's owner) on lines of the workspace, or every
// line, with a new random key. It answers 201.
func (s *Server) createWebhook(r *http.Request, c *checks) http.HandlerFunc {
	var p struct {
		URL         string   `json:"url"`
		Events      []string `json:"events"`
		Label       *string  `json:"label"`
		ResourceIDs []string `json:"resourceIds"`
		Status      string   `json:"status"`
		UserID      string   `json:"userId"`
	}
	decodeBody(r, &p)
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.userFound(w, r, p.UserID) {
			return
		}
		ws := s.workspace()
		for _, id := range p.ResourceIDs {
			if _, ok := ws.lineByRef(id); id != client.EveryLine && !ok {
				writeError(w, r.Pattern, http.StatusNotFound, fmt.Sprintf("Phone number %s not found", id))
				return
			}
		}
		h := s.AddWebhook(client.Webhook{UserID: p.UserID, Label: p.Label, Status: p.Status, URL: p.URL, Events: p.Events, ResourceIDs: p.ResourceIDs})
		writeJSON(w, http.StatusCreated, map[string]any{"data": webhooksBody([]client.Webhook{h})[0]})
	}
}

// webhooksBody writes webhooks with every field the document requires,
// nulls included.
func webhooksBody(hs []client.Webhook) []map[string]any {
	data := make([]map[string]any, len(hs))
	for i, h := range hs {
		data[i] = map[string]any{
			"id": h.ID, "userId": h.UserID, "orgId": h.OrgID, "label": h.Label, "status": h.Status, "url": h.URL, "key": h.Key,
			"createdAt": apiTime(&h.CreatedAt), "updatedAt": apiTime(&h.UpdatedAt), "deletedAt": apiTime(h.DeletedAt),
			"events": h.Events, "resourceIds": h.ResourceIDs,
		}
	}
	return data
}
