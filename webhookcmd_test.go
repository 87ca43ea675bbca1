package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// TestWebhooksCommandRefuses: what is wrong with the command is said, with
// what to do, before anything is sent; without a key, what to set.
func TestWebhooksCommandRefuses(t *testing.T) {
	api := testkit.Demo(t)
	c, err := client.New(api.APIKey, client.WithBaseURL(api.URL))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		nilC bool
		want string
	}{
		{nil, false, "Usage:"},
		{[]string{"rename"}, false, "want register, list or remove"},
		{[]string{"register"}, false, "--url is required"},
		{[]string{"register", "--url", "http://mcp.example.com/webhooks/openphone"}, false, "use https"},
		{[]string{"register", "--url", "mcp.example.com/webhooks/openphone"}, false, "is not an absolute URL"},
		{[]string{"register", "--url", "https://mcp.example.com/x", "extra"}, false, `unexpected argument "extra"`},
		{[]string{"list", "extra"}, false, `unexpected argument "extra"`},
		{[]string{"remove"}, false, "give the webhooks' IDs"},
		{[]string{"remove", "WH1", "--url", "https://mcp.example.com/x"}, false, "flags go before the IDs"},
		{[]string{"remove", "--url", "https://mcp.example.com/x", "WH1"}, false, "not both"},
		{[]string{"remove", "CN1"}, false, `"CN1" is not a webhook ID`},
		{[]string{"list"}, true, "set OPENPHONE_API_KEY"},
		{[]string{"register", "--url", "https://hook:s3cret@mcp.example.com/x"}, false, `"https://hook:xxxxx@mcp.example.com/x" carries a user or password`},
	} {
		cl := c
		if tc.nilC {
			cl = nil
		}
		var out, errOut bytes.Buffer
		if code := webhooksCommand(t.Context(), cl, tc.args, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), tc.want) || out.Len() != 0 ||
			strings.Contains(errOut.String(), "s3cret") {
			t.Errorf("webhooks %q: exit %d, stdout %q, stderr %q; want 2 and %q", tc.args, code, out.String(), errOut.String(), tc.want)
		}
	}
	if n := len(api.Requests()); n != 0 {
		t.Errorf("%d requests sent for refused commands", n)
	}
}

// TestWebhooksRegisterResumes: a register that fails part way says what
// is in place and to run it again, which makes only what is missing.
func TestWebhooksRegisterResumes(t *testing.T) {
	api := testkit.Demo(t)
	c, err := client.New(api.APIKey, client.WithBaseURL(api.URL), client.WithRetryPolicy(client.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	const url = "https://mcp.example.com/webhooks/openphone"
	api.Inject(openphonetest.Fault{Path: "/v1/webhooks/calls", Status: http.StatusForbidden})
	var out, errOut bytes.Buffer
	if code := webhooksCommand(t.Context(), c, []string{"register", "--url", url}, &out, &errOut); code != 1 ||
		!strings.Contains(out.String(), "created") || !strings.Contains(errOut.String(), "register again") {
		t.Fatalf("a register refused part way: exit %d:\n%s\n%s", code, &out, &errOut)
	}
	if n := len(api.Webhooks()); n != 1 {
		t.Fatalf("%d webhooks after the refusal, want the messages one", n)
	}
	out.Reset()
	if code := webhooksCommand(t.Context(), c, []string{"register", "--url", url, "--lines", api.Conversations()[0].PhoneNumberID}, &out, &errOut); code != 0 ||
		strings.Count(out.String(), "created") != 3 || !strings.Contains(out.String(), "were registered for other lines than asked") {
		t.Fatalf("register again: exit %d:\n%s", code, &out)
	}
	if n := len(api.Webhooks()); n != 4 {
		t.Errorf("%d webhooks, want 4", n)
	}
}
