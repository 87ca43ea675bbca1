package openphonetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

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

// createContact serves POST /v1/contacts: a contact of the workspace,
// made by its first user, with source "public-api" unless the body names
// one. A custom field must be one of the workspace's, its value of the
// field's type (400 Invalid Custom Field Item).
func (s *Server) createContact(r *http.Request, c *checks) http.HandlerFunc {
	var body contactBodyIn
	decodeBody(r, &body)
	var source string
	if json.Unmarshal(body.Source, &source) == nil && reservedSource(source) {
		c.errs = append(c.errs, fieldError{"/body/source", "Cannot be a reserved source", source, fieldSchema{"string"}})
	}
	return func(w http.ResponseWriter, r *http.Request) {
		ws := s.workspace()
		now := time.Now().UTC().Truncate(time.Millisecond)
		ct := client.Contact{CreatedAt: now, UpdatedAt: now, Source: new("public-api")}
		if len(ws.Users) > 0 {
			ct.CreatedByUserID = ws.Users[0].ID
		}
		if message, ok := body.apply(ws, &ct); !ok {
			writeDomainError(w, r.Pattern, http.StatusBadRequest, message)
			return
		}
		s.mu.Lock()
		ct.ID = fmt.Sprintf("6a0c40a7b13e9d2c5%07d", len(s.ws.Contacts)+1)
		s.ws.Contacts = append(slices.Clone(s.ws.Contacts), ct)
		s.mu.Unlock()
		writeJSON(w, http.StatusCreated, map[string]any{"data": contactBody(ct)})
	}
}

// updateContact serves PATCH /v1/contacts/{id}: the names given are set
// (null clears one); a list given (phone numbers, emails, custom fields)
// replaces the contact's, an item with a null value left out, as the
// document says of a null.
func (s *Server) updateContact(r *http.Request, c *checks) http.HandlerFunc {
	var body contactBodyIn
	decodeBody(r, &body)
	return func(w http.ResponseWriter, r *http.Request) {
		ws := s.workspace()
		id := r.PathValue("id")
		s.mu.Lock()
		defer s.mu.Unlock()
		i := slices.IndexFunc(s.ws.Contacts, func(ct client.Contact) bool { return ct.ID == id })
		if i < 0 {
			writeError(w, r.Pattern, http.StatusNotFound, fmt.Sprintf("Contact %s not found", id))
			return
		}
		ct := s.ws.Contacts[i]
		if message, ok := body.apply(ws, &ct); !ok {
			writeDomainError(w, r.Pattern, http.StatusBadRequest, message)
			return
		}
		ct.UpdatedAt = time.Now().UTC().Truncate(time.Millisecond)
		s.ws.Contacts = slices.Clone(s.ws.Contacts)
		s.ws.Contacts[i] = ct
		writeJSON(w, http.StatusOK, map[string]any{"data": contactBody(ct)})
	}
}

// contactBodyIn is the body of a contact's POST or PATCH, with what was
// left out told apart from null.
type contactBodyIn struct {
	DefaultFields map[string]json.RawMessage `json:"defaultFields"`
	CustomFields  *[]client.CustomFieldWrite `json:"customFields"`
	ExternalID    json.RawMessage            `json:"externalId"`
	Source        json.RawMessage            `json:"source"`
	SourceURL     json.RawMessage            `json:"sourceUrl"`
}

// apply makes ct as b says, or says why the API would refuse b.
func (b contactBodyIn) apply(ws Workspace, ct *client.Contact) (string, bool) {
	str := func(raw json.RawMessage, into **string) {
		if raw != nil {
			var v *string
			json.Unmarshal(raw, &v)
			*into = v
		}
	}
	values := func(raw json.RawMessage, into *[]client.ContactValue, prefix string) {
		if raw == nil {
			return
		}
		var in []client.ContactValueWrite
		json.Unmarshal(raw, &in)
		out := []client.ContactValue{}
		for i, v := range in {
			if v.Value == nil {
				continue
			}
			id := v.ID
			if id == "" {
				id = fmt.Sprintf("%s%d%d", prefix, len(*into), i)
			}
			out = append(out, client.ContactValue{ID: id, Name: v.Name, Value: v.Value})
		}
		*into = out
	}
	d := &ct.DefaultFields
	str(b.DefaultFields["firstName"], &d.FirstName)
	str(b.DefaultFields["lastName"], &d.LastName)
	str(b.DefaultFields["company"], &d.Company)
	str(b.DefaultFields["role"], &d.Role)
	values(b.DefaultFields["phoneNumbers"], &d.PhoneNumbers, "ph")
	values(b.DefaultFields["emails"], &d.Emails, "em")
	if d.PhoneNumbers == nil {
		d.PhoneNumbers = []client.ContactValue{}
	}
	if d.Emails == nil {
		d.Emails = []client.ContactValue{}
	}
	str(b.ExternalID, &ct.ExternalID)
	str(b.Source, &ct.Source)
	str(b.SourceURL, &ct.SourceURL)
	if b.CustomFields != nil {
		custom := []client.ContactCustom{}
		for _, f := range *b.CustomFields {
			i := slices.IndexFunc(ws.CustomFields, func(cf client.CustomField) bool { return cf.Key == f.Key })
			if i < 0 {
				return fmt.Sprintf("No custom field has the key %q", f.Key), false
			}
			field := ws.CustomFields[i]
			if _, err := client.CustomValue(field.Type, f.Value); err != nil {
				return fmt.Sprintf("The value of %q is not a %s", f.Key, field.Type), false
			}
			if string(f.Value) == "null" {
				continue
			}
			id := f.ID
			if id == "" {
				id = "cf" + f.Key
			}
			custom = append(custom, client.ContactCustom{ID: id, Key: f.Key, Name: field.Name, Type: field.Type, Value: f.Value})
		}
		ct.CustomFields = custom
	}
	if ct.CustomFields == nil {
		ct.CustomFields = []client.ContactCustom{}
	}
	return "", true
}

// reservedSource reports whether the document reserves source for
// OpenPhone's own contacts: the API refuses to create a contact with it.
func reservedSource(source string) bool {
	return slices.Contains([]string{"openphone", "device", "csv", "zapier", "google-people", "other"}, source) ||
		strings.HasPrefix(source, "openphone") || strings.HasPrefix(source, "csv")
}
