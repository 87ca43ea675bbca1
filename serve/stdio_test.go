package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
	"github.com/openphone-mcp/openphone-mcp/tools"
)

const (
	initializeLine = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}` + "\n"
	callLine       = `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_conversations","arguments":{"maxResults":1}}}` + "\n"
)

// replies returns the responses in out by id.
func replies(t *testing.T, out string) map[string]rpcMessage {
	t.Helper()
	byID := map[string]rpcMessage{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var m rpcMessage
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not JSON-RPC: %s", sc.Text())
		}
		byID[string(m.ID)] = m
	}
	return byID
}

func TestServeStdioAnswersCallsInFlightAtEndOfInput(t *testing.T) {
	f := newFixture(t, openphonetest.DemoWorkspace())
	f.api.Inject(openphonetest.Fault{Delay: 200 * time.Millisecond}) // the call is in flight when stdin ends
	var out strings.Builder
	err := Stdio(context.Background(), f.server, strings.NewReader(initializeLine+callLine), &out, time.Minute, log.New(io.Discard, "", 0))
	if err != nil {
		t.Fatal(err)
	}
	call, ok := replies(t, out.String())["2"]
	if !ok || strings.Contains(string(call.Result), `"isError":true`) {
		t.Errorf("the call in flight was not answered in full:\n%s", out.String())
	}
}

func TestServeStdioGraceIsBounded(t *testing.T) {
	f := newFixture(t, openphonetest.DemoWorkspace())
	f.api.Inject(openphonetest.Fault{Delay: time.Hour}) // upstream never answers
	in, stdin := io.Pipe()
	defer stdin.Close() // releases the reader, still blocked on input
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out strings.Builder
	go func() { done <- Stdio(ctx, f.server, in, &out, 50*time.Millisecond, log.New(io.Discard, "", 0)) }()
	io.WriteString(stdin, initializeLine+callLine)
	for len(f.api.Requests()) == 0 { // wait for the call to reach upstream
		time.Sleep(time.Millisecond)
	}
	stop() // as on SIGTERM; stdin stays open
	awaitReturn(t, done, "Stdio did not return after its grace period")
}

func TestResponseID(t *testing.T) {
	for _, tt := range []struct {
		msg, id string
	}{
		{`{"jsonrpc":"2.0","id":7,"result":{"big":[1,2,3]}}`, "7"},
		{`{"jsonrpc":"2.0","id":"a","error":{"code":-32601}}`, `"a"`},
		{`{"result":{},"jsonrpc":"2.0","id":{"x":1}}`, `{"x":1}`},
		{`{"jsonrpc":"2.0","id":null,"error":{"code":-32700}}`, ""},
		{`{"jsonrpc":"2.0","method":"notifications/progress","params":{}}`, ""},
		{`{"jsonrpc":"2.0","id":3,"method":"sampling/createMessage"}`, ""},
		{`{"jsonrpc":"2.0","id":3}`, ""},
		{`not json`, ""},
	} {
		id, ok := responseID([]byte(tt.msg))
		if string(id) != tt.id || ok != (tt.id != "") {
			t.Errorf("responseID(%s) = %s, %v; want %s", tt.msg, id, ok, tt.id)
		}
	}
}

func TestIDKey(t *testing.T) {
	for _, same := range [][]string{
		{`1`, `1.0`, `1e0`, `10e-1`},
		{`"ab"`, `"a\u0062"`},
		{`123456789012345678`, `123456789012345678.0`},
	} {
		for _, id := range same[1:] {
			if idKey(json.RawMessage(id)) != idKey(json.RawMessage(same[0])) {
				t.Errorf("idKey(%s) != idKey(%s)", id, same[0])
			}
		}
	}
	for _, pair := range [][2]string{{`1`, `"1"`}, {`1`, `2`}, {`123456789012345678`, `123456789012345679`}} {
		if idKey(json.RawMessage(pair[0])) == idKey(json.RawMessage(pair[1])) {
			t.Errorf("idKey(%s) == idKey(%s)", pair[0], pair[1])
		}
	}
}

// TestServeStdioKeepsIDsExactly: every answer carries its request's id as
// the client wrote it, whatever its spelling, and end of input does not
// wait out the grace period for requests already answered.
func TestServeStdioKeepsIDsExactly(t *testing.T) {
	f := newFixture(t, openphonetest.DemoWorkspace())
	input := initializeLine +
		`{"jsonrpc":"2.0","id":1.0,"method":"ping"}` + "\n" +
		`{"jsonrpc":"2.0","id":"a\u0062","method":"tools/call","params":{"name":"list_users","arguments":{}}}` + "\n"
	done := make(chan error, 1)
	var out strings.Builder
	go func() {
		done <- Stdio(context.Background(), f.server, strings.NewReader(input), &out, time.Hour, log.New(io.Discard, "", 0))
	}()
	awaitReturn(t, done, "Stdio still waits for requests it has answered")
	// Each answer carries its request's id exactly as the client wrote it.
	if r := replies(t, out.String()); len(r) != 3 || r["1"].Result == nil || r["1.0"].Result == nil || r[`"a\u0062"`].Result == nil {
		t.Errorf("replies:\n%s", out.String())
	}
}

// TestServeStdioDiscardsOverlongLines: a line over MaxLineBytes is
// answered with a parse error when its id leads, logged when not, and the
// server reads on.
func TestServeStdioDiscardsOverlongLines(t *testing.T) {
	f := newFixture(t, openphonetest.DemoWorkspace())
	huge := strings.Repeat("x", MaxLineBytes+1)
	input := initializeLine +
		`{"jsonrpc":"2.0","id":"big","method":"tools/call","params":{"name":"list_users","arguments":{"pageToken":"` + huge + `"}}}` + "\n" +
		`{"jsonrpc":"2.0","method":"tools/call","params":{"pageToken":"` + huge + `"},"id":"late"}` + "\n" +
		`{"jsonrpc":"2.0","id":"after","method":"ping"}` + "\n"
	var out, logs strings.Builder
	if err := Stdio(context.Background(), f.server, strings.NewReader(input), &out, time.Minute, log.New(&logs, "", 0)); err != nil {
		t.Fatal(err)
	}
	r := replies(t, out.String())
	if big := r[`"big"`]; !strings.Contains(string(big.Error), "-32700") || !strings.Contains(string(big.Error), "4 MiB") {
		t.Errorf("the over-long line with a leading id: %s", big.Error)
	}
	if _, ok := r[`"late"`]; ok {
		t.Errorf("an id past the kept prefix was answered")
	}
	if !strings.Contains(logs.String(), "discarded an input line over 4 MiB") {
		t.Errorf("the line with no readable id was not logged: %q", logs.String())
	}
	if after := r[`"after"`]; after.Result == nil {
		t.Errorf("the server stopped reading after an over-long line:\n%.500s", out.String())
	}
	if len(f.api.Requests()) != 0 {
		t.Errorf("an over-long line reached OpenPhone")
	}
}

// TestServeStdioBusy: tool calls beyond maxCallsInFlight are answered at
// once as busy, and pings are answered while the others wait.
func TestServeStdioBusy(t *testing.T) {
	api := testkit.Demo(t)
	c, err := client.New(api.APIKey, client.WithBaseURL(api.URL), client.WithRateLimit(1000))
	if err != nil {
		t.Fatal(err)
	}
	const extra = 20
	hang := make([]openphonetest.Fault, maxCallsInFlight+extra)
	for i := range hang {
		hang[i] = openphonetest.Fault{Delay: time.Hour}
	}
	api.Inject(hang...)
	s := tools.NewServer(tools.Config{Client: c, CallTimeout: time.Second})
	in, stdin := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- Stdio(context.Background(), s, in, outW, time.Minute, log.New(io.Discard, "", 0)) }()
	go func() {
		io.WriteString(stdin, initializeLine)
		for i := range maxCallsInFlight + extra {
			fmt.Fprintf(stdin, `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"list_users","arguments":{}}}`+"\n", 100+i)
		}
		io.WriteString(stdin, `{"jsonrpc":"2.0","id":"ping","method":"ping"}`+"\n")
		stdin.Close()
	}()
	busy, answered := 0, 0
	sc := bufio.NewScanner(outR)
	for answered < maxCallsInFlight+extra+2 && sc.Scan() {
		var m rpcMessage
		json.Unmarshal(sc.Bytes(), &m)
		answered++
		switch {
		case string(m.ID) == `"ping"`:
			if got := answered - 2 - busy; got > 0 { // less the initialize reply, the ping and the busy ones
				t.Errorf("the ping was answered after %d calls that waited on OpenPhone", got)
			}
		case strings.Contains(string(m.Result), "The server is busy"):
			busy++
		}
	}
	go io.Copy(io.Discard, outR)
	err = <-done
	outW.Close() // ends the copy
	if err != nil {
		t.Fatal(err)
	}
	if busy != extra {
		t.Errorf("%d calls answered busy, want %d", busy, extra)
	}
}

// runStdio serves s over pipes: it returns the client's ends, and a channel
// that gets Stdio's result.
func runStdio(t *testing.T, s *server.MCPServer, grace time.Duration) (io.WriteCloser, *bufio.Scanner, chan error) {
	t.Helper()
	in, stdin := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Stdio(context.Background(), s, in, outW, grace, log.New(io.Discard, "", 0))
		outW.Close()
	}()
	t.Cleanup(func() { stdin.Close(); outR.Close() })
	sc := bufio.NewScanner(outR)
	sc.Buffer(nil, 1<<20)
	return stdin, sc, done
}

func listUsersLine(id string) string {
	return `{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"list_users","arguments":{}}}` + "\n"
}

// TestServeStdioHugeIDs: ids past 2^53, which a float64 would round, come
// back exactly, and each call's place is given back: 300 of them leave the
// server serving.
func TestServeStdioHugeIDs(t *testing.T) {
	f := newFixture(t, openphonetest.DemoWorkspace(), client.WithRateLimit(1000))
	stdin, sc, _ := runStdio(t, f.server, time.Minute)
	io.WriteString(stdin, initializeLine)
	sc.Scan()
	// Three batches of 100, each within maxCallsInFlight: were the places
	// of answered calls not given back, the third would be answered busy.
	for batch := range 3 {
		go func() {
			for i := range 100 {
				io.WriteString(stdin, listUsersLine(fmt.Sprint(9007199254740993+batch*100+i)))
			}
		}()
		seen := map[string]bool{}
		for range 100 {
			if !sc.Scan() {
				t.Fatal("stdout ended")
			}
			var m rpcMessage
			json.Unmarshal(sc.Bytes(), &m)
			if strings.Contains(string(m.Result), "busy") {
				t.Fatalf("%s answered busy", m.ID)
			}
			seen[string(m.ID)] = true
		}
		for i := range 100 {
			if id := fmt.Sprint(9007199254740993 + batch*100 + i); !seen[id] {
				t.Fatalf("batch %d: no answer with the id %s exactly", batch, id)
			}
		}
	}
}

// TestServeStdioCancelsQueuedCalls: a call cancelled while it waits for a
// worker is dropped before anything of it is sent, and is not answered.
func TestServeStdioCancelsQueuedCalls(t *testing.T) {
	api := testkit.Demo(t)
	hang := make([]openphonetest.Fault, stdioWorkers)
	for i := range hang {
		hang[i] = openphonetest.Fault{Path: "/v1/users", Delay: time.Hour}
	}
	api.Inject(hang...)
	c, _ := client.New(api.APIKey, client.WithBaseURL(api.URL), client.WithRateLimit(1000))
	s := tools.NewServer(tools.Config{Client: c, CallTimeout: 500 * time.Millisecond})
	stdin, sc, done := runStdio(t, s, time.Minute)
	const queued = 50
	io.WriteString(stdin, initializeLine)
	for i := range stdioWorkers + queued {
		io.WriteString(stdin, listUsersLine(fmt.Sprint(100+i)))
	}
	for len(api.Requests()) < stdioWorkers {
		time.Sleep(time.Millisecond)
	}
	for i := range queued {
		fmt.Fprintf(stdin, `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":%d}}`+"\n", 100+stdioWorkers+i)
	}
	stdin.Close()
	answered := map[string]bool{}
	for sc.Scan() {
		var m rpcMessage
		json.Unmarshal(sc.Bytes(), &m)
		answered[string(m.ID)] = true
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := len(api.Requests()); n != stdioWorkers {
		t.Errorf("the fake saw %d requests; the %d cancelled calls must send none", n, queued)
	}
	for i := range queued {
		if id := fmt.Sprint(100 + stdioWorkers + i); answered[id] {
			t.Errorf("cancelled call %s was answered", id)
		}
	}
	for i := range stdioWorkers {
		if id := fmt.Sprint(100 + i); !answered[id] {
			t.Errorf("call %s in flight was not answered", id)
		}
	}
}

// TestServeStdioAnswersEveryRequestAtShutdown: requests still waiting when
// the grace period ends are answered as not done, none left without a
// word; and a last line without a newline is read and answered.
func TestServeStdioAnswersEveryRequestAtShutdown(t *testing.T) {
	api := testkit.Demo(t)
	c, _ := client.New(api.APIKey, client.WithBaseURL(api.URL), client.WithRateLimit(10))
	s := tools.NewServer(tools.Config{Client: c})
	var input strings.Builder
	input.WriteString(initializeLine)
	for i := range 200 {
		input.WriteString(listUsersLine(fmt.Sprint(100 + i)))
	}
	input.WriteString(`{"jsonrpc":"2.0","id":"no-newline","method":"ping"}`)
	var out strings.Builder
	done := make(chan error, 1)
	go func() {
		done <- Stdio(context.Background(), s, strings.NewReader(input.String()), &out, 300*time.Millisecond, log.New(io.Discard, "", 0))
	}()
	awaitReturn(t, done, "Stdio did not return")
	r := replies(t, out.String())
	stopped := 0
	for i := range 200 {
		m, ok := r[fmt.Sprint(100+i)]
		if !ok {
			t.Fatalf("call %d got no answer", 100+i)
		}
		if strings.Contains(string(m.Result), "shut down") {
			stopped++
		}
	}
	if stopped == 0 {
		t.Error("200 calls at 10/s all finished within 300ms")
	}
	if _, ok := r[`"no-newline"`]; !ok {
		t.Error("the last line, without a newline, was not answered")
	}
}

// awaitReturn waits for Stdio to return without an error, failing with
// stuck if it has not within 30 seconds.
func awaitReturn(t *testing.T, done <-chan error, stuck string) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal(stuck)
	}
}
