// Package serve is how the MCP server is reached: over stdio, one client
// per process, or over Streamable HTTP, one server for a team. It knows the
// tools only as an MCP server.
package serve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Limits of Stdio.
const (
	// MaxLineBytes bounds one message read from stdin, far above any real
	// request. The rest of a longer line is discarded unread.
	MaxLineBytes = 4 << 20
	// maxCallsInFlight bounds the tool calls read and not yet answered.
	// Calls beyond it are answered at once with a "busy" isError, so that
	// mcp-go's queue (stdioWorkers + stdioQueue) never fills: when it does,
	// mcp-go runs calls on its read loop, where they would hold back
	// cancellations and pings.
	maxCallsInFlight = 256
	stdioWorkers     = 32
	stdioQueue       = maxCallsInFlight + stdioWorkers
	// idPrefixBytes is how much of an over-long line is kept to find its id.
	idPrefixBytes = 64 << 10
)

// Stdio serves MCP over in and out until in ends or ctx is done.
//
// Either way, requests already read are not dropped: they get up to grace to
// be answered before the server stops. When ctx ends first, a goroutine
// stays blocked reading in until in returns; a process that exits, or a
// caller that closes in, releases it. (mcp-go alone cancels in-flight calls
// at end of input, and a client that writes its requests and closes stdin
// would get no answers.)
//
// A line over MaxLineBytes is discarded, and answered with a parse error
// when its id can be read near its start. More than maxCallsInFlight tool
// calls at once are answered with an isError saying the server is busy.
func Stdio(ctx context.Context, s *server.MCPServer, in io.Reader, out io.Writer, grace time.Duration, errLog *log.Logger) error {
	t := &requestTracker{pending: map[string]int{}, calls: map[string]int{}, idle: make(chan struct{})}
	close(t.idle)
	rw := &responseWriter{w: out, t: t}

	pr, pw := io.Pipe()
	inputDone := make(chan error, 1)
	go func() { inputDone <- copyInput(pw, in, t, rw, errLog) }()
	go func() {
		var err error
		select {
		case err = <-inputDone:
		case <-ctx.Done():
		}
		t.waitIdle(grace)
		pw.CloseWithError(err)
	}()

	stdio := server.NewStdioServer(s)
	stdio.SetErrorLogger(errLog)
	// Calls mostly wait on OpenPhone; enough workers keep the rate limit,
	// not the pool, the bottleneck.
	server.WithWorkerPoolSize(stdioWorkers)(stdio)
	server.WithQueueSize(stdioQueue)(stdio)
	// The handlers' context outlives ctx: cancellation arrives as end of
	// input, after the grace period.
	err := stdio.Listen(context.WithoutCancel(ctx), pr, rw)
	pr.Close()
	if errors.Is(err, io.ErrClosedPipe) {
		return nil
	}
	return err
}

// requestTracker counts the requests read that have not been answered yet.
type requestTracker struct {
	mu      sync.Mutex
	pending map[string]int // idKey -> requests waiting for an answer
	calls   map[string]int // idKey -> tool calls among them
	n       int
	nCalls  int
	idle    chan struct{} // closed while n == 0
}

// rpcMessage holds the fields that tell requests, notifications and
// responses apart.
type rpcMessage struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
	Params struct {
		RequestID json.RawMessage `json:"requestId"`
	} `json:"params"`
}

func (m rpcMessage) hasID() bool { return len(m.ID) > 0 && string(m.ID) != "null" }

// copyInput copies in to w line by line, noting each request. It answers
// itself, through rw, the lines that mcp-go must not see: calls beyond
// maxCallsInFlight, and lines over MaxLineBytes.
func copyInput(w io.Writer, in io.Reader, t *requestTracker, rw *responseWriter, errLog *log.Logger) error {
	r := bufio.NewReaderSize(in, idPrefixBytes)
	for {
		line, tooLong, err := readLine(r)
		switch {
		case tooLong:
			if id, ok := leadingID(line); ok {
				rw.writeError(id, mcp.PARSE_ERROR, fmt.Sprintf("Message too large: a line may hold at most %d MiB. It was discarded unread.", MaxLineBytes>>20))
			} else {
				errLog.Printf("discarded an input line over %d MiB with no id near its start", MaxLineBytes>>20)
			}
		case len(line) > 0:
			var m rpcMessage
			if json.Unmarshal(line, &m) == nil {
				switch {
				case m.Method == "notifications/cancelled":
					t.done(m.Params.RequestID) // a cancelled request may go unanswered
				case m.Method == string(mcp.MethodToolsCall) && m.hasID():
					if !t.addCall(m.ID) {
						rw.writeBusy(m.ID)
						line = nil
					}
				case m.Method != "" && m.hasID():
					t.add(m.ID)
				}
			}
			if _, werr := w.Write(line); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// readLine reads one line, newline included. A line over MaxLineBytes is
// read to its end without being kept: readLine then returns its first
// idPrefixBytes and tooLong.
func readLine(r *bufio.Reader) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := r.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > MaxLineBytes {
				tooLong = true
				line = append(line, chunk[:min(len(chunk), max(idPrefixBytes-len(line), 0))]...)
				line = line[:min(len(line), idPrefixBytes)]
			} else {
				line = append(line, chunk...)
			}
		}
		if err != bufio.ErrBufferFull {
			return line, tooLong, err
		}
	}
}

// leadingID returns the id of a JSON-RPC message of which only a prefix is
// at hand, if the id comes before the prefix ends.
func leadingID(prefix []byte) (json.RawMessage, bool) {
	dec := json.NewDecoder(bytes.NewReader(prefix))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, false
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, false
		}
		if key == "id" && string(value) != "null" {
			return value, true
		}
	}
	return nil, false
}

// idKey is a request id as a JSON value, so that the id of a request and
// the id mcp-go writes back match whatever their spelling: 1, 1.0 and 1e0
// are one id, and so are "ab" and "a\u0062".
func idKey(raw json.RawMessage) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return string(raw)
	}
	switch v := v.(type) {
	case string:
		return "s" + v
	case json.Number:
		if f, _, err := big.ParseFloat(string(v), 10, 256, big.ToNearestEven); err == nil {
			return "n" + f.Text('g', -1)
		}
	}
	return string(raw)
}

func (t *requestTracker) add(id json.RawMessage) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.addLocked(idKey(id))
}

// addCall notes a tool call, unless maxCallsInFlight are in flight already.
func (t *requestTracker) addCall(id json.RawMessage) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.nCalls >= maxCallsInFlight {
		return false
	}
	key := idKey(id)
	t.addLocked(key)
	t.calls[key]++
	t.nCalls++
	return true
}

func (t *requestTracker) addLocked(key string) {
	if t.n == 0 {
		t.idle = make(chan struct{})
	}
	t.pending[key]++
	t.n++
}

func (t *requestTracker) done(id json.RawMessage) {
	t.mu.Lock()
	defer t.mu.Unlock()
	key := idKey(id)
	if t.pending[key] == 0 {
		return
	}
	if t.pending[key]--; t.pending[key] == 0 {
		delete(t.pending, key)
	}
	if t.calls[key] > 0 {
		if t.calls[key]--; t.calls[key] == 0 {
			delete(t.calls, key)
		}
		t.nCalls--
	}
	if t.n--; t.n == 0 {
		close(t.idle)
	}
}

// waitIdle waits until every request read so far is answered, or grace passes.
func (t *requestTracker) waitIdle(grace time.Duration) {
	t.mu.Lock()
	idle := t.idle
	t.mu.Unlock()
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-idle:
	case <-timer.C:
	}
}

// responseWriter passes the server's messages through, noting each answer,
// and writes the answers Stdio gives itself. mu keeps whole messages
// apart.
type responseWriter struct {
	mu sync.Mutex
	w  io.Writer
	t  *requestTracker
}

func (rw *responseWriter) Write(p []byte) (int, error) {
	rw.mu.Lock()
	n, err := rw.w.Write(p)
	rw.mu.Unlock()
	if id, ok := responseID(p); ok {
		rw.t.done(id)
	}
	return n, err
}

// writeBusy answers a tool call that came beyond maxCallsInFlight.
func (rw *responseWriter) writeBusy(id json.RawMessage) {
	text := fmt.Sprintf("The server is busy: %d calls are already in flight, and this one was not started. Wait a few seconds for them to finish, then call again.", maxCallsInFlight)
	rw.writeMessage(map[string]any{"jsonrpc": "2.0", "id": id, "result": mcp.NewToolResultError(text)})
}

// writeError answers a request with a JSON-RPC error.
func (rw *responseWriter) writeError(id json.RawMessage, code int, message string) {
	rw.writeMessage(map[string]any{"jsonrpc": "2.0", "id": id, "error": map[string]any{"code": code, "message": message}})
}

func (rw *responseWriter) writeMessage(msg any) {
	line, err := json.Marshal(msg)
	if err != nil {
		return // every value here marshals
	}
	rw.mu.Lock()
	defer rw.mu.Unlock()
	rw.w.Write(append(line, '\n'))
}

// responseID returns the id of a JSON-RPC response. It reads no further
// than it must: mcp-go writes "result" after "id", so a result of any size
// is not parsed.
func responseID(p []byte) (json.RawMessage, bool) {
	dec := json.NewDecoder(bytes.NewReader(p))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var id json.RawMessage
	answered := false
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, false
		}
		switch key {
		case "method":
			return nil, false // a request or notification to the client
		case "result", "error":
			answered = true
		}
		if answered && id != nil {
			break
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, false
		}
		if key == "id" {
			id = value
		}
	}
	if !answered || id == nil || string(id) == "null" {
		return nil, false
	}
	return id, true
}
