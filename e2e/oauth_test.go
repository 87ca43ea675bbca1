package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	gosdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// bearerTransport adds a bearer token to every request.
type bearerTransport struct{ token string }

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// TestE2EOAuth runs the binary as an OAuth resource server of a real
// (in-test) authorization server, with no OpenPhone key of its own and a
// key mapped to one person, as the README's team setup has it: the mapped
// person is served with their key, anyone else is told no key is theirs,
// and a token for another resource is refused with the challenge.
func TestE2EOAuth(t *testing.T) {
	api := testkit.Fake(t, openphonetest.DemoWorkspace())
	is := testkit.NewIssuer(t)
	is.AddKey(t, "k1", "ec")
	keys := filepath.Join(t.TempDir(), "keys.json")
	os.WriteFile(keys, []byte(`{"email:ana@example.com": {"env": "OPENPHONE_KEY_ANA"}}`), 0o600)
	const resource = "http://127.0.0.1/mcp"
	srv := startHTTP(t, []string{"OPENPHONE_API_KEY=", "QUO_API_KEY=", "OPENPHONE_BASE_URL=" + api.URL, "OPENPHONE_KEY_ANA=" + api.APIKey,
		"OPENPHONE_MCP_OAUTH_ISSUER=" + is.URL, "OPENPHONE_MCP_OAUTH_AUDIENCE=" + resource, "OPENPHONE_MCP_OAUTH_SCOPES=openphone:read",
		"OPENPHONE_MCP_OAUTH_KEYS=" + keys})

	connect := func(token string) *gosdk.ClientSession {
		t.Helper()
		s, err := gosdk.NewClient(&gosdk.Implementation{Name: "e2e-oauth", Version: "1"}, nil).Connect(t.Context(),
			&gosdk.StreamableClientTransport{Endpoint: srv.url, HTTPClient: &http.Client{Transport: bearerTransport{token}}, MaxRetries: -1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	call := func(s *gosdk.ClientSession) (string, bool) {
		t.Helper()
		res, err := s.CallTool(t.Context(), &gosdk.CallToolParams{Name: "list_users", Arguments: map[string]any{}})
		if err != nil {
			t.Fatal(err)
		}
		return sdkText(res), res.IsError
	}
	if out, isErr := call(connect(is.Sign(t, "k1", is.Claims(resource, map[string]any{"email_verified": true})))); isErr || !strings.Contains(out, "5 users") {
		t.Errorf("ana, with her key: %s", out)
	}
	if out, isErr := call(connect(is.Sign(t, "k1", is.Claims(resource, map[string]any{"sub": "mallory"})))); !isErr || !strings.Contains(out, "no OpenPhone key for you") {
		t.Errorf("ana's email, unverified: %s", out)
	}
	if out, isErr := call(connect(is.Sign(t, "k1", is.Claims(resource, map[string]any{"sub": "bob", "email": "bob@example.com"})))); !isErr || !strings.Contains(out, "no OpenPhone key for you") {
		t.Errorf("bob, with none: %s", out)
	}
	status, h, _ := testkit.Post(t, srv.url, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`,
		http.Header{"Authorization": {"Bearer " + is.Sign(t, "k1", is.Claims("https://other.example.com/mcp", nil))}})
	if status != 401 || !strings.Contains(h.Get("WWW-Authenticate"), `resource_metadata="http://127.0.0.1/.well-known/oauth-protected-resource/mcp"`) {
		t.Errorf("a token for another resource: %d %q", status, h.Get("WWW-Authenticate"))
	}
	if strings.Contains(srv.stderr.String(), api.APIKey) {
		t.Error("the log holds the mapped key")
	}
}

// TestE2EOAuthWritesBelongToThePerson: two people signed in on the
// server's one key are two callers of a write: in the code mode, one
// cannot redeem the other's code, and the audit line names each.
func TestE2EOAuthWritesBelongToThePerson(t *testing.T) {
	api := testkit.Fake(t, openphonetest.DemoWorkspace())
	is := testkit.NewIssuer(t)
	is.AddKey(t, "k1", "ec")
	const resource = "http://127.0.0.1/mcp"
	srv := startHTTP(t, []string{"OPENPHONE_API_KEY=" + api.APIKey, "QUO_API_KEY=", "OPENPHONE_BASE_URL=" + api.URL,
		"OPENPHONE_MCP_OAUTH_ISSUER=" + is.URL, "OPENPHONE_MCP_OAUTH_AUDIENCE=" + resource,
		"OPENPHONE_ALLOW_WRITES=true", "OPENPHONE_WRITE_CONFIRMATION=code", "OPENPHONE_STATE_DIR=" + t.TempDir()})
	send := func(subject, code string) string {
		t.Helper()
		s, err := gosdk.NewClient(&gosdk.Implementation{Name: "e2e-oauth", Version: "1"}, nil).Connect(t.Context(),
			&gosdk.StreamableClientTransport{Endpoint: srv.url, MaxRetries: -1,
				HTTPClient: &http.Client{Transport: bearerTransport{is.Sign(t, "k1", is.Claims(resource, map[string]any{"sub": subject}))}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		args := map[string]any{"from": "Sales", "to": []string{"+14155550112"}, "content": "We're open until 6 today."}
		if code != "" {
			args["confirm"] = code
		}
		res, err := s.CallTool(t.Context(), &gosdk.CallToolParams{Name: "send_message", Arguments: args})
		if err != nil {
			t.Fatal(err)
		}
		return sdkText(res)
	}
	code := regexp.MustCompile(`confirm "([\w-]+)"`).FindStringSubmatch(send("ana", ""))
	if code == nil {
		t.Fatal("ana got no code")
	}
	if out := send("ben", code[1]); !strings.Contains(out, "issued to another caller") || len(api.Sends()) != 0 {
		t.Fatalf("ben redeemed ana's code (%d sends): %s", len(api.Sends()), out)
	}
	if out := send("ana", code[1]); !strings.Contains(out, "Sent: message") || len(api.Sends()) != 1 {
		t.Fatalf("ana's own code (%d sends): %s", len(api.Sends()), out)
	}
	if log := srv.stderr.String(); !strings.Contains(log, `sub:\"ana\"`) || !strings.Contains(log, `sub:\"ben\"`) {
		t.Errorf("the audit lines do not name the people:\n%s", log)
	}
}
