package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
)

// caddyHeaders are what `caddy reverse-proxy --from mcp.example.com --to
// 127.0.0.1:8080` sends on: the client's Host, and its forwarding headers.
func caddyHeaders() http.Header {
	return http.Header{
		"X-Forwarded-For":   {"203.0.113.7"},
		"X-Forwarded-Proto": {"https"},
		"X-Forwarded-Host":  {"mcp.example.com"},
		"Via":               {"1.1 Caddy"},
	}
}

// postAs is post addressed to host.
func postAs(t *testing.T, url, host, body string, h http.Header) (int, http.Header, string) {
	t.Helper()
	h = h.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Host", host)
	return post(t, url, body, h)
}

// TestHTTPBehindAReverseProxy: the README's deployment, a proxy on this
// machine that forwards the public Host, is served: with a token, whatever
// the Host; without one, for the hosts allowed. Other Hosts are refused,
// against DNS rebinding.
func TestHTTPBehindAReverseProxy(t *testing.T) {
	withToken := newHTTPFixture(t, true, "tok")
	h := caddyHeaders()
	h.Set("Authorization", "Bearer tok")
	if status, _, body := postAs(t, withToken.url, "mcp.example.com", listUsersCall, h); status != http.StatusOK {
		t.Errorf("with a token, through the proxy: %d %s", status, body)
	}

	noToken := newHTTPFixture(t, true, "", func(cfg *HTTPConfig, _ *[]client.Option) { cfg.AllowedHosts = []string{"mcp.example.com"} })
	for _, tt := range []struct {
		host   string
		status int
	}{
		{"mcp.example.com", http.StatusOK},
		{"MCP.example.com:443", http.StatusOK},
		{"localhost:8080", http.StatusOK},
		{"127.0.0.1", http.StatusOK},
		{"[::1]:8080", http.StatusOK},
		{"evil.example", http.StatusForbidden},
		{"mcp.example.com.evil.example", http.StatusForbidden},
	} {
		status, _, body := postAs(t, noToken.url, tt.host, listUsersCall, caddyHeaders())
		if status != tt.status {
			t.Errorf("Host %s without a token: %d, want %d: %s", tt.host, status, tt.status, body)
		}
		if status == http.StatusForbidden && !strings.Contains(body, "--allowed-hosts") {
			t.Errorf("the refusal does not name --allowed-hosts: %s", body)
		}
	}
}

// TestHTTPCancellationStaysWithItsCaller: over stateless HTTP, a caller's
// notifications/cancelled reaches no call, so caller B cannot end caller
// A's call of the same id. A caller ends its own call by closing its
// request.
func TestHTTPCancellationStaysWithItsCaller(t *testing.T) {
	f := newHTTPFixture(t, true, "")
	f.api.Inject(openphonetest.Fault{Path: "/v1/users", Delay: 500 * time.Millisecond})
	done := make(chan string, 1)
	go func() {
		_, _, body := post(t, f.url, listUsersCall, nil)
		done <- body
	}()
	waitFor(t, func() bool { return len(f.api.Requests()) > 0 })
	cancel := `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1,"reason":"B's own"}}`
	if status, _, body := post(t, f.url, cancel, nil); status != http.StatusAccepted {
		t.Errorf("a cancellation: %d %s, want 202", status, body)
	}
	body := <-done
	if !strings.Contains(body, "Avery") || strings.Contains(body, `"isError":true`) {
		t.Errorf("A's call, after B's cancellation of id 1: %s", body)
	}

	// Closing the request cancels the call and its request to OpenPhone.
	f.api.Inject(openphonetest.Fault{Path: "/v1/users", Delay: time.Minute})
	ctx, stop := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, f.url, strings.NewReader(listUsersCall))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	go func() {
		waitFor(t, func() bool { return len(f.api.Requests()) > 1 })
		stop()
	}()
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	waitFor(t, func() bool { return f.api.Cancelled() == 1 })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for !cond() {
		time.Sleep(time.Millisecond)
	}
}

// TestHTTPRefusesBeforeReadingTheBody: a request without the token gets
// its 401 before a byte of its body is read, and its connection is closed.
func TestHTTPRefusesBeforeReadingTheBody(t *testing.T) {
	f := newHTTPFixture(t, true, "tok")
	conn, err := net.Dial("tcp", strings.TrimPrefix(f.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A body of a megabyte is announced, and never sent.
	conn.Write([]byte("POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n"))
	conn.SetDeadline(time.Now().Add(30 * time.Second)) // a hang guard, not a measurement
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("no answer while the body was withheld: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !resp.Close {
		t.Errorf("%d, close %v; want 401 and Connection: close", resp.StatusCode, resp.Close)
	}
	if _, err := r.ReadByte(); err == nil {
		t.Error("the connection stayed open after the 401")
	}
}

// TestHTTPCORS: a browser at an allowed origin gets its preflight answered
// before any token is asked for, with every header an MCP client sends, and
// the origin echoed on answers; another origin gets nothing.
func TestHTTPCORS(t *testing.T) {
	f := newHTTPFixture(t, true, "tok")
	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, f.url, nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type, mcp-protocol-version, x-openphone-api-key")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	resp := preflight("https://assistant.example.com")
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "https://assistant.example.com" {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	allowed := strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers"))
	for _, h := range []string{"authorization", "content-type", "mcp-protocol-version", "mcp-session-id", "x-openphone-api-key"} {
		if !strings.Contains(allowed, h) {
			t.Errorf("Access-Control-Allow-Headers %q lacks %s", allowed, h)
		}
	}
	if !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("Access-Control-Allow-Methods %q", resp.Header.Get("Access-Control-Allow-Methods"))
	}
	status, header, _ := post(t, f.url, listUsersCall, http.Header{"Origin": {"https://assistant.example.com"}, "Authorization": {"Bearer tok"}})
	if status != http.StatusOK || header.Get("Access-Control-Allow-Origin") != "https://assistant.example.com" {
		t.Errorf("a call from the allowed origin: %d, Access-Control-Allow-Origin %q", status, header.Get("Access-Control-Allow-Origin"))
	}
	if resp := preflight("https://evil.example"); resp.StatusCode != http.StatusForbidden || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("another origin's preflight: %d %v", resp.StatusCode, resp.Header)
	}
}

// TestHTTPWrongCallerKey: OpenPhone's 401 for a caller's own key blames
// the header the caller sent, not the server's environment.
func TestHTTPWrongCallerKey(t *testing.T) {
	f := newHTTPFixture(t, true, "")
	s := f.connect(t, http.Header{APIKeyHeader: {"opk_test_not_the_right_one"}})
	out, isErr := callText(t, s, "list_users", nil)
	if !isErr || !strings.Contains(out, APIKeyHeader) || strings.Contains(out, "OPENPHONE_API_KEY") {
		t.Errorf("isError=%v %s\nwant the caller's header blamed, not the server's environment", isErr, out)
	}
}

// TestHTTPBusy: a request beyond MaxRequestsInFlight is answered at once:
// a tool call with an isError the model can read.
func TestHTTPBusy(t *testing.T) {
	full := make(chan struct{}, 1)
	full <- struct{}{}
	h := readMessage(limitInFlight(full, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("a request beyond the cap was served")
	})))
	for _, tt := range []struct {
		body   string
		status int
	}{
		{listUsersCall, http.StatusOK},
		{`{"jsonrpc":"2.0","id":"x","method":"tools/list"}`, http.StatusOK},
		{`{"jsonrpc":"2.0","method":"notifications/initialized"}`, http.StatusServiceUnavailable},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, MCPPath, strings.NewReader(tt.body)))
		var answer struct {
			ID     any `json:"id"`
			Result struct {
				IsError bool `json:"isError"`
			} `json:"result"`
			Error *struct{ Message string } `json:"error"`
		}
		json.Unmarshal(rec.Body.Bytes(), &answer)
		busy := answer.Result.IsError || answer.Error != nil && strings.Contains(answer.Error.Message, "busy")
		if rec.Code != tt.status || !busy || rec.Header().Get("Retry-After") == "" {
			t.Errorf("%s: %d %s", tt.body, rec.Code, rec.Body)
		}
	}
}

// TestHTTPKeyChurnKeepsConnectionsFew: callers' keys, however many, share
// the connections to OpenPhone.
func TestHTTPKeyChurnKeepsConnectionsFew(t *testing.T) {
	f := newHTTPFixture(t, true, "")
	for i := range 300 {
		post(t, f.url, listUsersCall, http.Header{APIKeyHeader: {fmt.Sprintf("opk_caller_%d", i)}})
	}
	conns := map[string]bool{}
	for _, r := range f.api.Requests() {
		conns[r.RemoteAddr] = true
	}
	if len(conns) > 4 {
		t.Errorf("300 calls with 300 keys in turn opened %d connections to OpenPhone", len(conns))
	}
}

// TestHTTPOneWindowPerKey: the server's own key, also sent by a caller,
// has one rate limit, not one per client.
func TestHTTPOneWindowPerKey(t *testing.T) {
	limiter, _ := client.NewLimiter(2)
	f := newHTTPFixture(t, true, "", func(_ *HTTPConfig, opts *[]client.Option) {
		*opts = append(*opts, client.WithLimiter(limiter))
	})
	var wg sync.WaitGroup
	for i := range 6 {
		h := http.Header{}
		if i%2 == 0 {
			h.Set(APIKeyHeader, f.api.APIKey)
		}
		wg.Go(func() { post(t, f.url, listUsersCall, h) })
	}
	wg.Wait()
	reqs := f.api.Requests()
	early := 0
	for _, r := range reqs {
		if r.At.Sub(reqs[0].At) < 900*time.Millisecond {
			early++
		}
	}
	if early > 2 {
		t.Errorf("%d requests with one key reached OpenPhone within a second; the limit is 2", early)
	}
}
