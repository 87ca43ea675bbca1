package tools

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// contactWrites counts the writes the fake received for contacts.
func (f writeFixture) contactWrites() int {
	n := 0
	for _, r := range f.api.Requests() {
		if strings.HasPrefix(r.Path, "/v1/contacts") && r.Method != "GET" {
			n++
		}
	}
	return n
}

// contact is the fake's contact id as it is now.
func (f writeFixture) contact(t *testing.T, id string) client.Contact {
	t.Helper()
	ct, err := f.client.GetContact(t.Context(), client.GetContactParams{ID: id})
	if err != nil {
		t.Fatal(err)
	}
	return *ct
}

// priya is the demo's contact Priya Raman, with a number and five custom
// fields.
func (f writeFixture) priya(t *testing.T) client.Contact {
	t.Helper()
	i := slices.IndexFunc(f.ws.Contacts, func(ct client.Contact) bool { return deref(ct.DefaultFields.FirstName) == "Priya" })
	if i < 0 {
		t.Fatal("the demo has no Priya")
	}
	return f.ws.Contacts[i]
}

func values(vs []client.ContactValue) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Name+" "+deref(v.Value))
	}
	return out
}

// TestContactWrites creates a contact and changes one through their
// confirmations: the previews say what is set, and each change before and
// after; a change keeps every number, email and custom field it does not
// name, though PATCH replaces the lists.
func TestContactWrites(t *testing.T) {
	f := newWriteFixture(t, nil)
	var previews []string
	do := func(tool string, args map[string]any) string {
		t.Helper()
		before := f.contactWrites()
		preview, code := f.preview(t, tool, args)
		previews = append(previews, codeRE.ReplaceAllString(preview, `confirm "<code>"`))
		if n := f.contactWrites() - before; n != 0 {
			t.Fatalf("%s: the preview wrote %d times", tool, n)
		}
		res := f.confirmed(t, tool, args, code)
		if res.IsError || f.contactWrites()-before != 1 {
			t.Fatalf("%s (%d writes): %s", tool, f.contactWrites()-before, text(res))
		}
		return text(res)
	}

	created := do("create_contact", map[string]any{
		"firstName": "Ana", "lastName": "Ruiz", "company": "Ruiz Bakery",
		"phoneNumbers": []any{map[string]any{"value": "(415) 555-0177"}, map[string]any{"value": "415 555 0178 ext. 12", "label": "work"}},
		"emails":       []any{map[string]any{"value": "ana@example.com"}},
		"customFields": []any{map[string]any{"key": "vip", "value": "true"}, map[string]any{"key": "Renewal date", "value": "2027-01-15"}},
	})
	id := regexp.MustCompile(`contact (\w+)`).FindStringSubmatch(created)[1]
	ana := f.contact(t, id)
	if got := values(ana.DefaultFields.PhoneNumbers); !slices.Equal(got, []string{"mobile +14155550177", "work +14155550178 ext. 12"}) {
		t.Errorf("created numbers %q", got)
	}
	if got := values(ana.DefaultFields.Emails); !slices.Equal(got, []string{"work ana@example.com"}) || deref(ana.Source) != "public-api" || len(ana.CustomFields) != 2 {
		t.Errorf("created %+v", ana)
	}

	priya := f.priya(t)
	do("update_contact", map[string]any{
		"id": priya.ID, "role": "Practice manager", "addPhoneNumbers": []any{map[string]any{"value": "+1 415 555 0199", "label": "home"}},
		"addEmails": []any{map[string]any{"value": "priya@ramandental.example"}}, "customFields": []any{map[string]any{"key": "lifetime-value", "value": 5000}},
	})
	after := f.contact(t, priya.ID)
	wantPhones := append(values(priya.DefaultFields.PhoneNumbers), "home +14155550199")
	if got := values(after.DefaultFields.PhoneNumbers); !slices.Equal(got, wantPhones) {
		t.Errorf("numbers after adding one: %q, want %q", got, wantPhones)
	}
	if got := values(after.DefaultFields.Emails); len(got) != len(priya.DefaultFields.Emails)+1 {
		t.Errorf("emails after adding one: %q", got)
	}
	if deref(after.DefaultFields.Role) != "Practice manager" || deref(after.DefaultFields.Company) != "Raman Dental" || deref(after.DefaultFields.FirstName) != "Priya" {
		t.Errorf("names after the change: %+v", after.DefaultFields)
	}
	if len(after.CustomFields) != len(priya.CustomFields) {
		t.Errorf("custom fields after setting one: %d, want %d kept", len(after.CustomFields), len(priya.CustomFields))
	}
	for _, cf := range after.CustomFields {
		if cf.Key == "lifetime-value" && string(cf.Value) != "5000" {
			t.Errorf("lifetime-value = %s", cf.Value)
		}
		if cf.Key == "notes" && !strings.Contains(string(cf.Value), "Prefers texts") {
			t.Errorf("the notes were lost: %s", cf.Value)
		}
	}

	do("update_contact", map[string]any{"id": priya.ID, "removePhoneNumbers": []any{"(415) 555-0199"}})
	if got := values(f.contact(t, priya.ID).DefaultFields.PhoneNumbers); !slices.Equal(got, values(priya.DefaultFields.PhoneNumbers)) {
		t.Errorf("numbers after removing the added one: %q", got)
	}
	// A contact whose numbers are stored as people typed them is changed
	// with them as they are.
	now := time.Now()
	f.api.AddContact(client.Contact{ID: "typed1", DefaultFields: client.ContactFields{FirstName: new("Lee"),
		PhoneNumbers: []client.ContactValue{{ID: "ph1", Name: "desk", Value: new("(415) 555-0133")}}, Emails: []client.ContactValue{}},
		CustomFields: []client.ContactCustom{}, CreatedAt: now, UpdatedAt: now, CreatedByUserID: f.ws.Users[0].ID})
	do("update_contact", map[string]any{"id": "typed1", "addPhoneNumbers": []any{map[string]any{"value": "415-555-0134", "label": "mobile"}}})
	if got := values(f.contact(t, "typed1").DefaultFields.PhoneNumbers); !slices.Equal(got, []string{"desk (415) 555-0133", "mobile +14155550134"}) {
		t.Errorf("numbers of the typed contact: %q", got)
	}
	golden(t, "contact_previews.txt", []byte(strings.Join(previews, "\n\n---\n\n")))
}

// TestContactWritesNeedAYes: declined in the person's form, nothing is
// written.
func TestContactWritesNeedAYes(t *testing.T) {
	f := askFixture(t, nil)
	priya := f.priya(t)
	for name, args := range map[string]map[string]any{
		"create_contact": {"firstName": "Ana", "phoneNumbers": []any{map[string]any{"value": "(415) 555-0177"}}},
		"update_contact": {"id": priya.ID, "firstName": "Pri"},
	} {
		var asked []string
		res, err := CallToolAsking(context.Background(), f.server, name, args, func(message string) bool {
			asked = append(asked, message)
			return false
		})
		if err != nil || res.IsError || len(asked) != 1 || !strings.Contains(text(res), "declined") {
			t.Fatalf("%s declined: err %v, asked %q:\n%s", name, err, asked, text(res))
		}
		if n := f.contactWrites(); n != 0 {
			t.Errorf("%s: %d writes after the person declined", name, n)
		}
	}
}

// TestAContactKeptElsewhereIsRefused: a contact whose source is another
// system is refused before anyone is asked, with no write request.
func TestAContactKeptElsewhereIsRefused(t *testing.T) {
	f := newWriteFixture(t, nil)
	now := time.Now()
	for _, source := range []string{"hubspot", "google-people", "device"} {
		id := "crm" + strings.ReplaceAll(source, "-", "")
		f.api.AddContact(client.Contact{ID: id, Source: new(source), SourceURL: new("https://crm.example/contacts/1"),
			DefaultFields: client.ContactFields{FirstName: new("Lee"), PhoneNumbers: []client.ContactValue{}, Emails: []client.ContactValue{}},
			CustomFields:  []client.ContactCustom{}, CreatedAt: now, UpdatedAt: now, CreatedByUserID: f.ws.Users[0].ID})
		res := call(t, f.server, "update_contact", map[string]any{"id": id, "role": "Buyer"})
		if !res.IsError || !strings.Contains(text(res), "comes from \""+source+"\"") || codeRE.MatchString(text(res)) {
			t.Errorf("%s: want a refusal without a code:\n%s", source, text(res))
		}
	}
	if n := f.contactWrites(); n != 0 {
		t.Errorf("%d contact writes for contacts kept elsewhere", n)
	}
	// The workspace's own contacts (public-api, the app, a CSV import) can
	// be changed.
	for _, source := range []string{"public-api", "csv-2026", ""} {
		ct := client.Contact{Source: new(source)}
		if source == "" {
			ct.Source = nil
		}
		if owner, kept := keptElsewhere(ct); kept {
			t.Errorf("source %q is said to be kept by %q", source, owner)
		}
	}
}

// TestBadContactWritesNeverReachOpenPhone: each argument error names the
// parameter, and nothing is written.
func TestBadContactWritesNeverReachOpenPhone(t *testing.T) {
	f := newWriteFixture(t, nil)
	priya := f.priya(t)
	for _, tc := range []struct {
		name  string
		tool  string
		args  map[string]any
		param string
	}{
		{"no name", "create_contact", map[string]any{"role": "Buyer"}, "firstName"},
		{"a fragment of a number", "create_contact", map[string]any{"firstName": "A", "phoneNumbers": []any{map[string]any{"value": "0192"}}}, "phoneNumbers[0].value"},
		{"not an email", "create_contact", map[string]any{"firstName": "A", "emails": []any{map[string]any{"value": "ana at example"}}}, "emails[0].value"},
		{"no such custom field", "create_contact", map[string]any{"firstName": "A", "customFields": []any{map[string]any{"key": "shoe-size", "value": 9}}}, "customFields[0].key"},
		{"a custom field of the wrong type", "create_contact", map[string]any{"firstName": "A", "customFields": []any{map[string]any{"key": "vip", "value": "maybe"}}}, "customFields[0].value"},
		{"no change", "update_contact", map[string]any{"id": priya.ID}, "changes"},
		{"a number it already has", "update_contact", map[string]any{"id": priya.ID, "addPhoneNumbers": []any{map[string]any{"value": deref(priya.DefaultFields.PhoneNumbers[0].Value)}}}, "addPhoneNumbers[0].value"},
		{"removing a number it does not have", "update_contact", map[string]any{"id": priya.ID, "removePhoneNumbers": []any{"+14155550100"}}, "removePhoneNumbers[0]"},
		{"no name left", "update_contact", map[string]any{"id": priya.ID, "firstName": "", "lastName": "", "company": ""}, "firstName"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := call(t, f.server, tc.tool, tc.args)
			if !res.IsError || !strings.Contains(text(res), tc.param) {
				t.Errorf("want an argument error naming %s:\n%s", tc.param, text(res))
			}
		})
	}
	res := call(t, f.server, "update_contact", map[string]any{"id": "nobody", "role": "x"})
	if !res.IsError || !strings.Contains(text(res), "no contact") || !strings.Contains(text(res), "find_contacts") {
		t.Errorf("an unknown contact:\n%s", text(res))
	}
	if n := f.contactWrites(); n != 0 {
		t.Errorf("%d contact writes reached OpenPhone", n)
	}
}

// TestContactPreviewHidesNoChange: a value longer than a name shows in a
// row (a company of 83 characters) is shown whole in a change's preview,
// so that one changed past its 80th character is not hidden.
func TestContactPreviewHidesNoChange(t *testing.T) {
	f := newWriteFixture(t, nil)
	const long = "Kim Family Dentistry and Orthodontics of the Greater San Francisco Bay Area, Inc."
	args := map[string]any{"firstName": "Ana", "company": long}
	_, code := f.preview(t, "create_contact", args)
	created := text(f.confirmed(t, "create_contact", args, code))
	id := regexp.MustCompile(`contact (\w+)`).FindStringSubmatch(created)[1]
	preview, _ := f.preview(t, "update_contact", map[string]any{"id": id, "company": strings.TrimSuffix(long, "Inc.") + "LLC",
		"addPhoneNumbers": []any{map[string]any{"value": "(415) 555-0177"}}})
	if !strings.Contains(preview, `company: "`+long+`" → "`+strings.TrimSuffix(long, "Inc.")+`LLC"`) {
		t.Errorf("the preview does not show the company's change whole:\n%s", preview)
	}
}

// TestContactPageConfirmsTheContactShown: a change confirmed on the
// server's page, after someone else edited the contact, is not sent: the
// PATCH, made of the contact as shown, would undo their edit.
func TestContactPageConfirmsTheContactShown(t *testing.T) {
	f := askFixture(t, nil)
	id := f.ws.Contacts[0].ID
	link := f.pageLink(t, "update_contact", map[string]any{"id": id, "role": "Practice manager"})
	// Meanwhile, someone adds an email in OpenPhone.
	ct := f.contact(t, id)
	edit := client.UpdateContactParams{ID: id, ContactWrite: ct.Write()}
	edit.DefaultFields.Emails = append(edit.DefaultFields.Emails, client.ContactValueWrite{Name: "work", Value: new("added@example.com")})
	if _, err := f.client.UpdateContact(t.Context(), edit); err != nil {
		t.Fatal(err)
	}
	before := f.contactWrites()
	if status, page := press(t, link, "yes", originOf(link)); status != http.StatusOK || !strings.Contains(page, "the contact changed in OpenPhone since") {
		t.Fatalf("the page's button: %d:\n%s", status, page)
	}
	if n := f.contactWrites() - before; n != 0 {
		t.Errorf("%d writes after the contact changed", n)
	}
	if got := values(f.contact(t, id).DefaultFields.Emails); !slices.Contains(got, "work added@example.com") {
		t.Errorf("the other edit was undone: %v", got)
	}
}
