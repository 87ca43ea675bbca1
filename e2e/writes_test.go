package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	gosdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// The protocol eras a client may speak: 2026-07-28 asks the person with an
// input_required result the client answers and retries; before it, the
// server sends elicitation/create itself (over stdio).
const (
	modernProtocol = "2026-07-28"
	legacyProtocol = "2025-11-25"
)

// sdkSession connects the official Go SDK's client to the binary, over
// stdio or HTTP, speaking protocol, answering each elicitation with
// action and recording what it was asked.
type sdkSession struct {
	*gosdk.ClientSession
	mu    sync.Mutex
	asked []string // the messages of the elicitations
}

func connectSDK(t *testing.T, api *openphonetest.Server, transport, protocol string, action string) *sdkSession {
	t.Helper()
	return connectSDKWith(t, api, transport, protocol, action, nil)
}

// connectSDKWith is connectSDK with the client's multi round-trip
// options: nil answers input_required results as a client does.
func connectSDKWith(t *testing.T, api *openphonetest.Server, transport, protocol, action string, mrtr *gosdk.MultiRoundTripOptions, env ...string) *sdkSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	s := &sdkSession{}
	c := gosdk.NewClient(&gosdk.Implementation{Name: "e2e-go-sdk", Version: "1.0.0"}, &gosdk.ClientOptions{
		ElicitationHandler: func(_ context.Context, req *gosdk.ElicitRequest) (*gosdk.ElicitResult, error) {
			s.mu.Lock()
			s.asked = append(s.asked, req.Params.Message)
			s.mu.Unlock()
			if action == "accept" { // the person ticks the form's one box
				return &gosdk.ElicitResult{Action: action, Content: map[string]any{"confirm": true}}, nil
			}
			return &gosdk.ElicitResult{Action: action}, nil
		},
		MultiRoundTrip: mrtr,
	})
	env = append(append(apiEnv(api), "OPENPHONE_ALLOW_WRITES=true"), env...)
	var tr gosdk.Transport
	if transport == "stdio" {
		cmd := exec.Command(binary)
		cmd.Env = append(os.Environ(), env...)
		tr = &gosdk.CommandTransport{Command: cmd}
	} else {
		tr = &gosdk.StreamableClientTransport{Endpoint: startHTTP(t, env).url}
	}
	session, err := c.Connect(ctx, tr, &gosdk.ClientSessionOptions{ProtocolVersion: protocol})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { session.Close() })
	if got := session.InitializeResult().ProtocolVersion; got != protocol {
		t.Fatalf("the session speaks %s, want %s", got, protocol)
	}
	s.ClientSession = session
	return s
}

func (s *sdkSession) messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.asked...)
}

func sdkText(res *gosdk.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*gosdk.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// TestE2EElicitation sends a text through the binary with the Go SDK's
// client answering the confirmation: accept sends it once, decline and
// cancel send nothing; over stdio in both protocol eras, and over HTTP
// in the era that can carry it.
func TestE2EElicitation(t *testing.T) {
	for _, transport := range []string{"stdio", "http"} {
		for _, protocol := range []string{modernProtocol, legacyProtocol} {
			if transport == "http" && protocol == legacyProtocol {
				continue // stateless HTTP cannot carry the server's request: TestE2EHTTPLegacyClientGetsAPage
			}
			for _, tc := range []struct {
				action string
				sends  int
				says   string
			}{
				{"accept", 1, "Sent: message AC"},
				{"decline", 0, "The person declined: nothing was done"},
				{"cancel", 0, "dismissed the confirmation without answering: nothing was done"},
			} {
				t.Run(fmt.Sprintf("%s %s %s", transport, protocol, tc.action), func(t *testing.T) {
					t.Parallel()
					api := testkit.Fake(t, openphonetest.DemoWorkspace())
					s := connectSDK(t, api, transport, protocol, tc.action)
					res, err := s.CallTool(t.Context(), &gosdk.CallToolParams{Name: "send_message", Arguments: map[string]any{
						"from": "Sales", "to": []string{"Priya Raman"}, "content": "We're open until 6 today.",
					}})
					if err != nil {
						t.Fatal(err)
					}
					asked := s.messages()
					if len(asked) != 1 || !strings.Contains(asked[0], `Send from "Sales" (+1 415-555-0100) to "Priya Raman" ("Raman Dental") (+1 415-555-0112):`) || !strings.Contains(asked[0], "«We're open until 6 today.»") {
						t.Errorf("the person was asked %q", asked)
					}
					if n := len(api.Sends()); n != tc.sends || !strings.Contains(sdkText(res), tc.says) {
						t.Errorf("%d sends, want %d; the model read:\n%s", n, tc.sends, sdkText(res))
					}
				})
			}
		}
	}
}

// TestE2EHTTPLegacyClientGetsAPage: over stateless HTTP, a client of an
// era before 2026-07-28 cannot be sent the server's question, so it gets a
// link to a confirmation page on the server's own address, whatever it
// declared; nothing the model sends confirms it, the page's button sends
// it once, and the model's next call reads the outcome.
func TestE2EHTTPLegacyClientGetsAPage(t *testing.T) {
	api := testkit.Fake(t, openphonetest.DemoWorkspace())
	s := connectSDK(t, api, "http", legacyProtocol, "accept")
	args := map[string]any{"from": "Sales", "to": []string{"+14155550112"}, "content": "We're open until 6 today."}
	res, err := s.CallTool(t.Context(), &gosdk.CallToolParams{Name: "send_message", Arguments: args})
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`http://127\.0\.0\.1:\d+/confirm/[\w-]+`).FindString(sdkText(res))
	if link == "" || len(api.Sends()) != 0 || len(s.messages()) != 0 {
		t.Fatalf("want a page's link, and nothing sent or asked; got %d sends, asked %q:\n%s", len(api.Sends()), s.messages(), sdkText(res))
	}
	args["confirm"] = "yes"
	if res, _ := s.CallTool(t.Context(), &gosdk.CallToolParams{Name: "send_message", Arguments: args}); len(api.Sends()) != 0 {
		t.Fatalf("a code from the model sent it: %s", sdkText(res))
	}
	delete(args, "confirm")
	u, _ := url.Parse(link)
	post := func(origin string) int {
		h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
		if origin != "" {
			h.Set("Origin", origin)
		}
		status, _, _ := testkit.Post(t, link, "answer=yes", h)
		return status
	}
	if status := post(""); status != http.StatusForbidden || len(api.Sends()) != 0 {
		t.Fatalf("a script's POST: %d, %d sends", status, len(api.Sends()))
	}
	if status := post(u.Scheme + "://" + u.Host); status != http.StatusOK || len(api.Sends()) != 1 {
		t.Fatalf("the page's button: %d, %d sends", status, len(api.Sends()))
	}
	post(u.Scheme + "://" + u.Host)
	if res, err = s.CallTool(t.Context(), &gosdk.CallToolParams{Name: "send_message", Arguments: args}); err != nil || res.IsError || !strings.Contains(sdkText(res), "Sent: message") || len(api.Sends()) != 1 {
		t.Fatalf("the outcome: err %v, %d sends:\n%s", err, len(api.Sends()), sdkText(res))
	}
}

// TestE2ECodeModeIsTheOperatorsChoice: with --write-confirmation code, the
// model relays a code, once.
func TestE2ECodeModeIsTheOperatorsChoice(t *testing.T) {
	api := testkit.Fake(t, openphonetest.DemoWorkspace())
	s := connectSDKWith(t, api, "http", legacyProtocol, "accept", nil, "OPENPHONE_WRITE_CONFIRMATION=code")
	args := map[string]any{"from": "Sales", "to": []string{"+14155550112"}, "content": "We're open until 6 today."}
	res, err := s.CallTool(t.Context(), &gosdk.CallToolParams{Name: "send_message", Arguments: args})
	if err != nil {
		t.Fatal(err)
	}
	code := regexp.MustCompile(`confirm "([\w-]+)"`).FindStringSubmatch(sdkText(res))
	if code == nil || len(api.Sends()) != 0 {
		t.Fatalf("want a preview and a code; got %d sends:\n%s", len(api.Sends()), sdkText(res))
	}
	args["confirm"] = code[1]
	for range 2 {
		s.CallTool(t.Context(), &gosdk.CallToolParams{Name: "send_message", Arguments: args})
	}
	if n := len(api.Sends()); n != 1 {
		t.Fatalf("the code twice: %d sends, want 1", n)
	}
}

// TestE2EWritesOffByDefault: without --allow-writes, no tool that writes
// is listed, and calling one fails.
func TestE2EWritesOffByDefault(t *testing.T) {
	api := testkit.Fake(t, openphonetest.DemoWorkspace())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(), apiEnv(api)...)
	session, err := gosdk.NewClient(&gosdk.Implementation{Name: "e2e", Version: "1"}, nil).Connect(ctx, &gosdk.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	list, err := session.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range list.Tools {
		if tool.Annotations == nil || !tool.Annotations.ReadOnlyHint {
			t.Errorf("%s is listed with writes off", tool.Name)
		}
	}
	res, err := session.CallTool(ctx, &gosdk.CallToolParams{Name: "send_message", Arguments: map[string]any{"from": "Sales", "to": []string{"+14155550112"}, "content": "hi"}})
	if err == nil && !res.IsError {
		t.Errorf("send_message answered with writes off: %s", sdkText(res))
	}
	if len(api.Sends()) != 0 {
		t.Errorf("%d sends with writes off", len(api.Sends()))
	}
}

// TestE2EHTTPRequestStateIsSigned: over stateless HTTP the elicitation's
// state travels through the client, which could alter it, move it to
// other arguments or send it twice: none of that sends anything.
func TestE2EHTTPRequestStateIsSigned(t *testing.T) {
	api := testkit.Fake(t, openphonetest.DemoWorkspace())
	s := connectSDKWith(t, api, "http", modernProtocol, "accept", &gosdk.MultiRoundTripOptions{Disabled: true})
	args := map[string]any{"from": "Sales", "to": []string{"+14155550112"}, "content": "We're open until 6 today."}
	first, err := s.CallTool(t.Context(), &gosdk.CallToolParams{Name: "send_message", Arguments: args})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := first.InputRequests["confirm"]; !ok || first.RequestState == "" {
		t.Fatalf("want an input_required result with a state, got %+v", first)
	}
	accept := gosdk.InputResponseMap{"confirm": &gosdk.ElicitResult{Action: "accept", Content: map[string]any{"confirm": true}}}
	retry := func(args map[string]any, state string) *gosdk.CallToolResult {
		t.Helper()
		res, err := s.CallTool(t.Context(), &gosdk.CallToolParams{Name: "send_message", Arguments: args, InputResponses: accept, RequestState: state})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	state := first.RequestState
	tampered := state[:len(state)-2] + map[bool]string{true: "AA", false: "BB"}[!strings.HasSuffix(state, "AA")]
	changed := map[string]any{"from": "Sales", "to": []string{"+14155550112"}, "content": "We're open until 9 today."}
	for _, tc := range []struct {
		name  string
		args  map[string]any
		state string
		want  string
		sends int
	}{
		{"a tampered state", args, tampered, "Nothing was done", 0},
		{"the state with other arguments", changed, state, "the arguments are not those", 0},
		{"the state", args, state, "Sent: message", 1},
		{"the state again", args, state, "already used", 1},
	} {
		if res := retry(tc.args, tc.state); !strings.Contains(sdkText(res), tc.want) || len(api.Sends()) != tc.sends {
			t.Errorf("%s: %d sends, want %d:\n%s", tc.name, len(api.Sends()), tc.sends, sdkText(res))
		}
	}
}

// TestE2EDemoWritesCanBeTurnedOff: the operator's word holds over
// --demo's default, on the command line or in the environment.
func TestE2EDemoWritesCanBeTurnedOff(t *testing.T) {
	for name, setting := range map[string]struct{ args, env []string }{
		"flag":        {[]string{"--demo", "--allow-writes=false", "tools"}, nil},
		"environment": {[]string{"--demo", "tools"}, []string{"OPENPHONE_ALLOW_WRITES=false"}},
		"default":     {[]string{"--demo", "tools"}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(binary, setting.args...)
			cmd.Env = append(append(os.Environ(), noKeyEnv...), setting.env...)
			out, code := output(t, cmd)
			published := strings.Contains(string(out), `"name": "send_message"`)
			if code != 0 || published != (name == "default") {
				t.Errorf("exit %d, send_message published: %v", code, published)
			}
		})
	}
}

// demoSend runs `--demo call send_message` with args, on state, with in as
// its standard input through a terminal when tty: the exit status and
// what it printed.
func demoSend(t *testing.T, state string, tty bool, in string, extra ...string) (string, int) {
	t.Helper()
	args := append(extra, "--demo", "call", "send_message", `{"from":"Sales","to":["+14155550112"],"content":"We're open until 6 today."}`)
	cmd := exec.Command(binary, args...)
	if tty { // script(1) gives the command a terminal, fed from in
		quoted := make([]string, len(args))
		for i, a := range args {
			quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		cmd = exec.Command("script", "-qec", binary+" "+strings.Join(quoted, " "), "/dev/null")
	}
	cmd.Env = append(append(os.Environ(), noKeyEnv...), "OPENPHONE_STATE_DIR="+state)
	cmd.Stdin = strings.NewReader(in)
	out, err := cmd.CombinedOutput()
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

// TestE2ECallAsksAtTheTerminal: `call` with a write asks the person at the
// terminal, y/N; without a terminal, it does nothing.
func TestE2ECallAsksAtTheTerminal(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("no script(1) to give the command a terminal")
	}
	for _, tc := range []struct {
		answer string
		code   int
		says   string
	}{
		{"y\n", 0, "Sent: message"},
		{"n\n", 0, "The person declined: nothing was done"},
		{"\n", 0, "The person declined: nothing was done"},
	} {
		out, code := demoSend(t, t.TempDir(), true, tc.answer)
		if code != tc.code || !strings.Contains(out, "Do it? [y/N]") || !strings.Contains(out, "«We're open until 6 today.»") || !strings.Contains(out, tc.says) {
			t.Errorf("answering %q: exit %d:\n%s", tc.answer, code, out)
		}
	}
	if out, code := demoSend(t, t.TempDir(), false, "y\n"); code != 1 || !strings.Contains(out, "Run the command in a terminal") || strings.Contains(out, "Sent") {
		t.Errorf("without a terminal: exit %d:\n%s", code, out)
	}
	// /dev/null is a character device, not a terminal.
	cmd := exec.Command(binary, "--demo", "call", "send_message", `{"from":"Sales","to":["+14155550112"],"content":"hi"}`)
	cmd.Env = append(append(os.Environ(), noKeyEnv...), "OPENPHONE_STATE_DIR="+t.TempDir())
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	cmd.Stdin = devnull
	if out, _ := cmd.CombinedOutput(); !strings.Contains(string(out), "Run the command in a terminal") {
		t.Errorf("with /dev/null for a terminal:\n%s", out)
	}
}

// TestE2EDemoCodesLineUpAcrossRuns: in the code mode, the demo's fixed key
// and secret make a code from one run confirm in the next, once, and the
// ledger in the state directory remembers that it was used.
func TestE2EDemoCodesLineUpAcrossRuns(t *testing.T) {
	state := t.TempDir()
	out, _ := demoSend(t, state, false, "", "--write-confirmation", "code")
	code := regexp.MustCompile(`confirm "([\w-]+)"`).FindStringSubmatch(out)
	if code == nil {
		t.Fatalf("no code:\n%s", out)
	}
	args := func() []string {
		return []string{"--write-confirmation", "code", "--demo", "call", "send_message", `{"from":"Sales","to":["+14155550112"],"content":"We're open until 6 today.","confirm":"` + code[1] + `"}`}
	}
	run := func() string {
		cmd := exec.Command(binary, args()...)
		cmd.Env = append(append(os.Environ(), noKeyEnv...), "OPENPHONE_STATE_DIR="+state)
		out, _ := cmd.CombinedOutput()
		return string(out)
	}
	if out := run(); !strings.Contains(out, "Sent: message") {
		t.Fatalf("the code in the next run:\n%s", out)
	}
	if out := run(); !strings.Contains(out, "already used") || strings.Contains(out, "Sent: message") {
		t.Fatalf("the code in a third run:\n%s", out)
	}
}
