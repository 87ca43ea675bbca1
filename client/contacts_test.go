package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

func TestCustomValue(t *testing.T) {
	date := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		typ, raw string
		want     any
		bad      bool
	}{
		{client.CustomBoolean, `true`, true, false},
		{client.CustomBoolean, `"false"`, false, false}, // as the document's examples send it
		{client.CustomNumber, `424242`, 424242.0, false},
		{client.CustomNumber, `"424242"`, 424242.0, false},
		{client.CustomNumber, `"4.5"`, 4.5, false},
		{client.CustomDate, `"2026-11-01T00:00:00.000Z"`, date, false},
		{client.CustomMultiSelect, `["a","b"]`, []string{"a", "b"}, false},
		{client.CustomString, `"hello"`, "hello", false},
		{client.CustomURL, `"https://example.com"`, "https://example.com", false},
		{client.CustomAddress, `"1 Main St"`, "1 Main St", false},
		{client.CustomString, `null`, nil, false},
		{client.CustomBoolean, `"maybe"`, `"maybe"`, true},
		{client.CustomNumber, `{"x":1}`, `{"x":1}`, true},
		{client.CustomDate, `"yesterday"`, `"yesterday"`, true},
		{"a-new-type", `"text"`, "text", false},
	} {
		got, err := client.CustomValue(tt.typ, json.RawMessage(tt.raw))
		if (err != nil) != tt.bad || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("CustomValue(%s, %s) = %#v, %v; want %#v (error %v)", tt.typ, tt.raw, got, err, tt.want, tt.bad)
		}
	}
}

// TestListContactsReadsTheDocumentsExample decodes the document's own
// example answer, whose custom fields send a boolean and a number as
// strings.
func TestListContactsReadsTheDocumentsExample(t *testing.T) {
	api := testkit.Demo(t)
	api.Inject(openphonetest.Fault{Path: "/v1/contacts", Status: http.StatusOK, Body: `{"data":[{"id":"664d0db69fcac7cf2e6ec","externalId":"664d0db69fcac7cf2e6ec","source":"public-api","sourceUrl":"https://openphone.co/contacts/664d0db69fcac7cf2e6ec",
		"defaultFields":{"company":"OpenPhone","emails":[{"name":"company email","value":"abc@example.com","id":"acb123"}],"firstName":"John","lastName":"Doe",
		"phoneNumbers":[{"name":"company phone","value":"+12345678901","id":"acb123"}],"role":"Sales"},
		"customFields":[{"name":"Inbound Lead","key":"inbound-lead","id":"66d0d87d534de8fd1c433ce9","type":"boolean","value":"false"},
			{"name":"Score","key":"score","id":"66d0d87d534de8fd1c433cea","type":"number","value":"424242"}],
		"createdAt":"2022-01-01T00:00:00Z","updatedAt":"2022-01-01T00:00:00Z","createdByUserId":"US123abc"}],"totalItems":1,"nextPageToken":null}`})
	c, _ := client.New(api.APIKey, client.WithBaseURL(api.URL))
	page, err := c.ListContacts(context.Background(), client.ListContactsParams{MaxResults: 10})
	if err != nil {
		t.Fatal(err)
	}
	ct := page.Data[0]
	if *ct.DefaultFields.FirstName != "John" || *ct.DefaultFields.PhoneNumbers[0].Value != "+12345678901" || page.NextPageToken != nil {
		t.Errorf("decoded %+v", ct)
	}
	for i, want := range []any{false, 424242.0} {
		if got, err := client.CustomValue(ct.CustomFields[i].Type, ct.CustomFields[i].Value); err != nil || got != want {
			t.Errorf("custom field %d: %v %v, want %v", i, got, err, want)
		}
	}
}

func TestContactParams(t *testing.T) {
	long := strings.Repeat("x", 76)
	for _, tt := range []struct {
		p     client.ListContactsParams
		kinds []client.Kind
	}{
		{client.ListContactsParams{MaxResults: 50}, nil},
		{client.ListContactsParams{MaxResults: 51}, []client.Kind{client.KindOutOfRange}},
		{client.ListContactsParams{MaxResults: 10, ExternalIDs: []string{"", long}, Sources: []string{"ok"}}, []client.Kind{client.KindLength, client.KindLength}},
	} {
		var verr client.ValidationError
		errors.As(tt.p.Validate(), &verr)
		var kinds []client.Kind
		for _, e := range verr {
			kinds = append(kinds, e.Kind)
		}
		if !reflect.DeepEqual(kinds, tt.kinds) {
			t.Errorf("%+v: %v, want kinds %v", tt.p, verr, tt.kinds)
		}
	}
	q := client.ListContactsParams{MaxResults: 5, ExternalIDs: []string{"a", "b"}, PageToken: "t"}.Query()
	if q.Encode() != "externalIds=a&externalIds=b&maxResults=5&pageToken=t" {
		t.Errorf("query %s", q.Encode())
	}
	if err := (client.GetContactParams{}).Validate(); err == nil {
		t.Error("an empty contact ID was accepted")
	}
}
