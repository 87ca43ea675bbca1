package tools

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// FuzzArguments feeds arbitrary JSON to argument decoding and validation:
// it must never panic, must name every problem it finds, and whatever it
// accepts the API accepts too.
func FuzzArguments(f *testing.F) {
	for _, seed := range []string{
		`{}`, `null`, `[1]`, `"x"`, `{"maxResults":5}`, `{"maxResults":0}`, `{"maxResults":1e308}`, `{"maxResults":-0.5}`,
		`{"phoneNumbers":["+15555555555","PN1"],"userId":"US1","excludeInactive":true}`,
		`{"phoneNumbers":[],"phoneNumber":"+1"}`, `{"phoneNumbers":[null,1,{}]}`,
		`{"createdAfter":"2024-01-01T00:00:00Z","createdBefore":"2023-01-01T00:00:00Z"}`,
		`{"updatedAfter":"2024-13-45T25:61:61Z"}`, `{"pageToken":{"a":[{"b":null}]}}`, `{"MaxResults":1,"max_results":2}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var args any
		if json.Unmarshal(data, &args) != nil {
			return
		}
		in := listConversations.defaults
		p := in.request(nil) // replaced once decoded
		errs := decodeArguments(args, &in)
		if errs == nil {
			p = in.request(nil)
			errs = validationErrors(p.Validate())
		}
		for _, e := range errs {
			if e.Param == "" || e.Problem == "" {
				t.Errorf("unnamed problem %+v for %s", e, data)
			}
		}
		if errs != nil {
			if msg := argumentError(errs); !msg.IsError {
				t.Errorf("argument errors not reported as isError")
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Errorf("accepted %s, but the client rejects it: %v", data, err)
		}
		if q := p.Query(); q.Get("maxResults") == "" {
			t.Errorf("accepted %s without a maxResults to send", data)
		}
	})
}

var headingLine = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2}|No activity yet)$`)

// FuzzRenderConversations decodes arbitrary response bodies as the client
// does and renders them: it must never panic, and whatever upstream sends,
// each conversation stays on one line with no control characters.
func FuzzRenderConversations(f *testing.F) {
	for _, seed := range []string{
		`{"data":[],"totalItems":0,"nextPageToken":null}`,
		`{"data":[{"id":"CN1","phoneNumberId":"PN1","participants":["+15555550100"],"name":"a\nb | c\u202e","lastActivityAt":"2024-01-02T03:04:05Z","createdAt":"2023-01-01T00:00:00Z","updatedAt":"2024-01-03T00:00:00Z","mutedUntil":"2024-02-01T00:00:00Z","assignedTo":"US1","lastActivityId":"AC1"}],"totalItems":1,"nextPageToken":"t"}`,
		`{"data":[{"id":"","phoneNumberId":"","participants":[]}],"nextPageToken":""}`,
		`{"data":[{"id":"CN\r\n2026-01-01","phoneNumberId":"PN\"","participants":["\u0000","x y"],"snoozedUntil":"0001-01-01T00:00:00Z","deletedAt":"9999-12-31T23:59:59.999999999Z"}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var page client.ConversationPage
		if json.Unmarshal(body, &page) != nil || page.Data == nil {
			return
		}
		out := render(listConversations, client.ListConversationsParams{MaxResults: 10}, conversationsResult{page.Data, page.NextPageToken}, nil)
		if strings.ContainsFunc(out, func(r rune) bool { return r != '\n' && unicode.IsControl(r) }) {
			t.Fatalf("control character in the summary:\n%q", out)
		}
		lines := strings.Split(out, "\n")
		if len(page.Data) == 0 {
			if len(lines) != 1 {
				t.Fatalf("empty page rendered on %d lines:\n%s", len(lines), out)
			}
			return
		}
		// After the headline and the column legend: the bounds, a heading
		// for each line, the date headings and the rows.
		rows := len(lines) - 2 - len(linesOf(page.Data))
		for _, l := range lines[2:] {
			if headingLine.MatchString(l) || strings.HasPrefix(l, "Exact bounds, for date filters: ") {
				rows--
			}
		}
		if rows != len(page.Data) {
			t.Fatalf("%d conversations rendered as %d rows:\n%s", len(page.Data), rows, out)
		}
	})
}
