package tools

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log"
	"strings"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
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
	err := ServeStdio(context.Background(), f.server, strings.NewReader(initializeLine+callLine), &out, time.Minute, log.New(io.Discard, "", 0))
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
	go func() { done <- ServeStdio(ctx, f.server, in, &out, 50*time.Millisecond, log.New(io.Discard, "", 0)) }()
	io.WriteString(stdin, initializeLine+callLine)
	for len(f.api.Requests()) == 0 { // wait for the call to reach upstream
		time.Sleep(time.Millisecond)
	}
	stop() // as on SIGTERM; stdin stays open
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("ServeStdio did not return after its grace period")
	}
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
