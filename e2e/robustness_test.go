package e2e

// End-to-end tests of robustness: the built binary under cancellation,
// signals, concurrency, hostile input and failing upstreams.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// rawSession drives the binary line by line over stdio.
type rawSession struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string // stdout, line by line
	stderr *testkit.LockedBuffer
	seen   map[string]map[string]json.RawMessage // replies read while awaiting others
}

func startRaw(t *testing.T, env []string, args ...string) *rawSession {
	t.Helper()
	s := &rawSession{t: t, cmd: exec.Command(binary, args...), lines: make(chan string, 1024), stderr: &testkit.LockedBuffer{}, seen: map[string]map[string]json.RawMessage{}}
	s.cmd.Env = append(os.Environ(), env...)
	s.cmd.Stderr = s.stderr
	s.stdin, _ = s.cmd.StdinPipe()
	stdout, _ := s.cmd.StdoutPipe()
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
	}()
	t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	s.send(`{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`)
	s.await(`"init"`)
	s.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	return s
}

func (s *rawSession) send(line string) {
	s.t.Helper()
	if _, err := io.WriteString(s.stdin, line+"\n"); err != nil {
		s.t.Fatalf("writing to the server: %v", err)
	}
}

// await returns the reply to the request with the given JSON id, checking
// that every line is JSON-RPC. Replies may come in any order.
func (s *rawSession) await(id string) map[string]json.RawMessage {
	s.t.Helper()
	if msg, ok := s.seen[id]; ok {
		return msg
	}
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				s.t.Fatalf("stdout closed before the reply to %s; stderr:\n%s", id, s.stderr.String())
			}
			var msg map[string]json.RawMessage
			if err := json.Unmarshal([]byte(line), &msg); err != nil || string(msg["jsonrpc"]) != `"2.0"` {
				s.t.Fatalf("stdout line is not JSON-RPC: %.200s", line)
			}
			if string(msg["id"]) == id {
				return msg
			}
			s.seen[string(msg["id"])] = msg
		case <-timeout:
			s.t.Fatalf("no reply to %s within 30s", id)
		}
	}
}

// toolCall is a tools/call line for list_conversations.
func toolCall(id string, args string) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":"list_conversations","arguments":%s}}`, id, args)
}

// isErrorResult reports whether a reply is a tool result with isError set.
func isErrorResult(t *testing.T, reply map[string]json.RawMessage) bool {
	t.Helper()
	var res struct {
		IsError bool `json:"isError"`
	}
	if err := json.Unmarshal(reply["result"], &res); err != nil || reply["result"] == nil {
		t.Fatalf("not a tool result: %v", reply)
	}
	return res.IsError
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// startHolding starts the binary with call 2 of list_conversations, with
// args, in flight: the fake holds its answer back for delay.
func startHolding(t *testing.T, delay time.Duration, args string) (*openphonetest.Server, *rawSession) {
	t.Helper()
	api := testkit.Demo(t)
	s := startRaw(t, apiEnv(api))
	api.Inject(openphonetest.Fault{Delay: delay})
	s.send(toolCall("2", args))
	waitFor(t, "the call to reach the fake", func() bool { return len(api.Requests()) == 1 })
	return api, s
}

func TestE2ECancellationEndsTheUpstreamRequest(t *testing.T) {
	api, s := startHolding(t, time.Hour, `{}`)
	s.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":2,"reason":"user"}}`)
	waitFor(t, "the fake to see its request end", func() bool { return api.Cancelled() == 1 })
	s.send(toolCall("3", `{"maxResults":2}`))
	if isErrorResult(t, s.await("3")) {
		t.Error("the call after a cancellation failed")
	}
}

func TestE2ESignalLetsCallsInFlightFinish(t *testing.T) {
	_, s := startHolding(t, 300*time.Millisecond, `{"maxResults":3}`)
	s.cmd.Process.Signal(syscall.SIGTERM)
	if isErrorResult(t, s.await("2")) {
		t.Error("the call in flight at SIGTERM was not answered in full")
	}
	if err := s.cmd.Wait(); err != nil {
		t.Errorf("exit: %v", err)
	}
}

// TestE2ESecondSignalExitsAtOnce: a second signal during the graceful
// shutdown ends the process without waiting out the calls in flight.
func TestE2ESecondSignalExitsAtOnce(t *testing.T) {
	_, s := startHolding(t, time.Hour, `{}`)
	s.cmd.Process.Signal(syscall.SIGTERM)
	waitFor(t, "the graceful shutdown to start", func() bool { return strings.Contains(s.stderr.String(), "a second signal exits at once") })
	s.cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	select {
	case <-exited:
	case <-time.After(5 * time.Second): // the grace period is 10 s
		t.Fatal("the second SIGTERM did not end the process")
	}
}

// TestE2EConcurrentCalls fires 100 calls with different arguments over one
// session, at the real rate limit: each answer is complete and belongs to
// its own request.
func TestE2EConcurrentCalls(t *testing.T) {
	t.Parallel() // about 10 s at 10 requests/s
	ws := openphonetest.GenerateWorkspace(3, 120)
	api := testkit.Fake(t, ws)
	c := startClient(t, append(apiEnv(api), "OPENPHONE_LOG_LEVEL=warn"))
	var wg sync.WaitGroup
	for i := 1; i <= 100; i++ {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			req := mcp.CallToolRequest{}
			req.Params.Name = "list_conversations"
			req.Params.Arguments = map[string]any{"maxResults": i}
			res, err := c.CallTool(ctx, req)
			if err != nil {
				t.Errorf("call %d: %v", i, err)
				return
			}
			if res.IsError {
				t.Errorf("call %d: %s", i, resultText(res))
				return
			}
			p := readPage(t, res)
			if len(p.Conversations) != i || !strings.HasPrefix(resultText(res), fmt.Sprintf("%d conversation", i)) {
				t.Errorf("call %d got %d conversations, summary %.40q: answers crossed", i, len(p.Conversations), resultText(res))
			}
		})
	}
	wg.Wait()
	if n := len(api.RequestsTo("/v1/conversations")); n != 100 {
		t.Errorf("fake saw %d requests, want 100", n)
	}
}

// TestE2EHostileInput sends what a broken or malicious client might: the
// server answers each request, writes only JSON-RPC, and keeps serving.
func TestE2EHostileInput(t *testing.T) {
	api := testkit.Demo(t)
	s := startRaw(t, apiEnv(api))
	nested := func(depth int) string { return strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth) }
	for _, line := range []string{
		"garbage",
		"{not json",
		`"just a string"`,
		`[]`,
		`{"jsonrpc":"2.0","id":{"weird":true},"method":"tools/list"}`,
		`{"jsonrpc":"1.0","id":10,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":11}`, // a response with no result: nothing to answer
		`{"jsonrpc":"2.0","id":12,"method":"no/such/method"}`,
		`{"jsonrpc":"2.0","id":13,"method":"tools/call","params":"oops"}`,
		`{"jsonrpc":"2.0","id":14,"method":"tools/call","params":{"name":"no_such_tool"}}`,
		`{"jsonrpc":"2.0","id":15,"method":"tools/call","params":{"name":"list_conversations","arguments":[1,2]}}`,
		`{"jsonrpc":"2.0","id":16,"method":"tools/call","params":{"name":"list_conversations","arguments":{"maxResults":{"$gt":1},"userId":[["US1"]]}}}`,
		`{"jsonrpc":"2.0","id":17,"method":"tools/call","params":{"name":"list_conversations","arguments":{"pageToken":` + nested(5000) + `}}}`,
		`{"jsonrpc":"2.0","id":19,"method":"tools/call","params":{"name":"list_conversations","arguments":` + nested(20000) + `}}`, // too deep to parse: a parse error, id null
		`{"jsonrpc":"2.0","id":18,"method":"tools/call","params":{"name":"list_conversations","arguments":{"pageToken":"` + strings.Repeat("x", 10<<20) + `"}}}`,
		"",
		"\x00\x01\x02",
	} {
		s.send(line)
	}
	for _, id := range []int{10, 12, 13, 14, 15, 16, 17, 18} {
		reply := s.await(fmt.Sprint(id))
		if reply["error"] == nil && !(reply["result"] != nil && isErrorResult(t, reply)) {
			t.Errorf("request %d: %v, want a JSON-RPC error or an isError result", id, reply)
		}
	}
	s.send(toolCall("99", `{"maxResults":2}`))
	if isErrorResult(t, s.await("99")) {
		t.Error("the server stopped serving after hostile input")
	}
	if n := len(api.RequestsTo("/v1/conversations")); n > 2 {
		t.Errorf("hostile input reached OpenPhone: %d requests", n)
	}
}

// TestE2EOverlongLineStaysSmall: a 64 MiB line is discarded as it is read,
// never held: the server's peak memory stays far below the line's size,
// and it goes on serving.
func TestE2EOverlongLineStaysSmall(t *testing.T) {
	api := testkit.Demo(t)
	s := startRaw(t, apiEnv(api))
	s.send(`{"jsonrpc":"2.0","id":"huge","method":"tools/call","params":{"name":"list_users","arguments":{"pageToken":"` + strings.Repeat("x", 64<<20) + `"}}}`)
	if reply := s.await(`"huge"`); !strings.Contains(string(reply["error"]), "4 MiB") {
		t.Errorf("the over-long line: %v", reply)
	}
	s.send(toolCall("2", `{"maxResults":2}`))
	if isErrorResult(t, s.await("2")) {
		t.Error("the server stopped serving after an over-long line")
	}
	if kb := peakRSS(t, s.cmd.Process.Pid); kb > 48<<10 {
		t.Errorf("peak RSS %d MiB after a 64 MiB line", kb>>10)
	}
}

// peakRSS reads a process's peak resident set, in KiB; it skips the test
// where /proc is missing.
func peakRSS(t *testing.T, pid int) int {
	t.Helper()
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc here:", err)
	}
	rss, err := testkit.PeakRSS(pid)
	if err != nil {
		t.Fatal(err)
	}
	return int(rss >> 10)
}

// TestE2ESecretsNeverLeak runs the binary at debug level through every
// error path and scans all it wrote for the API key.
func TestE2ESecretsNeverLeak(t *testing.T) {
	api := testkit.Demo(t)
	env := append(apiEnv(api), "OPENPHONE_CALL_TIMEOUT=2s")
	s := startRaw(t, env)
	faults := []openphonetest.Fault{
		{Status: 400, Body: `{"message":"Bad","code":"1000400","errors":[{"path":"/query/userId","message":"bad"}]}`},
		{Status: 401}, {Status: 402}, {Status: 403, Body: `{"message":"Not member","code":"1001403","title":"Not Phone Number User"}`},
		{Status: 404}, {Status: 409}, {Status: 422}, {Status: 500},
		{Status: 502, ContentType: "text/html", Body: "<html>bad gateway</html>"},
		{Status: 200, Body: `{"data":[{"id":`}, {Status: 200, ContentType: "text/html", Body: "<html>"},
	}
	var transcript strings.Builder
	for i, f := range faults {
		api.Inject(f)
		id := fmt.Sprint(100 + i)
		s.send(toolCall(id, `{"userId":"US1","phoneNumbers":["+14155550100"]}`))
		reply := s.await(id)
		if !isErrorResult(t, reply) {
			t.Errorf("fault %+v: no isError result", f)
		}
		fmt.Fprintln(&transcript, reply)
	}
	// Retries exhausted, a timeout, bad arguments.
	api.Inject(openphonetest.Fault{Status: 429, Header: http.Header{"Retry-After": {"0"}}}, openphonetest.Fault{Status: 503}, openphonetest.Fault{Status: 503}, openphonetest.Fault{Status: 503})
	s.send(toolCall("200", `{}`))
	fmt.Fprintln(&transcript, s.await("200"))
	api.Inject(openphonetest.Fault{Delay: time.Hour}, openphonetest.Fault{Delay: time.Hour})
	s.send(toolCall("201", `{}`))
	fmt.Fprintln(&transcript, s.await("201"))
	s.send(toolCall("202", `{"maxResults":0,"bogus":"x"}`))
	fmt.Fprintln(&transcript, s.await("202"))
	s.stdin.Close()
	s.cmd.Wait()

	all := transcript.String() + s.stderr.String()
	if !strings.Contains(s.stderr.String(), "level=DEBUG") {
		t.Errorf("no debug logs were written; stderr:\n%s", s.stderr.String())
	}
	if strings.Contains(all, api.APIKey) || strings.Contains(all, api.APIKey[len(api.APIKey)-12:]) {
		t.Errorf("the API key leaked:\n%s", all)
	}
}

// TestE2EStuckStdoutStaysSmall: a client that sends and never reads makes
// the server stop reading too, so its memory stays bounded; and it still
// exits on SIGTERM, within the grace period.
func TestE2EStuckStdoutStaysSmall(t *testing.T) {
	cmd := exec.Command(binary, "--demo")
	cmd.Env = append(os.Environ(), "OPENPHONE_LOG_LEVEL=warn")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe() // never read
	defer stdout.Close()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	io.WriteString(stdin, `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"stuck","version":"1"}}}`+"\n")
	written := make(chan int, 1)
	go func() {
		n := 0
		for ; n < 50_000; n++ {
			if _, err := fmt.Fprintf(stdin, `{"jsonrpc":"2.0","id":%d,"method":"tools/list"}`+"\n", n+1); err != nil {
				break
			}
		}
		written <- n
	}()
	// The server stops reading once its queues are full: the writes block.
	select {
	case n := <-written:
		t.Logf("all %d requests were read", n)
	case <-time.After(5 * time.Second):
	}
	kb := peakRSS(t, cmd.Process.Pid)
	t.Logf("peak RSS %d MiB", kb>>10)
	if kb > 150<<10 {
		t.Errorf("peak RSS %d MiB with a client that reads nothing", kb>>10)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(30 * time.Second): // a hang guard: the grace period is 10 s
		t.Fatal("the server did not exit on SIGTERM while its stdout was stuck")
	}
}
