package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// ContactWrite is the body of POST /v1/contacts and of PATCH
// /v1/contacts/{id}. The names are always sent (null when nil): a PATCH
// made of a contact read first, then changed, keeps every field as it was
// unless changed.
//
// OpenPhone's PATCH replaces the lists it is given (phone numbers, emails,
// custom fields); an item sent with its ID and a null value is removed,
// as the document says. A caller that changes one item must therefore
// send every other one too, as read: see Contact.Write.
type ContactWrite struct {
	DefaultFields ContactFieldsWrite `json:"defaultFields"`
	CustomFields  []CustomFieldWrite `json:"customFields,omitempty"`
	ExternalID    *string            `json:"externalId,omitempty"`
}

// ContactFieldsWrite are a contact's default fields as a write sends them.
type ContactFieldsWrite struct {
	FirstName    *string             `json:"firstName"`
	LastName     *string             `json:"lastName"`
	Company      *string             `json:"company"`
	Role         *string             `json:"role"`
	Emails       []ContactValueWrite `json:"emails"`
	PhoneNumbers []ContactValueWrite `json:"phoneNumbers"`
}

// MarshalJSON writes the fields, with no list as an empty one: the API
// takes a list there, never null.
func (f ContactFieldsWrite) MarshalJSON() ([]byte, error) {
	type plain ContactFieldsWrite
	if f.Emails == nil {
		f.Emails = []ContactValueWrite{}
	}
	if f.PhoneNumbers == nil {
		f.PhoneNumbers = []ContactValueWrite{}
	}
	return json.Marshal(plain(f))
}

// A ContactValueWrite is a labelled email or phone number as a write sends
// it. ID names an item the contact has; a nil Value with an ID removes it.
type ContactValueWrite struct {
	ID    string  `json:"id,omitempty"`
	Name  string  `json:"name"`
	Value *string `json:"value"`
}

// A CustomFieldWrite is a custom field's value as a write sends it, by the
// field's key; its JSON type follows the field's type (see CustomValue).
type CustomFieldWrite struct {
	Key   string          `json:"key"`
	ID    string          `json:"id,omitempty"`
	Value json.RawMessage `json:"value"`
}

// Write returns ct as a write that changes nothing: every field and item
// as it is, so that a PATCH made of it, then changed, drops nothing.
// Custom fields without a key cannot be written and are left out; the API
// keeps them.
func (ct Contact) Write() ContactWrite {
	d := ct.DefaultFields
	values := func(vs []ContactValue) []ContactValueWrite {
		out := make([]ContactValueWrite, 0, len(vs))
		for _, v := range vs {
			if v.Value != nil {
				out = append(out, ContactValueWrite(v))
			}
		}
		return out
	}
	w := ContactWrite{DefaultFields: ContactFieldsWrite{
		FirstName: d.FirstName, LastName: d.LastName, Company: d.Company, Role: d.Role,
		Emails: values(d.Emails), PhoneNumbers: values(d.PhoneNumbers),
	}}
	for _, f := range ct.CustomFields {
		if f.Key == "" {
			continue
		}
		value := f.Value
		if len(value) == 0 {
			value = json.RawMessage("null")
		}
		w.CustomFields = append(w.CustomFields, CustomFieldWrite{Key: f.Key, ID: f.ID, Value: value})
	}
	return w
}

// Limits of a contact write.
const (
	maxContactExtID   = 75
	MaxContactValues  = 20 // phone numbers, or emails, one contact keeps: ours, not the API's
	maxContactNameLen = 200
)

// CreateContactParams is the body of POST /v1/contacts.
type CreateContactParams struct {
	ContactWrite
}

// Validate reports every field the API would refuse, and a contact with
// nothing to call it by, as a ValidationError, or nil.
func (p CreateContactParams) Validate() error {
	var ps problems
	d := p.DefaultFields
	if strings.TrimSpace(deref(d.FirstName)+deref(d.LastName)+deref(d.Company)) == "" {
		ps.add(KindMissing, "firstName", nil, "is required, or lastName or company", "give the contact a name, or at least a company")
	}
	ps.contactWrite(p.ContactWrite)
	return ps.err()
}

// CreateContact creates a contact: POST /v1/contacts, once (see write). It
// validates p first and sends nothing if p is invalid. OpenPhone sets its
// source to "public-api".
func (c *Client) CreateContact(ctx context.Context, p CreateContactParams) (*Contact, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return writeOne[Contact](c, ctx, http.MethodPost, contactsPath, p.ContactWrite)
}

// UpdateContactParams is PATCH /v1/contacts/{id}: ID in the path, the body
// the contact as it should be.
type UpdateContactParams struct {
	ID string
	ContactWrite
}

// Validate reports every field the API would refuse, as a ValidationError,
// or nil.
func (p UpdateContactParams) Validate() error {
	var ps problems
	if p.ID == "" {
		ps.add(KindMissing, "id", nil, "is required", `give the contact's ID (e.g. "66d0d87e8dc1211467372303"); find_contacts finds it`)
	}
	ps.contactWrite(p.ContactWrite)
	return ps.err()
}

// UpdateContact changes a contact: PATCH /v1/contacts/{id}, once (see
// write). It validates p first and sends nothing if p is invalid.
func (c *Client) UpdateContact(ctx context.Context, p UpdateContactParams) (*Contact, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return writeOne[Contact](c, ctx, http.MethodPatch, contactsPath+"/"+url.PathEscape(p.ID), p.ContactWrite)
}

// contactWrite checks the fields of a contact write.
func (ps *problems) contactWrite(w ContactWrite) {
	d := w.DefaultFields
	for _, f := range []struct {
		param string
		v     *string
	}{{"firstName", d.FirstName}, {"lastName", d.LastName}, {"company", d.Company}, {"role", d.Role}} {
		if f.v != nil && utf8.RuneCountInString(*f.v) > maxContactNameLen {
			ps.add(KindLength, f.param, fmt.Sprintf("%d characters", utf8.RuneCountInString(*f.v)), "is too long", "shorten it to at most 200 characters")
		}
	}
	for _, list := range []struct {
		param string
		vs    []ContactValueWrite
		ok    func(string) bool
		want  string
	}{
		{"phoneNumbers", d.PhoneNumbers, func(v string) bool { n, _, _ := strings.Cut(v, " ext. "); return IsE164(n) }, `want an E.164 number (e.g. "+15555555555"), with " ext. 23" after it for an extension`},
		{"emails", d.Emails, isEmail, `want an email address (e.g. "ana@example.com")`},
	} {
		kept := 0
		seen := map[string]bool{}
		for i, v := range list.vs {
			param := fmt.Sprintf("%s[%d]", list.param, i)
			if strings.TrimSpace(v.Name) == "" {
				ps.add(KindMissing, param+".name", nil, "is required", `give the label, such as "mobile" or "work"`)
			}
			if v.Value == nil {
				if v.ID == "" {
					ps.add(KindMissing, param+".value", nil, "is required", "give the value; null only removes an item the contact has, by its id")
				}
				continue
			}
			kept++
			switch {
			case v.ID == "" && !list.ok(*v.Value): // an item the contact has goes back as it is stored
				ps.add(KindMalformed, param+".value", *v.Value, "is not valid", list.want)
			case seen[strings.ToLower(*v.Value)]:
				ps.add(KindConflict, param+".value", *v.Value, "is given twice", "give each once")
			}
			seen[strings.ToLower(*v.Value)] = true
		}
		if kept > MaxContactValues {
			ps.add(KindLength, list.param, fmt.Sprintf("%d items", kept), "is too long", "keep at most 20")
		}
	}
	for i, f := range w.CustomFields {
		if f.Key == "" {
			ps.add(KindMissing, fmt.Sprintf("customFields[%d].key", i), nil, "is required", "give the field's key; GET /v1/contact-custom-fields lists them")
		}
		if !json.Valid(f.Value) {
			ps.add(KindMalformed, fmt.Sprintf("customFields[%d].value", i), string(f.Value), "is not JSON", "give a string, number, boolean, list of strings or null")
		}
	}
	if w.ExternalID != nil {
		if n := utf8.RuneCountInString(*w.ExternalID); n < 1 || n > maxContactExtID {
			ps.add(KindLength, "externalId", *w.ExternalID, "is not 1 to 75 characters long", "give the ID the contact has in your other system, or leave it out")
		}
	}
}

// isEmail reports whether s has the form of an email address: one @, with
// something on each side and a dot in the domain, no spaces.
func isEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.ContainsAny(domain, "@") &&
		!strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' }) && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
