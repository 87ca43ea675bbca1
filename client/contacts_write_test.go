package client

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
)

// TestContactWritesValidate: what the API would refuse, and a contact with
// nothing to call it by, are refused by name before any request.
func TestContactWritesValidate(t *testing.T) {
	s := func(v string) *string { return &v }
	ok := ContactWrite{DefaultFields: ContactFieldsWrite{FirstName: s("Ana"),
		PhoneNumbers: []ContactValueWrite{{Name: "mobile", Value: s("+14155550177")}, {Name: "work", Value: s("+14155550178 ext. 12")}, {ID: "ph1", Name: "old", Value: nil}},
		Emails:       []ContactValueWrite{{Name: "work", Value: s("ana@example.com")}}}}
	// Items the contact has go back as stored, in any format.
	ok.DefaultFields.PhoneNumbers = append(ok.DefaultFields.PhoneNumbers, ContactValueWrite{ID: "ph2", Name: "desk", Value: s("(415) 555-0133")})
	if err := (CreateContactParams{ok}).Validate(); err != nil {
		t.Errorf("a valid contact: %v", err)
	}
	for _, tc := range []struct {
		name  string
		p     interface{ Validate() error }
		param string
	}{
		{"no name", CreateContactParams{ContactWrite{DefaultFields: ContactFieldsWrite{Role: s("Buyer")}}}, "firstName"},
		{"a number not in E.164", CreateContactParams{ContactWrite{DefaultFields: ContactFieldsWrite{FirstName: s("A"), PhoneNumbers: []ContactValueWrite{{Name: "m", Value: s("4155550177")}}}}}, "phoneNumbers[0].value"},
		{"an unlabelled email", CreateContactParams{ContactWrite{DefaultFields: ContactFieldsWrite{FirstName: s("A"), Emails: []ContactValueWrite{{Value: s("a@example.com")}}}}}, "emails[0].name"},
		{"not an email", CreateContactParams{ContactWrite{DefaultFields: ContactFieldsWrite{FirstName: s("A"), Emails: []ContactValueWrite{{Name: "w", Value: s("a@b")}}}}}, "emails[0].value"},
		{"a null with no ID", CreateContactParams{ContactWrite{DefaultFields: ContactFieldsWrite{FirstName: s("A"), Emails: []ContactValueWrite{{Name: "w"}}}}}, "emails[0].value"},
		{"a number twice", CreateContactParams{ContactWrite{DefaultFields: ContactFieldsWrite{FirstName: s("A"), PhoneNumbers: []ContactValueWrite{{Name: "m", Value: s("+14155550177")}, {Name: "w", Value: s("+14155550177")}}}}}, "phoneNumbers[1].value"},
		{"a custom field without a key", CreateContactParams{ContactWrite{DefaultFields: ContactFieldsWrite{FirstName: s("A")}, CustomFields: []CustomFieldWrite{{Value: json.RawMessage(`1`)}}}}, "customFields[0].key"},
		{"a long externalId", CreateContactParams{ContactWrite{DefaultFields: ContactFieldsWrite{FirstName: s("A")}, ExternalID: s(string(make([]byte, 76)))}}, "externalId"},
		{"no ID", UpdateContactParams{ContactWrite: ok}, "id"},
	} {
		var verr ValidationError
		if err := tc.p.Validate(); !errors.As(err, &verr) || !slices.ContainsFunc(verr, func(p InvalidParam) bool { return p.Param == tc.param }) {
			t.Errorf("%s: want an error of %s, got %v", tc.name, tc.param, err)
		}
	}
}

// TestContactWriteKeepsEverything: a contact read, written back unchanged,
// sends each item and custom field it has, with their IDs.
func TestContactWriteKeepsEverything(t *testing.T) {
	s := func(v string) *string { return &v }
	ct := Contact{ID: "c1", DefaultFields: ContactFields{FirstName: s("Ana"), Company: s("Acme"),
		PhoneNumbers: []ContactValue{{ID: "ph1", Name: "mobile", Value: s("+14155550177")}, {ID: "ph2", Name: "old"}},
		Emails:       []ContactValue{{ID: "em1", Name: "work", Value: s("a@example.com")}}},
		CustomFields: []ContactCustom{{ID: "cf1", Key: "vip", Name: "VIP", Type: CustomBoolean, Value: json.RawMessage(`true`)}, {Name: "no key"}}}
	raw, _ := json.Marshal(ct.Write())
	want := `{"defaultFields":{"firstName":"Ana","lastName":null,"company":"Acme","role":null,"emails":[{"id":"em1","name":"work","value":"a@example.com"}],"phoneNumbers":[{"id":"ph1","name":"mobile","value":"+14155550177"}]},"customFields":[{"key":"vip","id":"cf1","value":true}]}`
	if string(raw) != want {
		t.Errorf("written back:\n%s\nwant:\n%s", raw, want)
	}
}
