package serve

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	gosdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
	"github.com/openphone-mcp/openphone-mcp/tools"
)

// httpFixture is the HTTP transport in front of the MCP server in front of
// the fake API, all on loopback.
type httpFixture struct {
	api *openphonetest.Server
	srv *httptest.Server
	url string
}

// newHTTPFixture serves the fake API's workspace over HTTP. With ownKey,
// the server has the fake's key; callers may always send their own. The
// options change the configuration; every client shares one limiter.
func newHTTPFixture(t *testing.T, ownKey bool, token string, opts ...func(*HTTPConfig, *[]client.Option)) httpFixture {
	t.Helper()
	api := openphonetest.NewServer(openphonetest.DemoWorkspace())
	t.Cleanup(api.Close)
	limiter, _ := client.NewLimiter(1000)
	cfg := HTTPConfig{Addr: "127.0.0.1:0", AuthToken: token, AllowedOrigins: []string{"https://assistant.example.com"}, CallerKeys: true, ServerKey: ownKey}
	clientOpts := []client.Option{client.WithBaseURL(api.URL), client.WithLimiter(limiter)}
	for _, opt := range opts {
		opt(&cfg, &clientOpts)
	}
	cfg.NewAccount = func(key string) (Account, error) {
		c, err := client.New(key, clientOpts...)
		if err != nil {
			return nil, err
		}
		return tools.NewAccount(t.Context(), c), nil
	}
	var own *client.Client
	if ownKey {
		own, _ = client.New(api.APIKey, clientOpts...)
	}
	s := tools.NewServer(tools.Config{Client: own, CallerKeyHeader: APIKeyHeader, Version: "test"})
	srv := httptest.NewServer(NewHTTPHandler(s, cfg))
	t.Cleanup(srv.Close)
	return httpFixture{api, srv, srv.URL + MCPPath}
}

// headers adds fixed headers to every request.
type headers struct {
	h    http.Header
	next http.RoundTripper
}

func (h headers) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h.h {
		r.Header[k] = v
	}
	return h.next.RoundTrip(r)
}

// connect opens a session with the official Go SDK's client, sending h
// with every request.
func (f httpFixture) connect(t *testing.T, h http.Header) *gosdk.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	transport := &gosdk.StreamableClientTransport{Endpoint: f.url, DisableStandaloneSSE: true, MaxRetries: -1,
		HTTPClient: &http.Client{Transport: headers{h, http.DefaultTransport}}}
	session, err := gosdk.NewClient(&gosdk.Implementation{Name: "http-test", Version: "1"}, nil).Connect(ctx, transport, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { session.Close() })
	return session
}

func callText(t *testing.T, s *gosdk.ClientSession, name string, args map[string]any) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := s.CallTool(ctx, &gosdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*gosdk.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String(), res.IsError
}

// post sends one JSON-RPC request by hand; see testkit.Post.
var post = testkit.Post

const listUsersCall = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_users","arguments":{}}}`

func TestHTTPWithTheGoSDK(t *testing.T) {
	f := newHTTPFixture(t, true, "s3cret-token")
	s := f.connect(t, http.Header{"Authorization": {"Bearer s3cret-token"}})
	list, err := s.ListTools(context.Background(), nil)
	if err != nil || len(list.Tools) != 14 {
		t.Fatalf("tools/list: %v %d tools", err, len(list.Tools))
	}
	out, isErr := callText(t, s, "list_conversations", map[string]any{"maxResults": 3})
	if isErr || !strings.HasPrefix(out, "3 conversations") {
		t.Errorf("tools/call: %s", out)
	}
	for _, r := range f.api.Requests() {
		if strings.Contains(fmt.Sprint(r.Header), "s3cret-token") {
			t.Errorf("the caller's bearer token reached OpenPhone: %v", r.Header)
		}
	}
}

func TestHTTPHealthz(t *testing.T) {
	f := newHTTPFixture(t, false, "tok")
	resp, err := http.Get(f.srv.URL + HealthPath)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz: %v %v", err, resp)
	}
	resp.Body.Close()
}

func TestHTTPOrigin(t *testing.T) {
	f := newHTTPFixture(t, true, "")
	for _, tt := range []struct {
		origin string
		status int
	}{
		{"", http.StatusOK},
		{"http://localhost:6274", http.StatusOK},
		{"http://127.0.0.1:3000", http.StatusOK},
		{"http://[::1]:8080", http.StatusOK},
		{"https://assistant.example.com", http.StatusOK},
		{"https://Assistant.Example.com:443", http.StatusOK},
		{"http://evil.example", http.StatusForbidden},
		{"http://localhost.evil.example", http.StatusForbidden},
		{"https://assistant.example.com.evil.example", http.StatusForbidden},
		{"null", http.StatusForbidden},
	} {
		h := http.Header{}
		if tt.origin != "" {
			h.Set("Origin", tt.origin)
		}
		if status, _, body := post(t, f.url, listUsersCall, h); status != tt.status {
			t.Errorf("Origin %q: %d, want %d: %s", tt.origin, status, tt.status, body)
		}
	}
}

func TestHTTPBearerToken(t *testing.T) {
	f := newHTTPFixture(t, true, "s3cret-token\n") // as a file or a shell may leave it
	for _, tt := range []struct {
		name, auth string
		status     int
	}{
		{"missing", "", http.StatusUnauthorized},
		{"wrong", "Bearer guess", http.StatusUnauthorized},
		{"no scheme", "s3cret-token", http.StatusUnauthorized},
		{"another scheme", "Basic s3cret-token", http.StatusUnauthorized},
		{"right", "Bearer s3cret-token", http.StatusOK},
		{"the scheme in lower case", "bearer s3cret-token", http.StatusOK},
		{"the scheme in upper case, two spaces", "BEARER  s3cret-token", http.StatusOK},
	} {
		h := http.Header{}
		if tt.auth != "" {
			h.Set("Authorization", tt.auth)
		}
		status, header, body := post(t, f.url, listUsersCall, h)
		if status != tt.status {
			t.Errorf("%s token: %d, want %d: %s", tt.name, status, tt.status, body)
		}
		if status == http.StatusUnauthorized && !strings.HasPrefix(header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s token: WWW-Authenticate %q", tt.name, header.Get("WWW-Authenticate"))
		}
	}
}

// TestHTTPCallersOwnKey: a caller's key reaches OpenPhone in place of the
// server's; without either, the call says how to send one.
func TestHTTPCallersOwnKey(t *testing.T) {
	f := newHTTPFixture(t, false, "")
	out, isErr := callText(t, f.connect(t, nil), "list_users", nil)
	if !isErr || !strings.Contains(out, APIKeyHeader) {
		t.Errorf("without a key: %s", out)
	}
	if n := len(f.api.Requests()); n != 0 {
		t.Errorf("a call without a key sent %d requests", n)
	}
	withKey := f.connect(t, http.Header{APIKeyHeader: {f.api.APIKey}})
	if out, isErr := callText(t, withKey, "list_users", nil); isErr {
		t.Fatalf("with the caller's key: %s", out)
	}
	reqs := f.api.Requests()
	if len(reqs) != 1 || reqs[0].Header.Get("Authorization") != f.api.APIKey {
		t.Errorf("the fake saw %d requests, the first with %q", len(reqs), reqs[0].Header.Get("Authorization"))
	}
	status, _, body := post(t, f.url, listUsersCall, http.Header{APIKeyHeader: {"bad key with spaces"}})
	if status != http.StatusBadRequest || strings.Contains(body, "bad key") {
		t.Errorf("a malformed key: %d %s", status, body)
	}
}

func TestAccountCache(t *testing.T) {
	made, size := 0, 0
	c := newAccountCache(2, func(key string) (Account, error) {
		made++
		cl, err := client.New(key)
		if err != nil {
			return nil, err
		}
		return tools.NewAccount(t.Context(), cl), nil
	}, func(n int) { size = n })
	a1, _ := c.get("key-one")
	if again, _ := c.get("key-one"); again != a1 || made != 1 {
		t.Errorf("a key's second request made a new account (%d made)", made)
	}
	c.get("key-two")
	c.get("key-one") // key-two is now the least recently used
	c.get("key-three")
	if again, _ := c.get("key-one"); again != a1 {
		t.Error("the recently used key was evicted")
	}
	if made != 3 {
		t.Errorf("%d accounts made, want 3", made)
	}
	c.get("key-two")
	if made != 4 {
		t.Errorf("the evicted key was not made anew (%d made)", made)
	}
	if size != 2 {
		t.Errorf("the cache reported %d accounts, want 2", size)
	}
	if _, err := c.get("a b"); err == nil || strings.Contains(err.Error(), "a b") {
		t.Errorf("a malformed key: %v", err)
	}
}

func TestHTTPBodyCap(t *testing.T) {
	f := newHTTPFixture(t, true, "")
	big := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_users","arguments":{"pageToken":"` + strings.Repeat("x", MaxRequestBytes) + `"}}}`
	if status, _, _ := post(t, f.url, big, nil); status != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over the cap: %d, want 413", status)
	}
	// Without a Content-Length too.
	req, _ := http.NewRequest(http.MethodPost, f.url, io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a chunked body over the cap: %d, want 413", resp.StatusCode)
	}
	if len(f.api.Requests()) != 0 {
		t.Error("an oversized request reached OpenPhone")
	}
}

func TestHTTPConcurrentCalls(t *testing.T) {
	f := newHTTPFixture(t, true, "")
	s := f.connect(t, nil)
	var wg sync.WaitGroup
	for i := 1; i <= 50; i++ {
		wg.Go(func() {
			n := i%45 + 1 // the demo has 48 conversations
			out, isErr := callText(t, s, "list_conversations", map[string]any{"maxResults": n})
			if want := fmt.Sprintf("%d conversation", n); isErr || !strings.HasPrefix(out, want) {
				t.Errorf("call %d: %.60q", i, out)
			}
		})
	}
	wg.Wait()
}

func TestHTTPConfigValidate(t *testing.T) {
	for _, tt := range []struct {
		cfg HTTPConfig
		ok  bool
	}{
		{HTTPConfig{Addr: "127.0.0.1:8080"}, true},
		{HTTPConfig{Addr: "localhost:8080"}, true},
		{HTTPConfig{Addr: "[::1]:8080"}, true},
		{HTTPConfig{Addr: "0.0.0.0:8080"}, false},
		{HTTPConfig{Addr: ":8080"}, false},
		{HTTPConfig{Addr: "10.0.0.5:8080"}, false},
		{HTTPConfig{Addr: ":8080", AuthToken: "t"}, true},
		{HTTPConfig{Addr: "8080"}, false},
		{HTTPConfig{Addr: "127.0.0.1:8080", AllowedOrigins: []string{"app.example.com"}}, false},
		{HTTPConfig{Addr: "127.0.0.1:8080", AllowedOrigins: []string{"https://app.example.com:443/"}}, true},
		{HTTPConfig{Addr: ":8080", AuthToken: "two words"}, false},
		{HTTPConfig{Addr: ":8080", AuthToken: "  padded\n"}, true},
		{HTTPConfig{Addr: ":8080", AuthToken: "\n"}, false},
		{HTTPConfig{Addr: "127.0.0.1:8080", AllowedHosts: []string{"mcp.example.com"}}, true},
		{HTTPConfig{Addr: "127.0.0.1:8080", AllowedHosts: []string{"https://mcp.example.com"}}, false},
	} {
		if err := tt.cfg.Validate(); (err == nil) != tt.ok {
			t.Errorf("%+v: %v, want ok %v", tt.cfg, err, tt.ok)
		}
	}
}
