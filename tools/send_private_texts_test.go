package tools

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
)

// privateArgs sends one text from Sales to Priya Raman (by name) and two
// more numbers.
func privateArgs() map[string]any {
	return map[string]any{"from": "Sales", "to": []any{"Priya Raman", "(415) 555-0170", "+1 415 555 0171"}, "content": "We're closed Friday for the holiday."}
}

// sendsTo counts the fake's accepted sends to each number.
func sendsTo(f writeFixture) map[string]int {
	n := map[string]int{}
	for _, s := range f.api.Sends() {
		for _, to := range s.Params.To {
			n[to]++
		}
	}
	return n
}

// TestPrivateTextsOneConfirmation: the person is asked once, seeing every
// recipient by name and number; then each gets the text alone, in one
// request each. Declined, nothing is sent.
func TestPrivateTextsOneConfirmation(t *testing.T) {
	f := askFixture(t, nil)
	var asked []string
	res, err := CallToolAsking(context.Background(), f.server, "send_private_texts", privateArgs(), func(message string) bool {
		asked = append(asked, message)
		return false
	})
	if err != nil || res.IsError || len(asked) != 1 || len(f.api.Sends()) != 0 {
		t.Fatalf("declined: err %v, asked %d, %d sends:\n%s", err, len(asked), len(f.api.Sends()), text(res))
	}

	asked = nil
	res, err = CallToolAsking(context.Background(), f.server, "send_private_texts", privateArgs(), func(message string) bool {
		asked = append(asked, message)
		return true
	})
	if err != nil || res.IsError || len(asked) != 1 {
		t.Fatalf("accepted: err %v, asked %d:\n%s", err, len(asked), text(res))
	}
	for _, want := range []string{`"Priya Raman" ("Raman Dental") (+1 415-555-0112)`, "+1 415-555-0170", "+1 415-555-0171", "3 separate private texts", "«We're closed Friday for the holiday.»"} {
		if !strings.Contains(asked[0], want) {
			t.Errorf("the question does not say %q:\n%s", want, asked[0])
		}
	}
	sends := f.api.Sends()
	if len(sends) != 3 {
		t.Fatalf("%d sends, want 3", len(sends))
	}
	for _, s := range sends {
		if len(s.Params.To) != 1 || s.Params.From != f.sales() {
			t.Errorf("a send of %+v: want one recipient each, from Sales", s.Params)
		}
	}
	if got := text(res); !strings.Contains(got, "Sent 3 of 3") || strings.Count(got, "sent, message AC") != 3 {
		t.Errorf("the answer:\n%s", got)
	}
	golden(t, "private_texts_preview.txt", []byte(asked[0]))
}

// TestPrivateTextsOnceAcrossARetry: the first text is refused, the second
// answered unclearly (it went out), the third sent. The retry is confirmed
// anew, naming those it skips, and sends to the refused one alone; a third
// call sends nothing and asks no one.
func TestPrivateTextsOnceAcrossARetry(t *testing.T) {
	f := newWriteFixture(t, nil)
	f.api.Inject(openphonetest.Fault{Path: "/v1/messages", Status: http.StatusBadRequest, Domain: true},
		openphonetest.Fault{Path: "/v1/messages", Status: http.StatusInternalServerError, AfterHandler: true})
	_, code := f.preview(t, "send_private_texts", privateArgs())
	res := f.confirmed(t, "send_private_texts", privateArgs(), code)
	out := text(res)
	if !res.IsError || !strings.Contains(out, "Sent 1 of 3") {
		t.Fatalf("the partial send:\n%s", out)
	}
	lines := strings.Split(out, "\n- ")
	for i, want := range []string{"Priya Raman", "+1 415-555-0170", "+1 415-555-0171"} {
		if !strings.Contains(lines[i+1], want) {
			t.Errorf("line %d does not name %s: %s", i+1, want, lines[i+1])
		}
	}
	for i, want := range []string{"failed, not sent", "unclear", "sent, message AC"} {
		if !strings.Contains(lines[i+1], want) {
			t.Errorf("line %d does not say %q: %s", i+1, want, lines[i+1])
		}
	}
	if n := sendsTo(f); n["+14155550112"] != 0 || n["+14155550170"] != 1 || n["+14155550171"] != 1 {
		t.Fatalf("sends after the first call: %v", n)
	}
	// The retry it advises names the one it did not reach, whatever the
	// time: not "the same arguments", which skip the others only within
	// the ledger's window.
	if !strings.Contains(out, `again with only them as to: ["+14155550112"]`) {
		t.Errorf("the partial send does not name whom to send to again:\n%s", out)
	}

	preview, code := f.preview(t, "send_private_texts", privateArgs())
	if !strings.Contains(preview, "Not sent again") || !strings.Contains(preview, "+1 415-555-0170") || !strings.Contains(preview, "+1 415-555-0171") {
		t.Errorf("the retry's preview does not name those it skips:\n%s", preview)
	}
	res = f.confirmed(t, "send_private_texts", privateArgs(), code)
	if res.IsError || !strings.Contains(text(res), "Sent 1 of 3") || !strings.Contains(text(res), "2 skipped") {
		t.Fatalf("the retry:\n%s", text(res))
	}
	if n := sendsTo(f); n["+14155550112"] != 1 || n["+14155550170"] != 1 || n["+14155550171"] != 1 || len(f.api.Sends()) != 3 {
		t.Fatalf("sends after the retry: %v (%d in all), want each once", n, len(f.api.Sends()))
	}
	res = call(t, f.server, "send_private_texts", privateArgs())
	if !res.IsError || !strings.Contains(text(res), "every recipient got this text") || codeRE.MatchString(text(res)) || len(f.api.Sends()) != 3 {
		t.Errorf("a third call (%d sends):\n%s", len(f.api.Sends()), text(res))
	}
	// send_message to one of them alone knows of the private text.
	if preview, _ := f.preview(t, "send_message", map[string]any{"from": "Sales", "to": []any{"(415) 555-0171"}, "content": "We're closed Friday for the holiday."}); !strings.Contains(preview, "WARNING: this repeats") {
		t.Errorf("send_message after the private text is not warned:\n%s", preview)
	}
}

// TestPrivateTextsCountIsBounded: 41 recipients, or 1, are refused before
// any request; a number given twice is refused.
func TestPrivateTextsCountIsBounded(t *testing.T) {
	f := newWriteFixture(t, nil)
	var many []any
	for i := range 41 {
		many = append(many, fmt.Sprintf("+1415555%04d", 1000+i))
	}
	for _, tc := range []struct {
		to   []any
		want string
	}{
		{many, "at most 40"},
		{many[:1], "send_message"},
		{[]any{"(415) 555-0112", "Priya Raman"}, "is given twice"},
	} {
		before := len(f.api.Requests())
		res := call(t, f.server, "send_private_texts", map[string]any{"from": "Sales", "to": tc.to, "content": "hi"})
		if !res.IsError || !strings.Contains(text(res), tc.want) {
			t.Errorf("%d recipients: want an error saying %q:\n%s", len(tc.to), tc.want, text(res))
		}
		if len(tc.to) != 2 && len(f.api.Requests()) != before {
			t.Errorf("%d recipients: %d requests before the refusal", len(tc.to), len(f.api.Requests())-before)
		}
	}
	if len(f.api.Sends()) != 0 {
		t.Errorf("%d sends", len(f.api.Sends()))
	}
}

// TestPrivateTextsReportProgress: a client that sent a progress token
// hears of each recipient as it goes.
func TestPrivateTextsReportProgress(t *testing.T) {
	f := newWriteFixture(t, func(c *Config) { c.Confirmation = ConfirmOff })
	messages := callWithProgress(t, f.server, "send_private_texts", privateArgs(), 3)
	var mine []string
	for _, m := range messages {
		if strings.Contains(m, " of 3: ") {
			mine = append(mine, m)
		}
	}
	if len(mine) != 3 || !strings.HasPrefix(mine[0], "1 of 3: ") || !strings.Contains(mine[2], "sent, message AC") {
		t.Errorf("progress %q", messages)
	}
	if !slices.Equal([]int{len(f.api.Sends())}, []int{3}) {
		t.Errorf("%d sends", len(f.api.Sends()))
	}
}

// TestPrivateTextsConfirmedOnThePage: a client that cannot ask gets a
// page; the person's press sends each text once, and the model's next call
// reads the per-recipient outcome rather than a refusal.
func TestPrivateTextsConfirmedOnThePage(t *testing.T) {
	f := askFixture(t, nil)
	link := f.pageLink(t, "send_private_texts", privateArgs())
	if status, page := press(t, link, "yes", originOf(link)); status != http.StatusOK || !strings.Contains(page, "Sent 3 of 3") {
		t.Fatalf("the page's button: %d:\n%s", status, page)
	}
	if len(f.api.Sends()) != 3 {
		t.Fatalf("%d sends, want 3", len(f.api.Sends()))
	}
	if res := call(t, f.server, "send_private_texts", privateArgs()); res.IsError || !strings.Contains(text(res), "Sent 3 of 3") {
		t.Errorf("the model's call after the page:\n%s", text(res))
	}
	if res := call(t, f.server, "send_private_texts", privateArgs()); !res.IsError || !strings.Contains(text(res), "every recipient got this text") || len(f.api.Sends()) != 3 {
		t.Errorf("the call after the outcome was read (%d sends):\n%s", len(f.api.Sends()), text(res))
	}
}
