package e2e

// End-to-end tests of the HTTP transport: the built binary serving
// Streamable HTTP on a loopback port.

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
	"github.com/openphone-mcp/openphone-mcp/serve"
)

// httpServer is the binary serving HTTP, and what it logged.
type httpServer struct {
	cmd    *exec.Cmd
	url    string
	stderr *testkit.LockedBuffer
}

// startHTTP starts the binary with --transport http on a free loopback
// port, and waits for the log line that names its address.
func startHTTP(t *testing.T, env []string, args ...string) *httpServer {
	t.Helper()
	return startHTTPArgs(t, env, append([]string{"--transport", "http", "--addr", "127.0.0.1:0"}, args...)...)
}

// startHTTPArgs is startHTTP with the whole command line.
func startHTTPArgs(t *testing.T, env []string, args ...string) *httpServer {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	s := &httpServer{cmd: cmd, stderr: &testkit.LockedBuffer{}}
	lines := bufio.NewScanner(stderr)
	serving := regexp.MustCompile(`serving MCP over HTTP" url=(http://\S+)`)
	for lines.Scan() {
		s.stderr.Write([]byte(lines.Text() + "\n"))
		if m := serving.FindStringSubmatch(lines.Text()); m != nil {
			s.url = m[1]
			break
		}
	}
	if s.url == "" {
		t.Fatalf("the server did not start:\n%s", s.stderr.String())
	}
	go func() {
		for lines.Scan() {
			s.stderr.Write([]byte(lines.Text() + "\n"))
		}
	}()
	return s
}

// postJSON sends one JSON-RPC message and returns the status and body.
func (s *httpServer) postJSON(t *testing.T, body string, h http.Header) (int, string) {
	t.Helper()
	status, _, reply := testkit.Post(t, s.url, body, h)
	return status, reply
}

func TestE2EHTTPRefusesExposureWithoutAToken(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0"} {
		cmd := exec.Command(binary, "--demo", "--transport", "http", "--addr", addr)
		cmd.Env = append(os.Environ(), noKeyEnv...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		_, code := output(t, cmd)
		if code != 2 || !strings.Contains(stderr.String(), "OPENPHONE_MCP_AUTH_TOKEN") {
			t.Errorf("--addr %s without a token: exit %d, %s", addr, code, stderr.String())
		}
	}
	cmd := exec.Command(binary, "--transport", "carrier-pigeon")
	if _, code := output(t, cmd); code != 2 {
		t.Errorf("an unknown transport: exit %d, want 2", code)
	}
}

// TestE2EHTTPSigtermLetsTheCallFinish: on SIGTERM the server stops taking
// requests, answers the call in flight, then exits 0.
func TestE2EHTTPSigtermLetsTheCallFinish(t *testing.T) {
	api := testkit.Demo(t)
	s := startHTTP(t, apiEnv(api))
	api.Inject(openphonetest.Fault{Path: "/v1/users", Delay: 500 * time.Millisecond})
	answered := make(chan string, 1)
	go func() {
		_, body := s.postJSON(t, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_users","arguments":{}}}`, nil)
		answered <- body
	}()
	waitFor(t, "the call to reach the fake", func() bool { return len(api.Requests()) == 1 })
	s.cmd.Process.Signal(syscall.SIGTERM)
	if body := <-answered; !strings.Contains(body, "5 users") {
		t.Errorf("the call in flight at SIGTERM: %s", body)
	}
	if err := s.cmd.Wait(); err != nil {
		t.Errorf("exit: %v\n%s", err, s.stderr.String())
	}
	if _, err := http.Get(strings.TrimSuffix(s.url, "/mcp") + "/healthz"); err == nil {
		t.Error("the server still answers after shutting down")
	}
}

// TestE2EHTTPKeysNeverLogged: neither a caller's OpenPhone key nor the
// bearer token appears in what the server writes, at debug level, through
// success and failure.
func TestE2EHTTPKeysNeverLogged(t *testing.T) {
	api := testkit.Demo(t)
	const token = "tok-9f8e7d6c5b4a"
	env := append(noKeyEnv, "OPENPHONE_BASE_URL="+api.URL, "OPENPHONE_LOG_LEVEL=debug", "OPENPHONE_MCP_AUTH_TOKEN="+token)
	s := startHTTP(t, env)
	auth := http.Header{"Authorization": {"Bearer " + token}}
	withKey := http.Header{"Authorization": {"Bearer " + token}, "X-Openphone-Api-Key": {api.APIKey}}
	var transcript strings.Builder
	for _, tt := range []struct {
		h    http.Header
		body string
	}{
		{withKey, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_users","arguments":{}}}`},
		{withKey, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_conversations","arguments":{"userId":"USnobody1"}}}`},
		{auth, `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list_users","arguments":{}}}`},
		{http.Header{"Authorization": {"Bearer wrong-" + token}}, `{"jsonrpc":"2.0","id":4,"method":"ping"}`},
		{http.Header{"Authorization": {"Bearer " + token}, "X-Openphone-Api-Key": {"bad key " + api.APIKey}}, `{"jsonrpc":"2.0","id":5,"method":"ping"}`},
	} {
		status, body := s.postJSON(t, tt.body, tt.h)
		transcript.WriteString(body)
		if status == 0 {
			t.Fatal("no answer")
		}
	}
	if !strings.Contains(transcript.String(), "5 users") {
		t.Errorf("the caller's key did not work:\n%s", transcript.String())
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.cmd.Wait()
	all := s.stderr.String() + transcript.String()
	for _, secret := range []string{api.APIKey, token} {
		if strings.Contains(all, secret) {
			t.Errorf("a secret appears in the server's output:\n%s", all)
		}
	}
	for _, r := range api.Requests() {
		if strings.Contains(r.Header.Get("Authorization"), token) {
			t.Error("the bearer token was sent to OpenPhone")
		}
	}
}

// TestE2EHTTPBodiesStayCheap: bodies built to cost the most to decode (an
// array of small numbers) cannot take the server's memory: those over the
// cap are refused unread or after the cap, and those under it are few at a
// time. 30 bodies of 1 MiB and 200 at the cap at once keep the peak RSS
// under 300 MiB.
func TestE2EHTTPBodiesStayCheap(t *testing.T) {
	s := startHTTP(t, nil, "--demo")
	numbers := func(size int) string {
		return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_users","arguments":{"x":[` +
			strings.Repeat("1,", size/2-60) + `1]}}}`
	}
	big, capped := numbers(1<<20), numbers(serve.MaxRequestBytes-64)
	var wg sync.WaitGroup
	send := func(body string, chunked bool) {
		req, _ := http.NewRequest(http.MethodPost, s.url, strings.NewReader(body))
		if chunked {
			req.Body = io.NopCloser(strings.NewReader(body))
			req.ContentLength = -1
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return // a refused body may close the connection mid-send
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if len(body) > serve.MaxRequestBytes && resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("a body of %d bytes: %d, want 413", len(body), resp.StatusCode)
		}
	}
	for i := range 30 {
		wg.Go(func() { send(big, i%2 == 0) })
	}
	for range 200 {
		wg.Go(func() { send(capped, false) })
	}
	wg.Wait()
	kb := peakRSS(t, s.cmd.Process.Pid)
	if kb > 300<<10 {
		t.Errorf("peak RSS %d MiB", kb>>10)
	}
	t.Logf("peak RSS %d MiB", kb>>10)
	if status, body := s.postJSON(t, `{"jsonrpc":"2.0","id":2,"method":"ping"}`, nil); status != http.StatusOK {
		t.Errorf("after the bodies, a ping: %d %s", status, body)
	}
}
