package tools

import (
	"context"
	"encoding/json"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
	"github.com/openphone-mcp/openphone-mcp/ledger"
)

// A writeFixture serves the demo workspace with writes on, on a clock the
// test moves, with the audit lines in a buffer.
type writeFixture struct {
	ws     openphonetest.Workspace
	api    *openphonetest.Server
	client *client.Client
	server *server.MCPServer
	clock  *testClock
	log    *testkit.LockedBuffer
	ledger ledger.Ledger
}

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newWriteFixture(t *testing.T, edit func(*Config), opts ...client.Option) writeFixture {
	t.Helper()
	ws := openphonetest.DemoWorkspace()
	api, c := testkit.NewAPI(t, ws, append([]client.Option{client.WithRateLimit(1000)}, opts...)...)
	f := writeFixture{ws: ws, api: api, client: c, clock: &testClock{now: time.Now()}, log: &testkit.LockedBuffer{}}
	book, err := ledger.OpenFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f.ledger = book
	// The code mode by default: most of these tests are of the code's
	// mechanics; the tests of the person's confirmation set ConfirmAsk.
	cfg := Config{Client: c, Version: "test", Context: t.Context(), ContactsWait: time.Minute, AllowWrites: true,
		Confirmation: ConfirmCode, Ledger: book, Logger: slog.New(slog.NewTextHandler(f.log, nil)), writeClock: f.clock.Now}
	if edit != nil {
		edit(&cfg)
	}
	f.server = NewServer(cfg)
	return f
}

var codeRE = regexp.MustCompile(`confirm "([A-Za-z0-9_-]+)"`)

// preview calls name and returns the preview it answers and its code.
func (f writeFixture) preview(t *testing.T, name string, args map[string]any) (string, string) {
	t.Helper()
	res := call(t, f.server, name, args)
	out := text(res)
	m := codeRE.FindStringSubmatch(out)
	if res.IsError || m == nil {
		t.Fatalf("%s: want a preview and a code, got (isError %v):\n%s", name, res.IsError, out)
	}
	return out, m[1]
}

// confirmed calls name with args and code.
func (f writeFixture) confirmed(t *testing.T, name string, args map[string]any, code string) *mcp.CallToolResult {
	t.Helper()
	with := map[string]any{"confirm": code}
	for k, v := range args {
		with[k] = v
	}
	return call(t, f.server, name, with)
}

// sales is the ID of the demo's Sales line.
func (f writeFixture) sales() string {
	return f.ws.Lines[slices.IndexFunc(f.ws.Lines, func(l openphonetest.Line) bool { return l.Name == "Sales" })].ID
}

func (f writeFixture) textArgs() map[string]any {
	return map[string]any{"from": "Sales", "to": []any{"(415) 555-0112"}, "content": "We're open until 6 today."}
}

func TestWritesAreOffByDefault(t *testing.T) {
	s := NewServer(Config{Version: "test"})
	for name := range writeAnnotations {
		if s.GetTool(name) != nil {
			t.Errorf("%s is published with writes off", name)
		}
	}
	res := s.HandleMessage(context.Background(), []byte(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`))
	if raw := string(mustJSON(t, res)); !strings.Contains(raw, "nothing here changes it") {
		t.Errorf("the instructions with writes off do not say that nothing changes the workspace: %s", raw)
	}
	on := NewServer(Config{Version: "test", AllowWrites: true})
	res = on.HandleMessage(context.Background(), []byte(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`))
	if raw := string(mustJSON(t, res)); strings.Contains(raw, "nothing here changes it") || !strings.Contains(raw, "send_message") {
		t.Errorf("the instructions with writes on: %s", raw)
	}
}

// TestSendAfterTheCode: the first call sends nothing and answers the
// preview and a code; the call with the code sends the text once; the code
// then confirms nothing more.
func TestSendAfterTheCode(t *testing.T) {
	f := newWriteFixture(t, nil)
	preview, code := f.preview(t, "send_message", f.textArgs())
	golden(t, "send_preview.txt", []byte(codeRE.ReplaceAllString(preview, `confirm "<code>"`)))
	if n := len(f.api.RequestsTo("/v1/messages")); n != 0 {
		t.Fatalf("the preview sent %d requests to /v1/messages", n)
	}
	res := f.confirmed(t, "send_message", f.textArgs(), code)
	sends := f.api.Sends()
	if res.IsError || len(sends) != 1 || !strings.Contains(text(res), "Sent: message "+sends[0].Message.ID) || !strings.Contains(text(res), "list_messages") {
		t.Fatalf("the confirmed send (isError %v, %d sends):\n%s", res.IsError, len(sends), text(res))
	}
	if p := sends[0].Params; p.From != f.sales() || !slices.Equal(p.To, []string{"+14155550112"}) || p.Content != "We're open until 6 today." {
		t.Errorf("sent %+v", p)
	}
	again := f.confirmed(t, "send_message", f.textArgs(), code)
	if !again.IsError || !strings.Contains(text(again), "already used") || len(f.api.Sends()) != 1 {
		t.Errorf("the code used twice (isError %v, %d sends):\n%s", again.IsError, len(f.api.Sends()), text(again))
	}
}

// TestCodesAreBound: a code confirms only the arguments it was issued for,
// for the caller it was issued to, for 5 minutes; nothing is sent
// otherwise, and the error says which.
func TestCodesAreBound(t *testing.T) {
	f := newWriteFixture(t, nil)
	_, code := f.preview(t, "send_message", f.textArgs())
	changed := f.textArgs()
	changed["content"] = "We're open until 8 today."
	_, otherKey := testkit.NewAPI(t, f.ws) // the same workspace, with another key
	other := NewAccount(t.Context(), otherKey)
	forged := newSeal([]byte("a secret that is not the server's, 32+ bytes"), f.clock.Now).
		issue(kindCode, f.client.KeyFingerprint(), "send_message\n"+canonical(client.SendMessageParams{From: f.sales(), To: []string{"+14155550112"}, Content: "We're open until 6 today."})+"\n")
	for _, tc := range []struct {
		name string
		call func() *mcp.CallToolResult
		want string
	}{
		{"changed arguments", func() *mcp.CallToolResult { return f.confirmed(t, "send_message", changed, code) }, "the arguments are not those this confirmation code was issued for"},
		{"a code signed with another secret", func() *mcp.CallToolResult { return f.confirmed(t, "send_message", f.textArgs(), forged) }, "or by a server with another secret"},
		{"not a code", func() *mcp.CallToolResult { return f.confirmed(t, "send_message", f.textArgs(), "yes") }, "is not a confirmation code this server issued"},
		{"another caller", func() *mcp.CallToolResult {
			res, err := CallTool(other.Context(t.Context()), f.server, "send_message", map[string]any{"from": "Sales", "to": []any{"+14155550112"}, "content": "We're open until 6 today.", "confirm": code})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}, "was issued to another caller"},
		{"expired", func() *mcp.CallToolResult {
			f.clock.Add(ConfirmationTTL + time.Second)
			return f.confirmed(t, "send_message", f.textArgs(), code)
		}, "expired at"},
	} {
		res := tc.call()
		if !res.IsError || !strings.Contains(text(res), tc.want) {
			t.Errorf("%s: isError %v:\n%s", tc.name, res.IsError, text(res))
		}
	}
	if n := len(f.api.RequestsTo("/v1/messages")); n != 0 {
		t.Errorf("%d sends, want none", n)
	}
	for _, outcome := range []string{`"confirmation for other arguments"`, `"confirmation another caller's"`, `"confirmation expired"`, `"confirmation not ours"`} {
		if !strings.Contains(f.log.String(), "outcome="+outcome) {
			t.Errorf("no audit line with outcome=%s:\n%s", outcome, f.log.String())
		}
	}
}

// TestARepeatNeedsAFreshConfirmation: an identical text within 10 minutes
// is previewed as a repeat, and a code issued before the first send does
// not send it again.
func TestARepeatNeedsAFreshConfirmation(t *testing.T) {
	f := newWriteFixture(t, nil)
	_, first := f.preview(t, "send_message", f.textArgs())
	_, second := f.preview(t, "send_message", f.textArgs()) // asked twice before either was used
	if res := f.confirmed(t, "send_message", f.textArgs(), first); res.IsError {
		t.Fatal(text(res))
	}
	id := f.api.Sends()[0].Message.ID
	res := f.confirmed(t, "send_message", f.textArgs(), second)
	if res.IsError || !strings.Contains(text(res), "WARNING: this repeats a text sent less than a minute ago (message "+id+")") || len(f.api.Sends()) != 1 {
		t.Fatalf("the older code after the send (isError %v, %d sends):\n%s", res.IsError, len(f.api.Sends()), text(res))
	}
	fresh := codeRE.FindStringSubmatch(text(res))[1]
	if res := f.confirmed(t, "send_message", f.textArgs(), fresh); res.IsError || len(f.api.Sends()) != 2 {
		t.Fatalf("the repeat, confirmed as one (isError %v, %d sends):\n%s", res.IsError, len(f.api.Sends()), text(res))
	}
	f.clock.Add(repeatWindow)
	if preview, _ := f.preview(t, "send_message", f.textArgs()); strings.Contains(preview, "WARNING") {
		t.Errorf("10 minutes later, still a repeat:\n%s", preview)
	}
}

// TestUnattendedWrites: with confirmation off, a write is sent at once and
// audited as unattended; a repeat is never sent.
func TestUnattendedWrites(t *testing.T) {
	f := newWriteFixture(t, func(c *Config) { c.Confirmation = ConfirmOff })
	if res := call(t, f.server, "send_message", f.textArgs()); res.IsError || len(f.api.Sends()) != 1 {
		t.Fatalf("isError %v, %d sends:\n%s", res.IsError, len(f.api.Sends()), text(res))
	}
	if res := call(t, f.server, "send_message", f.textArgs()); !res.IsError || !strings.Contains(text(res), "a repeat is never sent") || len(f.api.Sends()) != 1 {
		t.Errorf("the repeat, unattended (isError %v, %d sends):\n%s", res.IsError, len(f.api.Sends()), text(res))
	}
	if !strings.Contains(f.log.String(), "confirmation is off") || !strings.Contains(f.log.String(), "confirmed_by=unattended") {
		t.Errorf("the log does not say that confirmation is off, or who confirmed:\n%s", f.log.String())
	}
}

// TestAuditLine: every write, and every confirmation that confirms
// nothing, leaves one line on the log with the facts, and never the text
// or the key.
func TestAuditLine(t *testing.T) {
	f := newWriteFixture(t, nil)
	_, code := f.preview(t, "send_message", f.textArgs())
	f.confirmed(t, "send_message", f.textArgs(), code)
	f.confirmed(t, "send_message", f.textArgs(), code)
	log := f.log.String()
	sent := f.api.Sends()[0].Message.ID
	for _, want := range []string{
		"msg=write tool=send_message outcome=done confirmed_by=code caller=" + f.client.KeyFingerprint() + " line=" + f.sales() + " recipients=1 id=" + sent,
		`outcome="confirmation used twice" confirmed_by=code`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("no audit line with %q:\n%s", want, log)
		}
	}
	for _, secret := range []string{"open until", f.api.APIKey, code} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds %q:\n%s", secret, log)
		}
	}
}

// TestAnUnclearSendIsNotRetried: a send whose answer was lost is not sent
// again, says how to check, and makes the next identical send a repeat.
func TestAnUnclearSendIsNotRetried(t *testing.T) {
	f := newWriteFixture(t, nil, client.WithTimeout(200*time.Millisecond))
	_, code := f.preview(t, "send_message", f.textArgs())
	f.api.Inject(openphonetest.Fault{Path: "/v1/messages", AfterHandler: true, Delay: time.Hour})
	res := f.confirmed(t, "send_message", f.textArgs(), code)
	if !res.IsError || !strings.Contains(text(res), "Unclear whether it was done") || !strings.Contains(text(res), "check with list_messages") {
		t.Fatalf("isError %v:\n%s", res.IsError, text(res))
	}
	if n, sends := len(f.api.RequestsTo("/v1/messages")), len(f.api.Sends()); n != 1 || sends != 1 {
		t.Errorf("%d requests, %d sends; want the one", n, sends)
	}
	if preview, _ := f.preview(t, "send_message", f.textArgs()); !strings.Contains(preview, "may have been sent") {
		t.Errorf("the next identical send does not say the last may have gone out:\n%s", preview)
	}
	if !strings.Contains(f.log.String(), "outcome=unclear") {
		t.Errorf("no audit line for the unclear send:\n%s", f.log.String())
	}
}

// TestBadWritesNeverReachOpenPhone: every argument the document refuses,
// or that names nothing, is an isError naming the parameter, and nothing
// is sent.
func TestBadWritesNeverReachOpenPhone(t *testing.T) {
	f := newWriteFixture(t, nil)
	eleven := make([]any, 11)
	for i := range eleven {
		eleven[i] = "+141555501" + strconv.Itoa(10+i) // each once: a repeat is sent once
	}
	for _, tc := range []struct {
		tool string
		args map[string]any
		want string
	}{
		{"send_message", map[string]any{"from": "Marketing", "to": []any{"+14155550112"}, "content": "hi"}, `from: "Marketing" is not a phone number, phone number ID or line name`},
		{"send_message", map[string]any{"from": "Sales", "to": []any{"+14155550112"}, "content": "  \n "}, "content: "},
		{"send_message", map[string]any{"from": "Sales", "to": eleven, "content": "hi"}, "- to: "},
		{"send_message", map[string]any{"from": "Sales", "to": []any{"Nobody Atall"}, "content": "hi"}, `to[0]: "Nobody Atall" is not a phone number or a contact's name`},
		{"send_message", map[string]any{"from": "Sales", "to": []any{"+14155550112"}, "content": strings.Repeat("x", 1601)}, "content: "},
		{"send_message", map[string]any{"from": "Sales", "content": "hi"}, "- to is required"},
		{"mark_conversation", map[string]any{"conversationIds": []any{"PN1"}, "as": "done"}, "conversationIds[0]"},
		{"mark_conversation", map[string]any{"conversationIds": []any{f.ws.Conversations[0].ID}, "as": "closed"}, "as: "},
		{"create_task", map[string]any{"title": "Call back"}, "link the task to exactly one"},
		{"create_task", map[string]any{"title": "Call back", "conversationId": f.ws.Conversations[0].ID, "activityId": "AC1"}, "link the task to exactly one"},
		{"create_task", map[string]any{"title": "Call back", "conversationId": f.ws.Conversations[0].ID, "dueDate": "Friday"}, "dueDate"},
		{"update_task", map[string]any{"taskId": "TKdemo0001"}, "changes"},
		{"update_task", map[string]any{"taskId": "TKdemo0001", "dueDate": "2026-12-04T17:00:00Z", "removeDueDate": true}, "removeDueDate"},
		{"update_task", map[string]any{"taskId": "CN1", "completed": true}, "taskId"},
	} {
		res := call(t, f.server, tc.tool, tc.args)
		if !res.IsError || !strings.Contains(text(res), tc.want) {
			t.Errorf("%s %v: isError %v:\n%s", tc.tool, tc.args, res.IsError, text(res))
		}
	}
	for _, r := range f.api.Requests() {
		if r.Method != "GET" {
			t.Errorf("%s %s reached OpenPhone", r.Method, r.Path)
		}
	}
}

// TestSendToAContactByName: a recipient may be a contact's name, which
// must name one contact with one number.
func TestSendToAContactByName(t *testing.T) {
	f := newWriteFixture(t, nil)
	preview, _ := f.preview(t, "send_message", map[string]any{"from": "Sales", "to": []any{"Priya Raman"}, "content": "hi"})
	if !strings.Contains(preview, `"Priya Raman" ("Raman Dental") (+1 415-555-0112)`) {
		t.Errorf("the preview does not name the contact and number:\n%s", preview)
	}
	res := call(t, f.server, "send_message", map[string]any{"from": "Sales", "to": []any{"Fatima Khan"}, "content": "hi"})
	if !res.IsError || !strings.Contains(text(res), "names 3 contacts") {
		t.Errorf("an ambiguous name (isError %v):\n%s", res.IsError, text(res))
	}
}

// TestMarkAndTasks walks the other writes through their codes, and checks
// what the fake then holds.
func TestMarkAndTasks(t *testing.T) {
	f := newWriteFixture(t, nil)
	convs := []any{f.ws.Conversations[0].ID, f.ws.Conversations[1].ID}
	var previews []string
	do := func(tool string, args map[string]any) string {
		t.Helper()
		preview, code := f.preview(t, tool, args)
		previews = append(previews, codeRE.ReplaceAllString(preview, `confirm "<code>"`))
		res := f.confirmed(t, tool, args, code)
		if res.IsError {
			t.Fatalf("%s: %s", tool, text(res))
		}
		return text(res)
	}
	do("mark_conversation", map[string]any{"conversationIds": convs, "as": "done"})
	if marks := f.api.Marks(); len(marks) != 2 || marks[1] != (openphonetest.Mark{ConversationID: convs[1].(string), As: "done"}) {
		t.Errorf("marks = %+v", marks)
	}
	created := do("create_task", map[string]any{"title": "Call back Priya", "conversationId": convs[0], "dueDate": "2026-12-04T17:00:00Z", "assignedTo": f.ws.Users[1].ID})
	id := regexp.MustCompile(`task (TK\w+)`).FindStringSubmatch(created)[1]
	do("update_task", map[string]any{"taskId": id, "description": "About the crown", "completed": true, "removeDueDate": true})
	tasks := f.api.Tasks()
	task := tasks[slices.IndexFunc(tasks, func(t client.Task) bool { return t.TaskID == id })]
	if deref(task.Title) != "Call back Priya" || deref(task.Description) != "About the crown" || !task.Completed || task.DueDate != nil || deref(task.AssignedTo) != f.ws.Users[1].ID {
		t.Errorf("the task: %+v", task)
	}
	golden(t, "write_previews.txt", []byte(strings.Join(previews, "\n\n---\n\n")))
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRefusedSendsAreExplained: OpenPhone's refusals of a send (an expired
// subscription, a line without A2P registration) reach the model as
// errors that name them, and nothing is retried.
func TestRefusedSendsAreExplained(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   string
	}{
		{402, "(402 Subscription Expired): the workspace's subscription has expired"},
		{400, "(400 A2P Registration Not Approved): the line's A2P 10DLC registration"},
	} {
		f := newWriteFixture(t, func(c *Config) { c.Confirmation = ConfirmOff })
		f.api.Inject(openphonetest.Fault{Path: "/v1/messages", Status: tc.status, Domain: true})
		res := call(t, f.server, "send_message", f.textArgs())
		if !res.IsError || !strings.Contains(text(res), tc.want) || len(f.api.RequestsTo("/v1/messages")) != 1 {
			t.Errorf("%d: isError %v, %d requests:\n%s", tc.status, res.IsError, len(f.api.RequestsTo("/v1/messages")), text(res))
		}
	}
}

// TestIdenticalSendsAtOnceSendOne: ten confirmations of one text, used at
// once on two servers that share a ledger, send it once; the others are
// refused or asked again as repeats.
func TestIdenticalSendsAtOnceSendOne(t *testing.T) {
	secret := []byte("a secret the replicas share, 32+ bytes long")
	f := newWriteFixture(t, func(c *Config) { c.ConfirmationSecret = secret })
	// A second server on the same ledger: a replica.
	replica := NewServer(Config{Client: f.client, Version: "test", Context: t.Context(), ContactsWait: time.Minute, AllowWrites: true,
		Confirmation: ConfirmCode, ConfirmationSecret: secret, Ledger: f.ledger, Logger: slog.New(slog.DiscardHandler)})
	codes := make([]string, 10)
	for i := range codes {
		_, codes[i] = f.preview(t, "send_message", f.textArgs())
	}
	var wg sync.WaitGroup
	for i, code := range codes {
		s := []*server.MCPServer{f.server, replica}[i%2]
		wg.Go(func() {
			with := f.textArgs()
			with["confirm"] = code
			call(t, s, "send_message", with)
		})
	}
	wg.Wait()
	if n := len(f.api.Sends()); n != 1 {
		t.Errorf("%d sends, want 1", n)
	}
}
