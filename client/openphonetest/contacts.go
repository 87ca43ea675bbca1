package openphonetest

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// listContacts serves GET /v1/contacts, paged, filtered by externalIds and
// sources when given; the API has no other filter.
func (s *Server) listContacts(r *http.Request, c *checks) http.HandlerFunc {
	q := r.URL.Query()
	filter := "contacts?" + filterKey(q)
	offset := checkPageToken(q, filter, c)
	return func(w http.ResponseWriter, r *http.Request) {
		all := s.workspace().Contacts
		externalIDs, sources := q["externalIds"], q["sources"]
		var matched []client.Contact
		for _, ct := range all {
			if len(externalIDs) > 0 && (ct.ExternalID == nil || !slices.Contains(externalIDs, *ct.ExternalID)) {
				continue
			}
			if len(sources) > 0 && (ct.Source == nil || !slices.Contains(sources, *ct.Source)) {
				continue
			}
			matched = append(matched, ct)
		}
		page, next := pageOf(matched, q, filter, offset)
		data := make([]map[string]any, len(page))
		for i, ct := range page {
			data[i] = contactBody(ct)
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": data, "totalItems": len(matched), "nextPageToken": next})
	}
}

// getContact serves GET /v1/contacts/{id}.
func (s *Server) getContact(r *http.Request, c *checks) http.HandlerFunc {
	return byID("id", func(id string) (any, bool) {
		all := s.workspace().Contacts
		i := slices.IndexFunc(all, func(ct client.Contact) bool { return ct.ID == id })
		if i < 0 {
			return nil, false
		}
		return contactBody(all[i]), true
	})(r, c)
}

// listCustomFields serves GET /v1/contact-custom-fields, which is not
// paged.
func (s *Server) listCustomFields(r *http.Request, c *checks) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		data := []map[string]any{}
		for _, f := range s.workspace().CustomFields {
			data = append(data, map[string]any{"name": f.Name, "key": f.Key, "type": f.Type})
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": data})
	}
}

// contactBody is a contact as the API writes it: every field present,
// null where unset.
func contactBody(ct client.Contact) map[string]any {
	values := func(vs []client.ContactValue) []map[string]any {
		out := make([]map[string]any, len(vs))
		for i, v := range vs {
			out[i] = map[string]any{"id": v.ID, "name": v.Name, "value": v.Value}
		}
		return out
	}
	custom := make([]map[string]any, len(ct.CustomFields))
	for i, f := range ct.CustomFields {
		var value any = json.RawMessage("null")
		if len(f.Value) > 0 {
			value = f.Value
		}
		custom[i] = map[string]any{"id": f.ID, "key": f.Key, "name": f.Name, "type": f.Type, "value": value}
	}
	d := ct.DefaultFields
	return map[string]any{
		"id": ct.ID, "externalId": ct.ExternalID, "source": ct.Source, "sourceUrl": ct.SourceURL,
		"defaultFields": map[string]any{
			"firstName": d.FirstName, "lastName": d.LastName, "company": d.Company, "role": d.Role,
			"emails": values(d.Emails), "phoneNumbers": values(d.PhoneNumbers),
		},
		"customFields": custom,
		"createdAt":    apiTime(&ct.CreatedAt), "updatedAt": apiTime(&ct.UpdatedAt),
		"createdByUserId": ct.CreatedByUserID,
	}
}

// AddContact adds a contact to the workspace, as a person may in the app
// at any time; the next listing includes it.
func (s *Server) AddContact(ct client.Contact) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ws.Contacts = append(slices.Clone(s.ws.Contacts), ct)
}
