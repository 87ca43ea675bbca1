package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"
)

// Limits of GET /v1/contacts.
const (
	DefaultContactsPerPage = 10
	MaxContactsPerPage     = 50
	maxContactFilters      = 75 // characters in an externalId or a source
	contactsPath           = "/v1/contacts"
	customFieldsPath       = "/v1/contact-custom-fields"
)

// ListContactsParams is the query of GET /v1/contacts, parameter for
// parameter. The API cannot filter by number, name or email: without
// ExternalIDs or Sources, every contact of the workspace is listed.
type ListContactsParams struct {
	ExternalIDs []string // only contacts created with one of these externalIds
	Sources     []string // only contacts with one of these sources, such as "public-api"
	MaxResults  int      // 1 to 50
	PageToken   string
}

// Validate reports every parameter the API would reject, as a
// ValidationError, or nil.
func (p ListContactsParams) Validate() error {
	var ps problems
	for _, list := range []struct {
		param  string
		values []string
	}{{"externalIds", p.ExternalIDs}, {"sources", p.Sources}} {
		for i, v := range list.values {
			if n := utf8.RuneCountInString(v); n < 1 || n > maxContactFilters {
				ps.add(KindLength, fmt.Sprintf("%s[%d]", list.param, i), v, "is not 1 to 75 characters long", "give each value as it was set on the contact")
			}
		}
	}
	ps.maxResults(p.MaxResults, MaxContactsPerPage)
	return ps.err()
}

// Query encodes p: arrays as repeated keys, maxResults always.
func (p ListContactsParams) Query() url.Values {
	q := query{"externalIds": p.ExternalIDs, "sources": p.Sources, "maxResults": {strconv.Itoa(p.MaxResults)}}
	q.set("pageToken", p.PageToken)
	return q.values()
}

// GetContactParams is the path of GET /v1/contacts/{id}. Contact IDs have
// no prefix: any string but the empty one.
type GetContactParams struct {
	ID string
}

// Validate reports an ID the API would reject, as a ValidationError.
func (p GetContactParams) Validate() error {
	var ps problems
	if p.ID == "" {
		ps.add(KindMissing, "id", nil, "is required", `give a contact's ID (e.g. "66d0d87e8dc1211467372303")`)
	}
	return ps.err()
}

// A Contact is a person or business in the workspace's contacts. Any of
// its names, and any number or email value, may be null: nulls decode to
// nil and are left out when encoded again.
type Contact struct {
	ID              string          `json:"id"` // no prefix
	ExternalID      *string         `json:"externalId,omitempty"`
	Source          *string         `json:"source,omitempty"`
	SourceURL       *string         `json:"sourceUrl,omitempty"`
	DefaultFields   ContactFields   `json:"defaultFields"`
	CustomFields    []ContactCustom `json:"customFields"`
	CreatedAt       time.Time       `json:"createdAt"`
	UpdatedAt       time.Time       `json:"updatedAt"`
	CreatedByUserID string          `json:"createdByUserId"`
}

// ContactFields are the fields every contact has.
type ContactFields struct {
	FirstName    *string        `json:"firstName,omitempty"`
	LastName     *string        `json:"lastName,omitempty"`
	Company      *string        `json:"company,omitempty"`
	Role         *string        `json:"role,omitempty"`
	Emails       []ContactValue `json:"emails"`
	PhoneNumbers []ContactValue `json:"phoneNumbers"` // stored as people typed them: not always E.164
}

// A ContactValue is a labelled email or phone number of a contact.
type ContactValue struct {
	ID    string  `json:"id,omitempty"`
	Name  string  `json:"name"` // the label, such as "mobile"
	Value *string `json:"value,omitempty"`
}

// A ContactCustom is a contact's value of a custom field. Value's JSON type
// follows Type: see CustomValue.
type ContactCustom struct {
	ID    string          `json:"id,omitempty"`
	Key   string          `json:"key,omitempty"`
	Name  string          `json:"name"`
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// The types of custom field.
const (
	CustomAddress     = "address"
	CustomBoolean     = "boolean"
	CustomDate        = "date"
	CustomMultiSelect = "multi-select"
	CustomNumber      = "number"
	CustomString      = "string"
	CustomURL         = "url"
)

// CustomValue reads a custom field's value as its type says: a bool, a
// float64, a time.Time (date), a []string (multi-select) or a string; nil
// for null. The document's examples send booleans and numbers as strings,
// which are read too. A value that matches no reading is returned as its
// JSON text, with an error.
func CustomValue(typ string, raw json.RawMessage) (any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	quoted := json.Unmarshal(raw, &s) == nil
	switch typ {
	case CustomBoolean:
		var b bool
		if json.Unmarshal(raw, &b) == nil {
			return b, nil
		}
		if v, err := strconv.ParseBool(s); quoted && err == nil {
			return v, nil
		}
	case CustomNumber:
		var f float64
		if json.Unmarshal(raw, &f) == nil {
			return f, nil
		}
		if v, err := strconv.ParseFloat(s, 64); quoted && err == nil {
			return v, nil
		}
	case CustomDate:
		if t, err := time.Parse(time.RFC3339, s); quoted && err == nil {
			return t, nil
		}
	case CustomMultiSelect:
		var list []string
		if json.Unmarshal(raw, &list) == nil {
			return list, nil
		}
	default:
		if quoted {
			return s, nil
		}
	}
	return string(raw), fmt.Errorf("a %s custom field holds %s", typ, raw)
}

// A CustomField is one of the workspace's custom contact fields.
type CustomField struct {
	Name string `json:"name"` // as set in the Quo app
	Key  string `json:"key"`
	Type string `json:"type"`
}

// A ContactPage is one page of GET /v1/contacts.
type ContactPage = Page[Contact]

// ListContacts fetches one page of contacts. It validates p first and
// sends nothing if p is invalid.
func (c *Client) ListContacts(ctx context.Context, p ListContactsParams) (*ContactPage, error) {
	return list[Contact](c, ctx, contactsPath, p)
}

// GetContact fetches one contact by its ID.
func (c *Client) GetContact(ctx context.Context, p GetContactParams) (*Contact, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return getOne[Contact](c, ctx, contactsPath+"/"+url.PathEscape(p.ID))
}

// ListCustomFields fetches the workspace's custom contact fields.
func (c *Client) ListCustomFields(ctx context.Context) ([]CustomField, error) {
	page, err := list[CustomField](c, ctx, customFieldsPath, noQuery{})
	if err != nil {
		return nil, err
	}
	return page.Data, nil
}

// noQuery is the query of an endpoint that takes none.
type noQuery struct{}

func (noQuery) Validate() error   { return nil }
func (noQuery) Query() url.Values { return nil }
