package tools

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
	"github.com/openphone-mcp/openphone-mcp/ledger"
)

var pageRE = regexp.MustCompile(`http://127\.0\.0\.1:\d+/confirm/[A-Za-z0-9_-]+`)

// askFixture is a writeFixture in the default mode: a person confirms.
func askFixture(t *testing.T, edit func(*Config)) writeFixture {
	return newWriteFixture(t, func(c *Config) {
		c.Confirmation = ConfirmAsk
		if edit != nil {
			edit(c)
		}
	})
}

// pageLink calls name and returns the confirmation page's link it answers.
func (f writeFixture) pageLink(t *testing.T, name string, args map[string]any) string {
	t.Helper()
	res := call(t, f.server, name, args)
	link := pageRE.FindString(text(res))
	if res.IsError || link == "" {
		t.Fatalf("%s: want a confirmation page's link, got (isError %v):\n%s", name, res.IsError, text(res))
	}
	return link
}

// press answers a page as its own button does in a browser (with the
// page's Origin), or as a script would (origin ""): the status and the
// page.
func press(t *testing.T, link, answer, origin string) (int, string) {
	t.Helper()
	status, _, body := testkit.Post(t, link, url.Values{"answer": {answer}}.Encode(), pageForm(origin))
	return status, body
}

// pageForm is the headers of the page's form as a browser posts it from
// origin: Origin and Sec-Fetch-Site, as Chrome and Firefox send them; ""
// is a script's, with neither.
func pageForm(origin string) http.Header {
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	if origin != "" {
		h.Set("Origin", origin)
		h.Set("Sec-Fetch-Site", "same-origin")
	}
	return h
}

// TestThePageTakesABrowsersPost: what browsers send from the page itself
// is taken; what a script or another site sends is not.
func TestThePageTakesABrowsersPost(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header http.Header
		taken  bool
	}{
		{"a browser", http.Header{"Origin": {"<origin>"}, "Sec-Fetch-Site": {"same-origin"}}, true},
		{"a browser under no-referrer", http.Header{"Origin": {"null"}, "Sec-Fetch-Site": {"same-origin"}}, true},
		{"a browser too old for Sec-Fetch", http.Header{"Origin": {"<origin>"}}, true},
		{"another site", http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}, false},
		{"another site posing as the origin", http.Header{"Origin": {"<origin>"}, "Sec-Fetch-Site": {"cross-site"}}, false},
		{"a script", http.Header{}, false},
		{"a script with a null origin", http.Header{"Origin": {"null"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := askFixture(t, nil)
			link := f.pageLink(t, "send_message", f.textArgs())
			h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
			for k, v := range tc.header {
				h[k] = []string{strings.ReplaceAll(v[0], "<origin>", originOf(link))}
			}
			status, _, _ := testkit.Post(t, link, "answer=yes", h)
			if taken := len(f.api.Sends()) == 1; taken != tc.taken || (status == http.StatusOK) != tc.taken {
				t.Errorf("status %d, %d sends; want taken %v", status, len(f.api.Sends()), tc.taken)
			}
		})
	}
}

// TestAPageStateConfirmsNothing: the state a client is given with a page
// to open is not a form's answer, whatever the client declares next: not
// after the person said no, not after the page's write, not on another
// server that shares the secret and the ledger.
func TestAPageStateConfirmsNothing(t *testing.T) {
	const urlClient = `{"elicitation":{"url":{}}}`
	formAccept := func(state string) string {
		return `"inputResponses":{"confirm":{"action":"accept","content":{"confirm":true}}},"requestState":"` + state + `",`
	}
	taskArgs := map[string]any{"title": "Call back Priya", "conversationId": "CNMSM5hCoL"}
	for _, tc := range []struct {
		name  string
		tool  string
		args  func(f writeFixture) map[string]any
		press string // the person's answer on the page, "" for none
		path  string
		other bool // the replay reaches another server
	}{
		{"after no", "send_message", writeFixture.textArgs, "no", "/v1/messages", false},
		{"after the page's write", "create_task", func(writeFixture) map[string]any { return taskArgs }, "yes", "/v1/tasks", false},
		{"on another server", "send_message", writeFixture.textArgs, "", "/v1/messages", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			secret := []byte("a secret the replicas share, 32+ bytes long")
			f := askFixture(t, func(c *Config) { c.ConfirmationSecret = secret })
			asked := rawCall(t, f.server, context.Background(), urlClient, tc.tool, tc.args(f), "")
			raw, _ := json.Marshal(asked.InputRequests["confirm"])
			link := pageRE.FindString(string(raw))
			if !asked.NeedsInput() || link == "" {
				t.Fatalf("want a page to open: %s %s", text(asked), raw)
			}
			writes := len(f.api.RequestsTo(tc.path))
			if tc.press != "" {
				press(t, link, tc.press, originOf(link))
				writes = len(f.api.RequestsTo(tc.path))
				rawCall(t, f.server, context.Background(), urlClient, tc.tool, tc.args(f),
					`"inputResponses":{"confirm":{"action":"accept"}},"requestState":"`+asked.RequestState+`",`)
			}
			target := f.server
			if tc.other {
				target = NewServer(Config{Client: f.client, Version: "test", Context: t.Context(), AllowWrites: true,
					ConfirmationSecret: secret, Ledger: f.ledger, Logger: slog.New(slog.DiscardHandler)})
			}
			res := rawCall(t, target, context.Background(), formClient, tc.tool, tc.args(f), formAccept(asked.RequestState))
			if n := len(f.api.RequestsTo(tc.path)); n != writes {
				t.Fatalf("the page's state, replayed as a form's answer, wrote %d more: %s", n-writes, text(res))
			}
		})
	}
}

func originOf(link string) string {
	u, _ := url.Parse(link)
	return u.Scheme + "://" + u.Host
}

// TestOnlyThePersonConfirms: a client that cannot ask its person gets a
// link to the server's page. Nothing the model is given, or can send,
// confirms the write: calling again, a code, an elicitation answer from a
// client that declared none, a script's POST to the page. The page's own
// button sends it, once; the model then reads the outcome.
func TestOnlyThePersonConfirms(t *testing.T) {
	f := askFixture(t, nil)
	link := f.pageLink(t, "send_message", f.textArgs())

	page, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if !strings.Contains(string(body), "We&#39;re open until 6 today.") || !strings.Contains(string(body), `value="yes"`) {
		t.Fatalf("the page does not show the preview and its button:\n%s", body)
	}
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("the page can be framed: %q", csp)
	}

	tries := map[string]func() *mcp.CallToolResult{
		"calling again": func() *mcp.CallToolResult { return call(t, f.server, "send_message", f.textArgs()) },
		"a code": func() *mcp.CallToolResult {
			return f.confirmed(t, "send_message", f.textArgs(), "anything")
		},
		"an elicitation answer from a client that cannot ask": func() *mcp.CallToolResult {
			return rawCall(t, f.server, context.Background(), mute, "send_message", f.textArgs(),
				`"inputResponses":{"confirm":{"action":"accept","content":{"confirm":true}}},"requestState":"x",`)
		},
	}
	for name, try := range tries {
		res := try()
		if len(f.api.Sends()) != 0 {
			t.Fatalf("%s sent the text:\n%s", name, text(res))
		}
	}
	if status, _ := press(t, link, "yes", ""); status != http.StatusForbidden {
		t.Errorf("a POST without the page's Origin: %d, want 403", status)
	}
	if status, _, _ := testkit.Post(t, link, "answer=yes", http.Header{"Content-Type": {"application/x-www-form-urlencoded"},
		"Origin": {"http://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}); status != http.StatusForbidden {
		t.Errorf("a POST from another site: %d, want 403", status)
	}
	if n := len(f.api.Sends()); n != 0 {
		t.Fatalf("%d sends before the person pressed the button", n)
	}

	status, after := press(t, link, "yes", originOf(link))
	if status != http.StatusOK || !strings.Contains(after, "Done. Sent: message") || len(f.api.Sends()) != 1 {
		t.Fatalf("the page's button: %d, %d sends:\n%s", status, len(f.api.Sends()), after)
	}
	if _, again := press(t, link, "yes", originOf(link)); !strings.Contains(again, "already answered") || len(f.api.Sends()) != 1 {
		t.Fatalf("the button pressed twice: %d sends:\n%s", len(f.api.Sends()), again)
	}
	res := call(t, f.server, "send_message", f.textArgs())
	if res.IsError || !strings.Contains(text(res), "Sent: message "+f.api.Sends()[0].Message.ID) {
		t.Fatalf("the model's call after the page: %s", text(res))
	}
	// Read once: the next call asks anew, saying that it repeats.
	if res := call(t, f.server, "send_message", f.textArgs()); !strings.Contains(text(res), "WARNING: this repeats") || !pageRE.MatchString(text(res)) {
		t.Fatalf("the call after the outcome was read: %s", text(res))
	}
	if !strings.Contains(f.log.String(), `confirmed_by=page`) {
		t.Errorf("no audit line says the page confirmed it:\n%s", f.log.String())
	}
}

// TestThePersonDeclinesOnThePage: "No" sends nothing, and the model reads
// that the person declined.
func TestThePersonDeclinesOnThePage(t *testing.T) {
	f := askFixture(t, nil)
	link := f.pageLink(t, "send_message", f.textArgs())
	if _, page := press(t, link, "no", originOf(link)); !strings.Contains(page, "Declined") {
		t.Fatalf("after No: %s", page)
	}
	if _, page := press(t, link, "yes", originOf(link)); strings.Contains(page, "Done") || len(f.api.Sends()) != 0 {
		t.Fatalf("yes after no sent it: %s", page)
	}
	res := call(t, f.server, "send_message", f.textArgs())
	if !strings.Contains(text(res), "declined") || len(f.api.Sends()) != 0 {
		t.Fatalf("after the person declined (%d sends): %s", len(f.api.Sends()), text(res))
	}
	// The outcome read, no page is open: the loopback port closes.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		resp, err := http.Get(link)
		if err != nil {
			break
		}
		resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("the confirmation port is still open 10 s after the last page was answered")
		}
	}
}

// TestAFormAnswerMustTickTheBox: the client's form has one box; an accept
// that does not tick it does nothing.
func TestAFormAnswerMustTickTheBox(t *testing.T) {
	f := askFixture(t, nil)
	ctx := context.Background()
	asked := rawCall(t, f.server, ctx, formClient, "send_message", f.textArgs(), "")
	if !asked.NeedsInput() {
		t.Fatalf("a client that declares elicitation is not asked in its form: %s", text(asked))
	}
	state := asked.RequestState
	accept := `"inputResponses":{"confirm":{"action":"accept","content":{"confirm":true}}},"requestState":"` + state + `",`
	if res := rawCall(t, f.server, ctx, mute, "send_message", f.textArgs(), accept); !strings.Contains(text(res), "does not declare that it can ask") || len(f.api.Sends()) != 0 {
		t.Fatalf("an answer from a client that declares no elicitation (%d sends): %s", len(f.api.Sends()), text(res))
	}
	state = rawCall(t, f.server, ctx, formClient, "send_message", f.textArgs(), "").RequestState
	for _, content := range []string{`{}`, `{"confirm":false}`, `{"confirm":"yes"}`} {
		res := rawCall(t, f.server, ctx, formClient, "send_message", f.textArgs(),
			`"inputResponses":{"confirm":{"action":"accept","content":`+content+`}},"requestState":"`+state+`",`)
		if len(f.api.Sends()) != 0 {
			t.Fatalf("an accept with %s sent the text: %s", content, text(res))
		}
		state = rawCall(t, f.server, ctx, formClient, "send_message", f.textArgs(), "").RequestState
	}
	res := rawCall(t, f.server, ctx, formClient, "send_message", f.textArgs(),
		`"inputResponses":{"confirm":{"action":"accept","content":{"confirm":true}}},"requestState":"`+state+`",`)
	if res.IsError || len(f.api.Sends()) != 1 {
		t.Fatalf("the ticked box (%d sends): %s", len(f.api.Sends()), text(res))
	}
}

// The client capabilities of rawCall: a client that can ask its person in
// a form, and one that cannot ask.
const (
	formClient = `{"elicitation":{"form":{}}}`
	mute       = `{}`
)

// rawCall sends a tools/call of name over protocol 2026-07-28 with ctx,
// as a transport does, from a client with caps, with extra params
// (`"key":value,`).
func rawCall(t *testing.T, s *server.MCPServer, ctx context.Context, caps, name string, args map[string]any, extra string) *mcp.CallToolResult {
	t.Helper()
	rawArgs, _ := json.Marshal(args)
	msg := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{` + extra + `"name":"` + name + `","arguments":` + string(rawArgs) +
		`,"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":` + caps + `,"io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"}}}}`
	reply, err := json.Marshal(s.HandleMessage(ctx, []byte(msg)))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(reply, &out); err != nil || out.Error != nil {
		t.Fatalf("tools/call: %s", reply)
	}
	res, err := mcp.ParseCallToolResult(&out.Result)
	if err != nil {
		t.Fatalf("%v: %s", err, out.Result)
	}
	return res
}

// TestOneCodeSendsOnceAcrossReplicasAndRestarts: servers that share a
// secret and a ledger (replicas on one Redis; processes on one state
// directory; one process restarted) send once for one code, whichever
// they reach.
func TestOneCodeSendsOnceAcrossReplicasAndRestarts(t *testing.T) {
	secret := []byte("a secret the replicas share, 32+ bytes long")
	for name, opener := range map[string]func(t *testing.T) func() ledger.Ledger{
		"redis": func(t *testing.T) func() ledger.Ledger {
			url := testkit.RedisURL(t)
			return func() ledger.Ledger {
				r, err := ledger.OpenRedis(url)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { r.Close() })
				return r
			}
		},
		"state directory": func(t *testing.T) func() ledger.Ledger {
			dir := t.TempDir()
			return func() ledger.Ledger {
				l, err := ledger.OpenFile(dir)
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			open := opener(t) // each server opens the ledger as a process would
			f := newWriteFixture(t, func(c *Config) { c.ConfirmationSecret, c.Ledger = secret, open() })
			replica := func() *server.MCPServer {
				return NewServer(Config{Client: f.client, Version: "test", Context: t.Context(), ContactsWait: time.Minute, AllowWrites: true,
					Confirmation: ConfirmCode, ConfirmationSecret: secret, Ledger: open(), Logger: slog.New(slog.DiscardHandler)})
			}
			servers := []*server.MCPServer{f.server, replica(), replica()} // the third: the first, restarted
			_, code := f.preview(t, "send_message", f.textArgs())
			args := f.textArgs()
			args["confirm"] = code
			var wg sync.WaitGroup
			for _, s := range servers {
				wg.Go(func() { call(t, s, "send_message", args) })
			}
			wg.Wait()
			if n := len(f.api.Sends()); n != 1 {
				t.Fatalf("one code, confirmed on three servers at once: %d sends; want 1", n)
			}
			for _, s := range servers {
				if res := call(t, s, "send_message", args); !strings.Contains(text(res), "already used") {
					t.Errorf("the spent code again: %s", text(res))
				}
			}
			if n := len(f.api.Sends()); n != 1 {
				t.Fatalf("%d sends; want 1", n)
			}
		})
	}
}

// TestAnUnreachableLedgerRefusesTheWrite: without its ledger, a write is
// refused, never sent on a guess.
func TestAnUnreachableLedgerRefusesTheWrite(t *testing.T) {
	dir := t.TempDir()
	broken, err := ledger.OpenFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(*Config){
		"a ledger that cannot be read": func(c *Config) {
			os.WriteFile(filepath.Join(dir, ledger.FileName), []byte("not a ledger"), 0o600)
			c.Ledger, c.Confirmation = broken, ConfirmOff
		},
		"no ledger": func(c *Config) { c.Ledger, c.Confirmation = nil, ConfirmOff },
		"a Redis that does not answer": func(c *Config) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			l.Close() // nothing listens there now
			r, err := ledger.OpenRedis("redis://" + l.Addr().String() + "/0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close() })
			c.Ledger, c.Confirmation = r, ConfirmOff
		},
	} {
		t.Run(name, func(t *testing.T) {
			f := newWriteFixture(t, edit)
			res := call(t, f.server, "send_message", f.textArgs())
			if !res.IsError || !strings.Contains(text(res), "ledger of confirmed writes") || !strings.Contains(text(res), "nothing is sent on a guess") {
				t.Errorf("isError %v: %s", res.IsError, text(res))
			}
			if n := len(f.api.RequestsTo("/v1/messages")); n != 0 {
				t.Errorf("%d sends without a ledger", n)
			}
		})
	}
}

// TestWritesBelongToThePerson: two people signed in on one key are two
// callers: neither can redeem the other's code, and the audit line names
// each.
func TestWritesBelongToThePerson(t *testing.T) {
	f := newWriteFixture(t, nil)
	ana, ben := WithPerson(context.Background(), "ana"), WithPerson(context.Background(), "ben")
	res := rawCallAs(t, f.server, ana, "send_message", f.textArgs())
	code := codeRE.FindStringSubmatch(text(res))
	if code == nil {
		t.Fatalf("no code: %s", text(res))
	}
	args := f.textArgs()
	args["confirm"] = code[1]
	if res := rawCallAs(t, f.server, ben, "send_message", args); !strings.Contains(text(res), "issued to another caller") || len(f.api.Sends()) != 0 {
		t.Fatalf("ben redeemed ana's code (%d sends): %s", len(f.api.Sends()), text(res))
	}
	if res := rawCallAs(t, f.server, ana, "send_message", args); res.IsError || len(f.api.Sends()) != 1 {
		t.Fatalf("ana's own code (%d sends): %s", len(f.api.Sends()), text(res))
	}
	if !strings.Contains(f.log.String(), `sub:\"ana\"`) || !strings.Contains(f.log.String(), `sub:\"ben\"`) {
		t.Errorf("the audit lines do not name the people:\n%s", f.log.String())
	}
}

// rawCallAs calls name with ctx, as a transport does for a signed-in
// person, from a client that cannot elicit.
func rawCallAs(t *testing.T, s *server.MCPServer, ctx context.Context, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	return rawCall(t, s, ctx, mute, name, args, "")
}

// TestQuestionsCountAsConfirm: a question to the person counts as
// confirm in the metrics, a write as ok only once it was carried out.
func TestQuestionsCountAsConfirm(t *testing.T) {
	m := &recordedMetrics{}
	f := askFixture(t, func(c *Config) { c.Metrics = m })
	link := f.pageLink(t, "send_message", f.textArgs())
	call(t, f.server, "send_message", f.textArgs()) // still waiting
	press(t, link, "yes", originOf(link))
	call(t, f.server, "send_message", f.textArgs()) // the outcome
	want := []string{"send_message confirm", "send_message confirm", "send_message ok", "send_message ok"}
	if got := m.calls(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("metrics: %q; want %q", got, want)
	}
}

type recordedMetrics struct {
	mu  sync.Mutex
	got []string
}

func (m *recordedMetrics) ToolCall(tool, outcome string, _ time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.got = append(m.got, tool+" "+outcome)
}
func (m *recordedMetrics) IndexBuilt(time.Duration, int, error) {}
func (m *recordedMetrics) calls() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.got...)
}

// TestAClientThatOpensPages: a client that can open a URL for its person
// (URL elicitation) is asked to open the page; once the person pressed its
// button, the client's answer reads the outcome.
func TestAClientThatOpensPages(t *testing.T) {
	f := askFixture(t, nil)
	const urlClient = `{"elicitation":{"url":{}}}`
	asked := rawCall(t, f.server, context.Background(), urlClient, "send_message", f.textArgs(), "")
	if !asked.NeedsInput() {
		t.Fatalf("want an input_required result: %s", text(asked))
	}
	raw, _ := json.Marshal(asked.InputRequests["confirm"])
	var params struct {
		Params struct {
			Mode, URL, ElicitationID string
		}
	}
	json.Unmarshal(raw, &params)
	if params.Params.Mode != "url" || !pageRE.MatchString(params.Params.URL) || !strings.HasSuffix(params.Params.URL, params.Params.ElicitationID) {
		t.Fatalf("the elicitation: %s", raw)
	}
	press(t, params.Params.URL, "yes", originOf(params.Params.URL))
	res := rawCall(t, f.server, context.Background(), urlClient, "send_message", f.textArgs(),
		`"inputResponses":{"confirm":{"action":"accept"}},"requestState":"`+asked.RequestState+`",`)
	if res.IsError || !strings.Contains(text(res), "Sent: message") || len(f.api.Sends()) != 1 {
		t.Fatalf("the client's answer after the page (%d sends): %s", len(f.api.Sends()), text(res))
	}
}

// TestConfirmationProblemsReadAsSentences: what follows a comma does not
// start a new sentence ("…, Call send_message…").
func TestConfirmationProblemsReadAsSentences(t *testing.T) {
	for p := tokenOK + 1; p <= tokenSpent; p++ {
		for _, elicited := range []bool{false, true} {
			msg := confirmationProblem(p, time.Now(), "send_message", elicited)
			if regexp.MustCompile(`, [A-Z][a-z]`).MatchString(msg) {
				t.Errorf("%s (elicited %v): a capital mid-sentence: %s", p, elicited, msg)
			}
		}
	}
}
