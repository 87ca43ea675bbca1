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
				continue // stateless HTTP cannot carry the server's request: TestE2EHTTPLegacyClientGetsACode
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
		req, _ := http.NewRequest(http.MethodPost, link, strings.NewReader("answer=yes"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
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
