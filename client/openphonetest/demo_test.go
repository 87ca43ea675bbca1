package openphonetest_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
)

// TestDemoTextsReadInOrder: in every demo conversation, read oldest first,
// a question comes from the customer and its answer from the team, right
// after it; the team writes only answers or texts of its own, and the
// customer never what the team would say.
func TestDemoTextsReadInOrder(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	answers := map[string]string{
		"Yes, 9 to 2. Anything we can help with?":               "Hi, are you open on Saturday?",
		"Thursday at 3pm works. See you then!":                  "Can I move my appointment to Thursday?",
		"No problem, thanks for letting us know.":               "Running 10 min late, sorry",
		"It is, until the end of the month.":                    "Is the quote still valid?",
		"Sent it just now to your email.":                       "Could you send the invoice again? I can't find it.",
		"123 Main St, suite 4. Parking is behind the building.": "What's the address again?",
		"Sure, calling you in 5.":                               "Can you call me when you have a minute?",
	}
	byConversation := map[string][]client.Message{}
	for _, m := range ws.Messages {
		byConversation[*m.ConversationID] = append(byConversation[*m.ConversationID], m)
	}
	questions := map[string]bool{}
	for _, q := range answers {
		questions[q] = true
	}
	outgoing := 0
	for conv, msgs := range byConversation {
		slices.SortFunc(msgs, func(a, b client.Message) int { return a.CreatedAt.Compare(b.CreatedAt) })
		asked := map[string]bool{} // the questions in since the team last wrote
		for _, m := range msgs {
			question, isAnswer := answers[m.Text]
			switch {
			case m.Direction == "incoming" && isAnswer:
				t.Errorf("%s: the customer says what the team would: %q", conv, m.Text)
			case m.Direction == "incoming":
				asked[m.Text] = true
			case isAnswer && !asked[question]:
				t.Errorf("%s: the team answers %q, not after the question %q", conv, m.Text, question)
			case questions[m.Text]:
				t.Errorf("%s: the team asks the customer's question %q", conv, m.Text)
			}
			if m.Direction == "outgoing" {
				outgoing++
				clear(asked)
			}
		}
	}
	if outgoing == 0 {
		t.Error("the team never texts")
	}
}

// TestDemoContactsListEachNumberOnce: no number, in whatever form it was
// typed, is two contacts', or twice one contact's.
func TestDemoContactsListEachNumberOnce(t *testing.T) {
	owner := map[string]string{}
	for _, ct := range openphonetest.DemoWorkspace().Contacts {
		for _, n := range ct.DefaultFields.PhoneNumbers {
			digits := strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, *n.Value)
			if len(digits) == 10 {
				digits = "1" + digits
			}
			if other, twice := owner[digits]; twice {
				t.Errorf("+%s is listed by contact %s and by %s", digits, other, ct.ID)
			}
			owner[digits] = ct.ID
		}
	}
}

// TestDemoSendsOnItsClock: what the demo sends is dated on its clock,
// DemoEpoch, where its data ends, and read back so; a fake of the real
// clock dates it now.
func TestDemoSendsOnItsClock(t *testing.T) {
	for _, demo := range []bool{true, false} {
		var srv *openphonetest.Server
		if demo {
			srv = openphonetest.NewDemoServer()
		} else {
			srv = openphonetest.NewServer(openphonetest.DemoWorkspace())
		}
		defer srv.Close()
		c, err := client.New(srv.APIKey, client.WithBaseURL(srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		ws := openphonetest.DemoWorkspace()
		before := time.Now().Add(-time.Second)
		m, err := c.SendMessage(t.Context(), client.SendMessageParams{From: ws.Lines[0].ID, To: []string{"+14155550142"}, Content: "See you at 10."})
		if err != nil {
			t.Fatal(err)
		}
		if demo && !m.CreatedAt.Equal(openphonetest.DemoEpoch) || !demo && m.CreatedAt.Before(before) {
			t.Errorf("demo %v: sent at %v", demo, m.CreatedAt)
		}
		page, err := c.ListMessages(t.Context(), client.ListMessagesParams{PhoneNumberID: ws.Lines[0].ID, Participants: []string{"+14155550142"}, MaxResults: 5})
		if err != nil || len(page.Data) != 1 || !page.Data[0].CreatedAt.Equal(m.CreatedAt) {
			t.Errorf("demo %v: read back %v, %v", demo, page, err)
		}
	}
}
