package tools

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/contacts"
)

const createContactDescription = `Create one contact: a name or a company; numbers in any format (no + reads as US), emails, custom fields. Each call creates one more: find_contacts first; update_contact changes an existing one.`

const updateContactDescription = `Change one contact (ID from find_contacts): set or clear names, company, role; add or remove numbers and emails; set custom fields. All else is kept. A contact kept by an integration (its source: a CRM, Google, a phone) is refused: change it there.`

// A contactValueInput is a phone number or email with its label.
type contactValueInput struct {
	Value string `json:"value" jsonschema:"minLength=1,description=The number or email."`
	Label string `json:"label,omitempty" jsonschema:"description=Default mobile (number)\\, work (email)."`
}

// A customFieldInput sets one custom field by its key.
type customFieldInput struct {
	Key   string `json:"key" jsonschema:"minLength=1,description=The field's key or name."`
	Value any    `json:"value" jsonschema:"description=Text\\, number\\, true/false\\, date (2026-12-04)\\, list of options; null clears."`
}

// createContactInput is the arguments of create_contact.
type createContactInput struct {
	FirstName    string              `json:"firstName,omitempty" jsonschema:"description=A name or a company is required."`
	LastName     string              `json:"lastName,omitempty" jsonschema:"description=Last name."`
	Company      string              `json:"company,omitempty" jsonschema:"description=Company name."`
	Role         string              `json:"role,omitempty" jsonschema:"description=Job title."`
	PhoneNumbers []contactValueInput `json:"phoneNumbers,omitempty" jsonschema:"maxItems=20,description=Any format."`
	Emails       []contactValueInput `json:"emails,omitempty" jsonschema:"maxItems=20,description=Email addresses."`
	CustomFields []customFieldInput  `json:"customFields,omitempty" jsonschema:"maxItems=50,description=By key or name."`
	ExternalID   string              `json:"externalId,omitempty" jsonschema:"maxLength=75,description=Its ID in another system."`
	confirmInput
}

var createContact = write[createContactInput, client.CreateContactParams]{
	name: "create_contact", title: "Create a contact", description: createContactDescription,
	annotations: mcp.ToolAnnotation{ReadOnlyHint: new(false), DestructiveHint: new(false), IdempotentHint: new(false), OpenWorldHint: new(true)},
	prepare: func(ctx context.Context, a *Account, in createContactInput) (plan[client.CreateContactParams], error) {
		var p client.CreateContactParams
		d := &p.DefaultFields
		d.FirstName, d.LastName, d.Company, d.Role = optional(in.FirstName), optional(in.LastName), optional(in.Company), optional(in.Role)
		var errs client.ValidationError
		d.PhoneNumbers, errs = contactPhones("phoneNumbers", in.PhoneNumbers, nil, errs)
		d.Emails, errs = contactEmails("emails", in.Emails, nil, errs)
		fields := a.contacts.Fields(ctx) // the workspace's custom fields: read once per call
		p.CustomFields, errs = customFieldValues(fields, in.CustomFields, errs)
		p.ExternalID = optional(in.ExternalID)
		if err := combine(errs, validationErrors(p.Validate())); err != nil {
			return plan[client.CreateContactParams]{}, err
		}
		lines := contactLines(client.ContactWrite{}, p.ContactWrite, fields, false)
		preview := "Create this contact?\n- " + strings.Join(lines, "\n- ")
		// The same number on another contact is said: it is perhaps the
		// same person, whom update_contact would change instead.
		view := a.contacts.View(ctx)
		for _, v := range d.PhoneNumbers {
			if others := view.Of(deref(v.Value)); len(others) > 0 {
				preview += "\nNote: " + spokenNumber(deref(v.Value)) + " is already the number of " + describeContacts(others) + "."
			}
		}
		return plan[client.CreateContactParams]{
			request: p, preview: preview,
			audit: []slog.Attr{slog.Int("phones", len(d.PhoneNumbers)), slog.Int("emails", len(d.Emails)), slog.Int("customFields", len(p.CustomFields))},
			check: "find_contacts finds the contact by name or number if it was created: look before creating it again.",
		}, nil
	},
	do: func(ctx context.Context, a *Account, p client.CreateContactParams) (string, string, error) {
		ct, err := a.client.CreateContact(ctx, p)
		if err != nil {
			return "", "", err
		}
		return fmt.Sprintf("Created contact %s: %s. get_contact reads it now; find_contacts and the names in other answers include it once the contact index is next rebuilt (by default within %d minutes). update_contact changes it.", fieldText(ct.ID), spokenContact(*ct), int(contacts.DefaultRefresh.Minutes())), ct.ID, nil
	},
}

// updateContactInput is the arguments of update_contact: the changes, any
// number at once.
type updateContactInput struct {
	ID                 string              `json:"id" jsonschema:"minLength=1,description=From find_contacts."`
	FirstName          *string             `json:"firstName,omitempty" jsonschema:"description=\"\" clears it."`
	LastName           *string             `json:"lastName,omitempty" jsonschema:"description=\"\" clears it."`
	Company            *string             `json:"company,omitempty" jsonschema:"description=\"\" clears it."`
	Role               *string             `json:"role,omitempty" jsonschema:"description=\"\" clears it."`
	AddPhoneNumbers    []contactValueInput `json:"addPhoneNumbers,omitempty" jsonschema:"maxItems=20,description=Any format; others are kept."`
	RemovePhoneNumbers []string            `json:"removePhoneNumbers,omitempty" jsonschema:"maxItems=20,description=Any format."`
	AddEmails          []contactValueInput `json:"addEmails,omitempty" jsonschema:"maxItems=20,description=Others are kept."`
	RemoveEmails       []string            `json:"removeEmails,omitempty" jsonschema:"maxItems=20,description=Emails to remove."`
	CustomFields       []customFieldInput  `json:"customFields,omitempty" jsonschema:"maxItems=50,description=To set; others are kept."`
	confirmInput
}

// A contactPatch is update_contact's request: the PATCH, and the contact
// as read when the person was shown it (Before). The PATCH replaces the
// contact's lists, so it is sent only to the contact it was made of: a
// confirmation on the server's page, minutes later, finds out first
// whether someone changed the contact since.
type contactPatch struct {
	client.UpdateContactParams
	Before client.ContactWrite `json:"before"`
}

var updateContact = write[updateContactInput, contactPatch]{
	name: "update_contact", title: "Change a contact", description: updateContactDescription,
	annotations: mcp.ToolAnnotation{ReadOnlyHint: new(false), DestructiveHint: new(false), IdempotentHint: new(true), OpenWorldHint: new(true)},
	advice:      map[string]string{"id": "find_contacts finds a contact's ID by name or number"},
	prepare: func(ctx context.Context, a *Account, in updateContactInput) (plan[contactPatch], error) {
		// The arguments are checked on an empty contact before it is read.
		fields := a.contacts.Fields(ctx) // the workspace's custom fields: read once per call
		if _, err := in.apply(client.Contact{ID: in.ID}, fields, true); err != nil {
			return plan[contactPatch]{}, err
		}
		ct, err := a.client.GetContact(ctx, client.GetContactParams{ID: in.ID})
		if apiStatus(err) == http.StatusNotFound {
			return plan[contactPatch]{}, explained("Nothing was changed: OpenPhone has no contact " + fieldText(in.ID) + " in this workspace (404 Not Found); find_contacts finds a contact's ID by name or number.")
		} else if err != nil {
			return plan[contactPatch]{}, err
		}
		if owner, kept := keptElsewhere(*ct); kept {
			where := ""
			if ct.SourceURL != nil {
				where = " (" + boundedQuote(*ct.SourceURL) + ")"
			}
			return plan[contactPatch]{}, explained(fmt.Sprintf("Nothing was changed: %s comes from %s (its source), which keeps it: a change made here would be overwritten there, and the Quo app shows such contacts read-only. Change it in %s%s; or create_contact makes a contact of the workspace's own.",
				spokenContact(*ct), spokenQuote(owner, maxNameRunes), spokenQuote(owner, maxNameRunes), where))
		}
		p, err := in.apply(*ct, fields, false)
		if err != nil {
			return plan[contactPatch]{}, err
		}
		before := ct.Write()
		lines := contactLines(before, p.ContactWrite, fields, true)
		if len(lines) == 0 {
			return plan[contactPatch]{}, client.ValidationError{{Kind: client.KindMissing, Param: "changes", Problem: "change nothing: the contact is already so", Want: "give at least one change it does not have yet"}}
		}
		return plan[contactPatch]{
			request: contactPatch{p, before}, preview: fmt.Sprintf("Change the contact %s (ID %s)?\n- %s\nEverything else stays as it is.", spokenContact(*ct), spokenID(ct.ID), strings.Join(lines, "\n- ")),
			audit: []slog.Attr{slog.String("contact", ct.ID), slog.Int("changes", len(lines))},
			check: "get_contact shows the contact as it is now.",
		}, nil
	},
	do: func(ctx context.Context, a *Account, p contactPatch) (string, string, error) {
		if now, err := a.client.GetContact(ctx, client.GetContactParams{ID: p.ID}); err != nil {
			return "", "", err
		} else if canonical(now.Write()) != canonical(p.Before) {
			return "", "", explained("Nothing was changed: the contact changed in OpenPhone since the person was shown the change (someone edited it). Call update_contact again for a new preview of it as it is now.")
		}
		ct, err := a.client.UpdateContact(ctx, p.UpdateContactParams)
		if err != nil {
			return "", "", err
		}
		return fmt.Sprintf("Changed contact %s: %s. get_contact shows it now; find_contacts and the names in other answers show the change once the contact index is next rebuilt (by default within %d minutes).", fieldText(ct.ID), spokenContact(*ct), int(contacts.DefaultRefresh.Minutes())), ct.ID, nil
	},
}

// apply returns the PATCH that makes in's changes to ct, keeping the rest
// of it as it is, or every argument that is wrong. check checks the
// arguments alone (ct is not read yet): a removal is not matched.
func (in updateContactInput) apply(ct client.Contact, fields []client.CustomField, check bool) (client.UpdateContactParams, error) {
	p := client.UpdateContactParams{ID: in.ID, ContactWrite: ct.Write()}
	d := &p.DefaultFields
	for _, f := range []struct {
		in   *string
		into **string
	}{{in.FirstName, &d.FirstName}, {in.LastName, &d.LastName}, {in.Company, &d.Company}, {in.Role, &d.Role}} {
		if f.in != nil {
			*f.into = optional(strings.TrimSpace(*f.in))
		}
	}
	var errs client.ValidationError
	d.PhoneNumbers, errs = removeValues("removePhoneNumbers", d.PhoneNumbers, in.RemovePhoneNumbers, samePhone, check, errs)
	d.PhoneNumbers, errs = contactPhones("addPhoneNumbers", in.AddPhoneNumbers, d.PhoneNumbers, errs)
	d.Emails, errs = removeValues("removeEmails", d.Emails, in.RemoveEmails, strings.EqualFold, check, errs)
	d.Emails, errs = contactEmails("addEmails", in.AddEmails, d.Emails, errs)
	var set []client.CustomFieldWrite
	set, errs = customFieldValues(fields, in.CustomFields, errs)
	for _, f := range set {
		if i := slices.IndexFunc(p.CustomFields, func(c client.CustomFieldWrite) bool { return c.Key == f.Key }); i >= 0 {
			f.ID = p.CustomFields[i].ID
			p.CustomFields[i] = f
		} else {
			p.CustomFields = append(p.CustomFields, f)
		}
	}
	if in.FirstName == nil && in.LastName == nil && in.Company == nil && in.Role == nil && len(in.AddPhoneNumbers)+len(in.RemovePhoneNumbers)+len(in.AddEmails)+len(in.RemoveEmails)+len(in.CustomFields) == 0 {
		errs = append(errs, client.InvalidParam{Kind: client.KindMissing, Param: "changes", Problem: "are required", Want: "give at least one: firstName, lastName, company, role, addPhoneNumbers, removePhoneNumbers, addEmails, removeEmails or customFields"})
	}
	if !check {
		fullName := strings.TrimSpace(deref(d.FirstName) + deref(d.LastName) + deref(d.Company))
		hadName := strings.TrimSpace(deref(ct.DefaultFields.FirstName)+deref(ct.DefaultFields.LastName)+deref(ct.DefaultFields.Company)) != ""
		if fullName == "" && hadName {
			errs = append(errs, client.InvalidParam{Kind: client.KindConflict, Param: "firstName", Problem: "would leave the contact with no name and no company", Want: "keep a name or a company"})
		}
	}
	if err := combine(errs, validationErrors(p.Validate())); err != nil {
		return p, err
	}
	return p, nil
}

// removeValues marks the items of have that remove names for removal (a
// null value, by their ID), or says which of remove the contact does not
// have. check checks remove alone.
func removeValues(param string, have []client.ContactValueWrite, remove []string, same func(a, b string) bool, check bool, errs client.ValidationError) ([]client.ContactValueWrite, client.ValidationError) {
	for i, r := range remove {
		if strings.TrimSpace(r) == "" {
			errs = append(errs, client.InvalidParam{Kind: client.KindMissing, Param: fmt.Sprintf("%s[%d]", param, i), Problem: "is empty", Want: "give a value the contact has"})
			continue
		}
		if check {
			continue
		}
		j := slices.IndexFunc(have, func(v client.ContactValueWrite) bool { return v.Value != nil && same(*v.Value, r) })
		if j < 0 {
			var has []string
			for _, v := range have {
				if v.Value != nil {
					has = append(has, strconv.Quote(*v.Value))
				}
			}
			want := "the contact has none"
			if len(has) > 0 {
				want = "the contact has " + strings.Join(has, ", ")
			}
			errs = append(errs, client.InvalidParam{Kind: client.KindConflict, Param: fmt.Sprintf("%s[%d]", param, i), Value: r, Problem: "is not one of the contact's", Want: want})
			continue
		}
		have = slices.Clone(have)
		if have[j].ID == "" {
			have = slices.Delete(have, j, j+1)
		} else {
			have[j].Value = nil
		}
	}
	return have, errs
}

// samePhone reports whether two phone numbers, as stored or given, are
// the same number.
func samePhone(a, b string) bool {
	na, okA := contacts.Parse(a, "")
	nb, okB := contacts.Parse(b, "")
	if okA && okB {
		return na == nb
	}
	return strings.TrimSpace(a) == strings.TrimSpace(b)
}

// contactPhones appends the numbers of in to have, each in E.164 (with
// " ext. N" for an extension), labelled, or says why not, under param.
func contactPhones(param string, in []contactValueInput, have []client.ContactValueWrite, errs client.ValidationError) ([]client.ContactValueWrite, client.ValidationError) {
	for i, v := range in {
		n, ok := contacts.Parse(v.Value, "")
		if !ok {
			errs = append(errs, client.InvalidParam{Kind: client.KindMalformed, Param: fmt.Sprintf("%s[%d].value", param, i), Value: v.Value, Problem: "is not a valid phone number", Want: `give a whole number, with its country code when it is not a US number (e.g. "+44 20 7946 0958")`})
			continue
		}
		value := n.E164
		if n.Extension != "" {
			value += " ext. " + n.Extension
		}
		if slices.ContainsFunc(have, func(h client.ContactValueWrite) bool { return h.Value != nil && samePhone(*h.Value, value) }) {
			errs = append(errs, client.InvalidParam{Kind: client.KindConflict, Param: fmt.Sprintf("%s[%d].value", param, i), Value: v.Value, Problem: "is already one of the contact's numbers", Want: "give each number once"})
			continue
		}
		have = append(slices.Clone(have), client.ContactValueWrite{Name: cmp.Or(strings.TrimSpace(v.Label), "mobile"), Value: &value})
	}
	return have, errs
}

// contactEmails appends the emails of in to have, labelled, or says why
// not, under param.
func contactEmails(param string, in []contactValueInput, have []client.ContactValueWrite, errs client.ValidationError) ([]client.ContactValueWrite, client.ValidationError) {
	for i, v := range in {
		value := strings.TrimSpace(v.Value)
		if slices.ContainsFunc(have, func(h client.ContactValueWrite) bool { return h.Value != nil && strings.EqualFold(*h.Value, value) }) {
			errs = append(errs, client.InvalidParam{Kind: client.KindConflict, Param: fmt.Sprintf("%s[%d].value", param, i), Value: v.Value, Problem: "is already one of the contact's emails", Want: "give each email once"})
			continue
		}
		have = append(slices.Clone(have), client.ContactValueWrite{Name: cmp.Or(strings.TrimSpace(v.Label), "work"), Value: &value})
	}
	return have, errs
}

// customFieldValues turns each of in into the value its field's type
// takes, or says why not: the key must name one of fields.
func customFieldValues(fields []client.CustomField, in []customFieldInput, errs client.ValidationError) ([]client.CustomFieldWrite, client.ValidationError) {
	var out []client.CustomFieldWrite
	for i, f := range in {
		param := fmt.Sprintf("customFields[%d]", i)
		j := slices.IndexFunc(fields, func(cf client.CustomField) bool { return cf.Key == f.Key || strings.EqualFold(cf.Name, f.Key) })
		if j < 0 {
			var keys []string
			for _, cf := range fields {
				keys = append(keys, fmt.Sprintf("%s (%s, %s)", cf.Key, cf.Name, cf.Type))
			}
			errs = append(errs, client.InvalidParam{Kind: client.KindMalformed, Param: param + ".key", Value: f.Key, Problem: "is not a custom field of this workspace", Want: "want one of: " + cmp.Or(strings.Join(keys, "; "), "(the workspace has none)")})
			continue
		}
		field := fields[j]
		raw, ok := customRaw(field.Type, f.Value)
		if !ok {
			errs = append(errs, client.InvalidParam{Kind: client.KindMalformed, Param: param + ".value", Value: f.Value, Problem: "is not a value of a " + field.Type + " field", Want: customWant[field.Type]})
			continue
		}
		if slices.ContainsFunc(out, func(w client.CustomFieldWrite) bool { return w.Key == field.Key }) {
			errs = append(errs, client.InvalidParam{Kind: client.KindConflict, Param: param + ".key", Value: f.Key, Problem: "is given twice", Want: "set each field once"})
			continue
		}
		out = append(out, client.CustomFieldWrite{Key: field.Key, Value: raw})
	}
	return out, errs
}

var customWant = map[string]string{
	client.CustomBoolean:     "want true or false",
	client.CustomNumber:      "want a number, e.g. 42",
	client.CustomDate:        `want a date, e.g. "2026-12-04", or a date-time`,
	client.CustomMultiSelect: `want a list of options, e.g. ["lead"]`,
}

// customRaw is v as a field of typ takes it, in JSON.
func customRaw(typ string, v any) (json.RawMessage, bool) {
	if v == nil {
		return json.RawMessage("null"), true
	}
	s, isString := v.(string)
	var out any
	switch typ {
	case client.CustomBoolean:
		switch b := v.(type) {
		case bool:
			out = b
		case string:
			parsed, err := strconv.ParseBool(strings.TrimSpace(b))
			if err != nil {
				return nil, false
			}
			out = parsed
		default:
			return nil, false
		}
	case client.CustomNumber:
		switch n := v.(type) {
		case float64:
			out = n
		case json.Number:
			out = n
		case string:
			f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
			if err != nil {
				return nil, false
			}
			out = f
		default:
			return nil, false
		}
	case client.CustomDate:
		if !isString {
			return nil, false
		}
		s = strings.TrimSpace(s)
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			if t, err = time.Parse(time.DateOnly, s); err != nil {
				return nil, false
			}
		}
		out = t.UTC().Format("2006-01-02T15:04:05.000Z")
	case client.CustomMultiSelect:
		switch l := v.(type) {
		case string:
			out = []string{l}
		case []any:
			options := make([]string, len(l))
			for i, o := range l {
				str, ok := o.(string)
				if !ok {
					return nil, false
				}
				options[i] = str
			}
			out = options
		default:
			return nil, false
		}
	default: // string, address, url
		if !isString {
			return nil, false
		}
		out = s
	}
	raw, err := json.Marshal(out)
	return raw, err == nil
}

// contactLines says, a line each, what a write makes of a contact: with
// changes, each field that differs from before, before and after; else
// each field it sets.
func contactLines(before, after client.ContactWrite, fields []client.CustomField, changes bool) []string {
	var lines []string
	// Whether a field changes is told by its values whole; they are shown
	// whole too, up to maxWrittenRunes, so that no change is hidden by a
	// cut.
	say := func(what, was, is string) {
		switch {
		case !changes && is != "":
			lines = append(lines, what+": "+is)
		case changes && was != is:
			lines = append(lines, what+": "+cmp.Or(was, "(none)")+" → "+cmp.Or(is, "(none)"))
		}
	}
	b, a := before.DefaultFields, after.DefaultFields
	name := func(s *string) string {
		if deref(s) == "" {
			return ""
		}
		return spokenQuote(*s, maxWrittenRunes)
	}
	say("first name", name(b.FirstName), name(a.FirstName))
	say("last name", name(b.LastName), name(a.LastName))
	say("company", name(b.Company), name(a.Company))
	say("role", name(b.Role), name(a.Role))
	list := func(vs []client.ContactValueWrite, phone bool) string {
		var out []string
		for _, v := range vs {
			if v.Value == nil {
				continue
			}
			value := spokenQuote(*v.Value, maxWrittenRunes)
			if number, ext, _ := strings.Cut(*v.Value, " ext. "); phone && client.IsE164(number) {
				value = spokenNumber(number)
				if ext != "" {
					value += " ext. " + spokenID(ext)
				}
			}
			out = append(out, spokenQuote(v.Name, maxWrittenRunes)+" "+value)
		}
		return strings.Join(out, ", ")
	}
	say("phone numbers", list(b.PhoneNumbers, true), list(a.PhoneNumbers, true))
	say("emails", list(b.Emails, false), list(a.Emails, false))
	rawCustom := func(w client.ContactWrite, key string) string {
		i := slices.IndexFunc(w.CustomFields, func(f client.CustomFieldWrite) bool { return f.Key == key })
		if i < 0 || string(w.CustomFields[i].Value) == "null" {
			return ""
		}
		return string(w.CustomFields[i].Value)
	}
	custom := func(raw string) string {
		if raw == "" {
			return ""
		}
		return spokenCustom(json.RawMessage(raw))
	}
	for _, f := range after.CustomFields {
		label := f.Key
		if i := slices.IndexFunc(fields, func(cf client.CustomField) bool { return cf.Key == f.Key }); i >= 0 {
			label = fields[i].Name
		}
		was, is := rawCustom(before, f.Key), rawCustom(after, f.Key)
		shownWas, shownIs := custom(was), custom(is)
		if was != is && shownWas == shownIs { // alike as far as shown
			shownIs += fmt.Sprintf(" (changed past its first %d characters)", maxWrittenRunes)
		}
		say("custom field "+spokenQuote(label, maxNameRunes), shownWas, shownIs)
	}
	if !changes && after.ExternalID != nil {
		say("external ID", "", spokenQuote(*after.ExternalID, maxWrittenRunes))
	}
	return lines
}

// maxWrittenRunes bounds a value a write preview shows: far above what a
// contact's fields hold (names 200), so that what the person confirms is
// shown whole; a value longer still (a custom text field) is cut, and its
// line is shown whenever the value changes at all.
const maxWrittenRunes = 4000

// keptElsewhere says whether ct is kept by another system that syncs it
// into OpenPhone, and which: its source names an integration (a CRM, or
// OpenPhone's own Google and device syncs). The API document marks no
// contact read-only and gives no editable flag, so this is read from
// source alone. A contact made in the app (no source), through this API
// ("public-api"), by a CSV import or by OpenPhone itself is the
// workspace's own, and may be changed.
func keptElsewhere(ct client.Contact) (string, bool) {
	source := strings.TrimSpace(deref(ct.Source))
	lower := strings.ToLower(source)
	switch {
	case source == "", lower == "public-api", lower == "other", lower == "zapier",
		strings.HasPrefix(lower, "openphone"), strings.HasPrefix(lower, "csv"):
		return "", false
	}
	return source, true
}

// optional is s, or nil when it is "".
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// spokenCustom writes a custom field's value for a person: text quoted, a
// date as its day when it has no time, options each quoted, else its JSON.
func spokenCustom(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return spokenQuote(string(raw), maxWrittenRunes)
	}
	switch v := v.(type) {
	case string:
		if t, err := time.Parse(time.RFC3339, v); err == nil && t.Equal(t.Truncate(24*time.Hour)) {
			return t.Format(time.DateOnly)
		}
		return spokenQuote(v, maxWrittenRunes)
	case []any:
		options := make([]string, len(v))
		for i, o := range v {
			options[i] = spokenQuote(fmt.Sprint(o), maxWrittenRunes)
		}
		return strings.Join(options, ", ")
	case bool, float64:
		return string(raw)
	}
	return spokenQuote(string(raw), maxWrittenRunes)
}
