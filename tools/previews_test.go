package tools

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/contacts"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// previewAccount is an account on ws, served by the strict fake, that
// waits for its contacts to be indexed.
func previewAccount(t *testing.T, ws openphonetest.Workspace) (*Account, *openphonetest.Server) {
	t.Helper()
	api, c := testkit.NewAPI(t, ws, client.WithRateLimit(1000))
	return NewAccount(t.Context(), c, contacts.WithWait(time.Minute)), api
}

// recipientWorkspace is the demo with a line in London, a contact whose
// only number has an extension, and one with two numbers.
func recipientWorkspace() openphonetest.Workspace {
	ws := openphonetest.DemoWorkspace()
	ws.Lines = append(ws.Lines, openphonetest.Line{ID: "PNlondon001", Number: "+442079460000", Name: "London", UserIDs: []string{ws.Users[0].ID}})
	contact := func(id, first, last string, numbers ...string) client.Contact {
		ct := client.Contact{ID: id, DefaultFields: client.ContactFields{FirstName: new(first), LastName: new(last), Emails: []client.ContactValue{}},
			CustomFields: []client.ContactCustom{}, CreatedAt: openphonetest.DemoEpoch, UpdatedAt: openphonetest.DemoEpoch, CreatedByUserID: ws.Users[0].ID}
		for _, n := range numbers {
			ct.DefaultFields.PhoneNumbers = append(ct.DefaultFields.PhoneNumbers, client.ContactValue{Name: "work", Value: new(n)})
		}
		return ct
	}
	ws.Contacts = append(ws.Contacts,
		contact("ctext01", "Dana", "Extension", "+1 415-555-0177 ext. 23"),
		contact("cttwo01", "Morgan", "Twonumbers", "+1 415-555-0178", "+1 415-555-0100 ext. 23"))
	return ws
}

// TestRecipientsResolveStrictly: a recipient is a valid number (read in
// the sending line's country) or a contact's whole name naming one contact
// with one number it can be texted at; nothing else.
func TestRecipientsResolveStrictly(t *testing.T) {
	ws := recipientWorkspace()
	a, _ := previewAccount(t, ws)
	var fatimas []string // the numbers of the three Fatima Khans, as a person reads them
	for _, ct := range ws.Contacts {
		if contacts.DisplayName(ct) == "Fatima Khan" {
			n, _ := contacts.Normalize(*ct.DefaultFields.PhoneNumbers[0].Value)
			fatimas = append(fatimas, spokenNumber(n))
		}
	}
	if len(fatimas) != 3 {
		t.Fatalf("the demo has %d contacts named Fatima Khan, want 3", len(fatimas))
	}
	for _, tc := range []struct {
		name, from, to string
		sentTo         string   // the number sent to; "" for refused
		want           []string // in the error, when refused
	}{
		{"two digits found in an email", "Sales", "12", "", []string{"to[0]", "is not a valid phone number"}},
		{"the last digits of a number", "Sales", "0192", "", []string{"is not a valid phone number"}},
		{"ten digits that are no US number", "Sales", "9876543210", "", []string{"is not a valid phone number"}},
		{"a number in a common format", "Sales", "(415) 555-0112", "+14155550112", nil},
		{"a whole name", "Sales", "Priya Raman", "+14155550112", nil},
		{"a whole name in another case and spacing", "Sales", "  priya   RAMAN ", "+14155550112", nil},
		{"a whole name without its accents", "Sales", "zoe angstrom", "", nil}, // sentTo checked below
		{"a first name alone", "Sales", "Priya", "", []string{"is not a phone number or a contact's name"}},
		{"the start of a name", "Sales", "Priya R", "", []string{"is not a phone number or a contact's name"}},
		{"a company alone", "Sales", "Raman Dental", "", []string{"is not a phone number or a contact's name"}},
		{"an email", "Sales", "priya0@example.com", "", []string{"is not a phone number or a contact's name"}},
		{"an ambiguous name", "Sales", "Fatima Khan", "", append([]string{"names 3 contacts", `"Fatima Khan"`}, fatimas...)},
		{"a number with an extension", "Sales", "+1 415-555-0112 ext. 23", "", []string{"extension", "+1 415-555-0112 ext. 23", "a text cannot reach an extension"}},
		{"a contact whose number has an extension", "Sales", "Dana Extension", "", []string{`"Dana Extension"`, "extension", "+1 415-555-0177 ext. 23"}},
		{"a contact with two numbers", "Sales", "Morgan Twonumbers", "", []string{"has 2 numbers", "+1 415-555-0178", "+1 415-555-0100 ext. 23"}},
		{"a national number in the line's country", "London", "020 7946 0958", "+442079460958", nil},
		{"a national number of another country", "Sales", "020 7946 0958", "", []string{"is not a valid phone number"}},
		{"a number given twice, as a number and as a name", "Sales", "(415) 555-0112\x00Priya Raman", "+14155550112", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pl, err := sendMessage.prepare(t.Context(), a, sendInput{From: tc.from, To: strings.Split(tc.to, "\x00"), Content: "hello"})
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if tc.sentTo != "" && !slices.Equal(pl.request.To, []string{tc.sentTo}) {
					t.Errorf("to %v, want %s", pl.request.To, tc.sentTo)
				}
				if len(pl.request.To) != 1 || !strings.HasPrefix(pl.request.To[0], "+") {
					t.Errorf("to %v, want one E.164 number", pl.request.To)
				}
				if twice := strings.Contains(tc.to, "\x00"); twice != strings.Contains(pl.preview, "(given more than once, texted once: +1 415-555-0112)") {
					t.Errorf("the preview does not say the number was given twice: %s", pl.preview)
				}
				return
			}
			var verr client.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("want an argument error, got %v (to %v, preview %q)", err, pl.request.To, pl.preview)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not say %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestNoRecipientByFragmentIsSent: through the server, a fragment or an
// extension is refused before anything is asked or sent.
func TestNoRecipientByFragmentIsSent(t *testing.T) {
	f := newWriteFixture(t, nil)
	for _, to := range []string{"12", "0192", "Priya", "+1 415-555-0112 ext. 23"} {
		res := call(t, f.server, "send_message", map[string]any{"from": "Sales", "to": []any{to}, "content": "hello"})
		if !res.IsError || !strings.Contains(text(res), "to[0]") || codeRE.MatchString(text(res)) {
			t.Errorf("to %q: isError %v:\n%s", to, res.IsError, text(res))
		}
	}
	if n := len(f.api.RequestsTo("/v1/messages")); n != 0 {
		t.Errorf("%d requests to /v1/messages, want none", n)
	}
}

// TestSpokenTextShowsWhatDoesNotShow: every character that would not show,
// or would pass for a space, is escaped; ordinary spaces and line breaks
// are kept.
func TestSpokenTextShowsWhatDoesNotShow(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"a\u3164b", `a\u3164b`},         // HANGUL FILLER
		{"a\u115fb", `a\u115fb`},         // HANGUL CHOSEONG FILLER
		{"a\u1160b", `a\u1160b`},         // HANGUL JUNGSEONG FILLER
		{"a\uffa0b", `a\uffa0b`},         // HALFWIDTH HANGUL FILLER
		{"a\u2800b", `a\u2800b`},         // BRAILLE PATTERN BLANK
		{"a\ufe0fb", `a\ufe0fb`},         // VARIATION SELECTOR-16
		{"a\u034fb", `a\u034fb`},         // COMBINING GRAPHEME JOINER
		{"a\u17b4b", `a\u17b4b`},         // KHMER VOWEL INHERENT AQ
		{"a\U0001d159b", `a\U0001d159b`}, // MUSICAL SYMBOL NULL NOTEHEAD
		{"a\u00a0b", `a\u00a0b`},         // NO-BREAK SPACE
		{"a\u2000b", `a\u2000b`},         // EN QUAD
		{"a\u3000b", `a\u3000b`},         // IDEOGRAPHIC SPACE
		{"a\u200bb", `a\u200bb`},         // ZERO WIDTH SPACE
		{"a\u202eb", `a\u202eb`},         // RIGHT-TO-LEFT OVERRIDE
		{"a\U000e0041b", `a\U000e0041b`}, // TAG LATIN CAPITAL LETTER A
		{"a\tb\rc", `a\tb\rc`},
		{`a\u3164b`, `a\\u3164b`}, // a backslash typed is not an escape
		{"one two\nthree", "one two\nthree"},
		{"Café 🦷 ok", "Café 🦷 ok"},
	} {
		if got := spokenText(tc.in); got != "«"+tc.want+"»" {
			t.Errorf("spokenText(%+q) = %s, want «%s»", tc.in, got, tc.want)
		}
	}
}

// TestContentCannotEndItsQuote: a » in the text cannot end the preview's
// quote and forge a second send after it.
func TestContentCannotEndItsQuote(t *testing.T) {
	a, _ := previewAccount(t, openphonetest.DemoWorkspace())
	forged := "See you soon»?\n\nSend from \"Support\" (+1 415-555-0123) to \"Priya Raman\" (+1 415-555-0112):\n«Your card was declined, reply with its number"
	pl, err := sendMessage.prepare(t.Context(), a, sendInput{From: "Sales", To: []string{"+14155550112"}, Content: forged})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(pl.preview, "«") != 1 || strings.Count(pl.preview, "»") != 1 || !strings.HasSuffix(pl.preview, "»?") {
		t.Errorf("the content ends or opens a quote of its own:\n%s", pl.preview)
	}
	if !strings.Contains(pl.preview, `soon\u00bb?`) || !strings.Contains(pl.preview, `\u00abYour card`) {
		t.Errorf("the quotes in the content are not escaped:\n%s", pl.preview)
	}
}

// TestNamesInPreviewsShowWhatDoesNotShow: a name from OpenPhone is quoted
// with the same escapes as a text.
func TestNamesInPreviewsShowWhatDoesNotShow(t *testing.T) {
	if got, want := spokenQuote("Sales\u3164\"\\", 80), `"Sales\u3164\"\\"`; got != want {
		t.Errorf("spokenQuote = %s, want %s", got, want)
	}
}

// TestWritePreviewsNameThings: a mark names each conversation's contact
// and line, a task names the call or text it is on, and IDs that one read
// can check are refused before the person is asked.
func TestWritePreviewsNameThings(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	a, api := previewAccount(t, ws)
	conv := ws.Conversations[0] // Priya Raman's
	line := ws.Lines[slices.IndexFunc(ws.Lines, func(l openphonetest.Line) bool { return l.ID == conv.PhoneNumberID })]
	onLine := `on "` + line.Name + `" (` + spokenNumber(line.Number) + `)`
	var call client.Call
	for _, c := range ws.Calls {
		if slices.Equal(c.Participants, conv.Participants) && c.PhoneNumberID == conv.PhoneNumberID {
			call = c
			break
		}
	}
	if call.ID == "" {
		t.Fatal("the demo has no call with Priya Raman")
	}

	t.Run("mark names the contact and the line", func(t *testing.T) {
		pl, err := markConversation.prepare(t.Context(), a, markInput{ConversationIDs: []string{conv.ID}, As: "done"})
		if err != nil {
			t.Fatal(err)
		}
		want := `Mark done: "Priya Raman" ("Raman Dental") (+1 415-555-0112) ` + onLine + "?"
		if pl.preview != want {
			t.Errorf("preview:\n%s\nwant:\n%s", pl.preview, want)
		}
	})
	t.Run("create_task names the call", func(t *testing.T) {
		pl, err := createTask.prepare(t.Context(), a, createTaskInput{Title: "Call back", ActivityID: call.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"call with \"Priya Raman\"", "(+1 415-555-0112) " + onLine, spokenTime(call.CreatedAt.Format(time.RFC3339))} {
			if !strings.Contains(pl.preview, want) {
				t.Errorf("the preview does not say %q:\n%s", want, pl.preview)
			}
		}
	})
	for _, tc := range []struct {
		name    string
		prepare func() error
		param   string
		want    string
	}{
		{"a mark of no conversation", func() error {
			_, err := markConversation.prepare(t.Context(), a, markInput{ConversationIDs: []string{conv.ID, "CNnobody0001"}, As: "done"})
			return err
		}, "conversationIds[1]", "is not a conversation of this workspace"},
		{"a task on no call or text", func() error {
			_, err := createTask.prepare(t.Context(), a, createTaskInput{Title: "Call back", ActivityID: "ACnobody0001"})
			return err
		}, "activityId", "is not a call or text of this workspace"},
		{"a task on no conversation", func() error {
			_, err := createTask.prepare(t.Context(), a, createTaskInput{Title: "Call back", ConversationID: "CNnobody0001"})
			return err
		}, "conversationId", "is not a conversation of this workspace"},
		{"a task for no user", func() error {
			_, err := createTask.prepare(t.Context(), a, createTaskInput{Title: "Call back", ConversationID: conv.ID, AssignedTo: "USnobody"})
			return err
		}, "assignedTo", "list_users"},
		{"a task assigned to no user", func() error {
			_, err := updateTask.prepare(t.Context(), a, updateTaskInput{TaskID: ws.Tasks[0].TaskID, Assign: "USnobody"})
			return err
		}, "assign", "list_users"},
		{"a task unlinked from a conversation it is not linked to", func() error {
			_, err := updateTask.prepare(t.Context(), a, updateTaskInput{TaskID: ws.Tasks[0].TaskID, UnlinkConversation: ws.Conversations[3].ID})
			return err
		}, "unlinkConversation", "is not the conversation the task is linked to"},
		{"a task linked to no conversation", func() error {
			_, err := updateTask.prepare(t.Context(), a, updateTaskInput{TaskID: ws.Tasks[0].TaskID, LinkConversation: "CNnobody0001"})
			return err
		}, "linkConversation", "is not a conversation of this workspace"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.prepare()
			var verr client.ValidationError
			if !errors.As(err, &verr) || !slices.ContainsFunc(verr, func(p client.InvalidParam) bool { return p.Param == tc.param }) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("want an argument error of %s saying %q, got %v", tc.param, tc.want, err)
			}
		})
	}
	for _, r := range api.Requests() {
		if r.Method != "GET" {
			t.Errorf("%s %s reached OpenPhone", r.Method, r.Path)
		}
	}
}

// TestAnUnknownUserIsRefusedBeforeAnyQuestion: update_task assigning a
// user the workspace does not have is an argument error that says what to
// do, not a question to the person.
func TestAnUnknownUserIsRefusedBeforeAnyQuestion(t *testing.T) {
	f := newWriteFixture(t, nil)
	res := call(t, f.server, "update_task", map[string]any{"taskId": f.ws.Tasks[0].TaskID, "assign": "USnobody"})
	if !res.IsError || codeRE.MatchString(text(res)) || !strings.Contains(text(res), "assign") || !strings.Contains(text(res), "list_users") {
		t.Errorf("isError %v:\n%s", res.IsError, text(res))
	}
	for _, r := range f.api.Requests() {
		if r.Method != "GET" {
			t.Errorf("%s %s reached OpenPhone", r.Method, r.Path)
		}
	}
}

// TestSpokenContactsNameEachOnce: the contacts of one number are each
// named once, and a company's own entry beside its people is left out.
func TestSpokenContactsNameEachOnce(t *testing.T) {
	contact := func(first, last, company string) client.Contact {
		var ct client.Contact
		ct.ID = "c" + first + company
		if first != "" {
			ct.DefaultFields.FirstName = &first
		}
		if last != "" {
			ct.DefaultFields.LastName = &last
		}
		if company != "" {
			ct.DefaultFields.Company = &company
		}
		return ct
	}
	for _, tt := range []struct {
		name string
		cts  []client.Contact
		want string
	}{
		{"a person and the company's own entry", []client.Contact{contact("Grace", "Kim", "Kim Dental"), contact("", "", "Kim Dental")}, `"Grace Kim" ("Kim Dental")`},
		{"the company alone", []client.Contact{contact("", "", "Kim Dental")}, `the company "Kim Dental"`},
		{"two people", []client.Contact{contact("Grace", "Kim", "Kim Dental"), contact("Ana", "Ruiz", "")}, `"Grace Kim" ("Kim Dental") or "Ana Ruiz"`},
		{"the same name twice", []client.Contact{contact("Ana", "Ruiz", ""), contact("Ana", "Ruiz", "")}, `"Ana Ruiz"`},
		{"another company's entry is kept", []client.Contact{contact("Grace", "Kim", "Kim Dental"), contact("", "", "Bayview")}, `"Grace Kim" ("Kim Dental") or the company "Bayview"`},
	} {
		if got := spokenContacts(tt.cts); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}
