package tools

import (
	"slices"
	"strings"
	"testing"
)

// TestNumbersReadOneWay: every tool that takes a line or an outside number
// reads a number as send_message does, in any format; refuses one that is
// not valid before any request but the lines', naming the field (and the
// lines, where a line was meant); and uses a number given twice once,
// saying so.
func TestNumbersReadOneWay(t *testing.T) {
	api, s := demoServer(t, syncedDemo(t))
	for _, tt := range []struct {
		name, tool string
		args       map[string]any
		// refused: the answer is an isError naming these; else it holds them.
		refused bool
		want    []string
		// path and query: the one request the call must send (path ""
		// when it sends none but the directory's), and what it asks.
		path, param string
		sent        []string
	}{
		{name: "an invalid line number is no bare 404", tool: "list_conversations", args: map[string]any{"phoneNumbers": []any{"+1415555012"}}, refused: true,
			want: []string{"phoneNumbers[0]", `"+1415555012"`, "is not a valid phone number", `PNEAIjRnLh "Sales" +14155550100`, "not sent to OpenPhone"}},
		{name: "the deprecated line too", tool: "list_conversations", args: map[string]any{"phoneNumber": "415-555-01"}, refused: true,
			want: []string{"phoneNumber", "is not a valid phone number", `"Support"`}},
		{name: "a number that is no line", tool: "list_conversations", args: map[string]any{"phoneNumbers": []any{"(415) 555-0999"}}, refused: true,
			want: []string{"phoneNumbers[0]", "is not a line of this workspace", `"Sales"`}},
		{name: "an E.164 number that is no line is no bare 404 either", tool: "list_conversations", args: map[string]any{"phoneNumbers": []any{"+14155550999"}}, refused: true,
			want: []string{"phoneNumbers[0]", `"+14155550999"`, "is not a line of this workspace", `PNEAIjRnLh "Sales" +14155550100`, "not sent to OpenPhone"}},
		{name: "a line by its E.164 number and its ID is one line", tool: "list_conversations", args: map[string]any{"phoneNumbers": []any{"+14155550100", "PNEAIjRnLh"}},
			want: []string{"phoneNumbers PNEAIjRnLh (2 times)"}, path: "/v1/conversations", param: "phoneNumbers", sent: []string{"PNEAIjRnLh"}},
		{name: "a line in any format", tool: "list_conversations", args: map[string]any{"phoneNumbers": []any{"(415) 555-0100"}},
			path: "/v1/conversations", param: "phoneNumbers", sent: []string{"PNEAIjRnLh"}},
		{name: "a line given twice", tool: "list_conversations", args: map[string]any{"phoneNumbers": []any{"Sales", "PNEAIjRnLh", "+14155550100"}},
			want: []string{"Given more than once, used once: phoneNumbers PNEAIjRnLh (3 times)."}, path: "/v1/conversations", param: "phoneNumbers", sent: []string{"PNEAIjRnLh"}},
		{name: "a participant as people write it", tool: "list_messages", args: map[string]any{"phoneNumberId": "Sales", "participants": []any{"(305) 555-0130"}},
			want: []string{"+13055550130"}, path: "/v1/messages", param: "participants", sent: []string{"+13055550130"}},
		{name: "a participant given twice", tool: "list_messages", args: map[string]any{"phoneNumberId": "PNEAIjRnLh", "participants": []any{"+13055550130", "305.555.0130", "+12125550143"}},
			want: []string{"Given more than once, used once: participants +13055550130 (2 times)."}, path: "/v1/messages", param: "participants", sent: []string{"+13055550130", "+12125550143"}},
		{name: "an invalid participant", tool: "list_messages", args: map[string]any{"phoneNumberId": "PNEAIjRnLh", "participants": []any{"+13055550130", "+1415555012"}}, refused: true,
			want: []string{"participants[1]", "is not a valid phone number", "line's country, US"}},
		{name: "a participant with an extension", tool: "list_calls", args: map[string]any{"phoneNumberId": "PNEAIjRnLh", "participants": []any{"(305) 555-0130 ext. 4"}}, refused: true,
			want: []string{"participants[0]", "has an extension", "+13055550130"}},
		{name: "a call's participant as people write it", tool: "list_calls", args: map[string]any{"phoneNumberId": "+1 (415) 555-0100", "participants": []any{"305-555-0130"}},
			path: "/v1/calls", param: "participants", sent: []string{"+13055550130"}},
		{name: "recent_activity's lines", tool: "recent_activity", args: map[string]any{"phoneNumbers": []any{"+1415555012"}}, refused: true,
			want: []string{"phoneNumbers[0]", "is not a valid phone number", `"Front Desk"`}},
		{name: "activity_report's lines", tool: "activity_report", args: map[string]any{"phoneNumbers": []any{"PNEAIjRnLh", "12345678"}}, refused: true,
			want: []string{"phoneNumbers[1]", "is not a valid phone number"}},
		{name: "activity_report's line twice", tool: "activity_report", args: map[string]any{"phoneNumbers": []any{"PNEAIjRnLh", "(415) 555-0100"}},
			want: []string{"phoneNumbers PNEAIjRnLh (2 times)", "lines PNEAIjRnLh."}},
		{name: "search_messages' lines", tool: "search_messages", args: map[string]any{"query": "invoice", "phoneNumbers": []any{"+1415555012"}}, refused: true,
			want: []string{"phoneNumbers[0]", "is not a valid phone number"}},
		{name: "search_messages' participant twice", tool: "search_messages", args: map[string]any{"query": "invoice", "participants": []any{"+13055550130", "(305) 555-0130"}},
			want: []string{"Given more than once, used once: participants +13055550130 (2 times).", "with +13055550130"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(api.Requests())
			res := call(t, s, tt.tool, tt.args)
			out := text(res)
			if res.IsError != tt.refused {
				t.Fatalf("isError %v:\n%s", res.IsError, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("lacks %q:\n%s", w, out)
				}
			}
			sent := notDirectory(api.Requests()[before:])
			if (tt.path == "" || tt.refused) && len(sent) > 0 {
				t.Errorf("sent %v", sent)
			}
			if tt.path == "" {
				return
			}
			reqs := api.RequestsTo(tt.path)
			if len(reqs) == 0 {
				t.Fatalf("nothing sent to %s", tt.path)
			}
			if got := reqs[len(reqs)-1].Query[tt.param]; !slices.Equal(got, tt.sent) {
				t.Errorf("%s sent %v, want %v", tt.param, got, tt.sent)
			}
		})
	}
}

// TestParticipantsInTheLinesCountry: a number without a country code is
// one of the line's country, as in a send.
func TestParticipantsInTheLinesCountry(t *testing.T) {
	f := newFixture(t, recipientWorkspace())
	res := call(t, f.server, "list_messages", map[string]any{"phoneNumberId": "London", "participants": []any{"020 7946 0958"}})
	if res.IsError {
		t.Fatal(text(res))
	}
	if reqs := f.api.RequestsTo("/v1/messages"); len(reqs) != 1 || !slices.Equal(reqs[0].Query["participants"], []string{"+442079460958"}) {
		t.Errorf("sent %v, want participants +442079460958", reqs)
	}
	res = call(t, f.server, "list_messages", map[string]any{"phoneNumberId": "Sales", "participants": []any{"020 7946 0958"}})
	if out := text(res); !res.IsError || !strings.Contains(out, "line's country, US") {
		t.Errorf("a London number on a US line: isError %v %s", res.IsError, out)
	}
	if n := len(f.api.RequestsTo("/v1/messages")); n != 1 {
		t.Errorf("%d requests for messages, want the first alone", n)
	}
}
