package tools

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/server"
)

// ServeStdio serves MCP over in and out until in ends or ctx is done.
//
// Either way, requests already read are not dropped: they get up to grace to
// be answered before the server stops. When ctx ends first, a goroutine
// stays blocked reading in until in returns; a process that exits, or a
// caller that closes in, releases it. (mcp-go alone cancels in-flight calls
// at end of input, and a client that writes its requests and closes stdin
// would get no answers.)
func ServeStdio(ctx context.Context, s *server.MCPServer, in io.Reader, out io.Writer, grace time.Duration, errLog *log.Logger) error {
	t := &requestTracker{pending: map[string]int{}, idle: make(chan struct{})}
	close(t.idle)

	pr, pw := io.Pipe()
	inputDone := make(chan error, 1)
	go func() { inputDone <- t.copyInput(pw, in) }()
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
	// not the pool, the bottleneck. Calls beyond the queue are read slower.
	server.WithWorkerPoolSize(32)(stdio)
	server.WithQueueSize(256)(stdio)
	// The handlers' context outlives ctx: cancellation arrives as end of
	// input, after the grace period.
	err := stdio.Listen(context.WithoutCancel(ctx), pr, &responseWriter{w: out, t: t})
	pr.Close()
	if errors.Is(err, io.ErrClosedPipe) {
		return nil
	}
	return err
}

// requestTracker counts the requests read that have not been answered yet.
type requestTracker struct {
	mu      sync.Mutex
	pending map[string]int // JSON-RPC id -> requests waiting for an answer
	n       int
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

// copyInput copies in to w line by line, noting each request.
func (t *requestTracker) copyInput(w io.Writer, in io.Reader) error {
	r := bufio.NewReader(in)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			var m rpcMessage
			if json.Unmarshal(line, &m) == nil {
				switch {
				case m.Method == "notifications/cancelled":
					t.done(m.Params.RequestID) // a cancelled request may go unanswered
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

func (t *requestTracker) add(id json.RawMessage) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == 0 {
		t.idle = make(chan struct{})
	}
	t.pending[string(id)]++
	t.n++
}

func (t *requestTracker) done(id json.RawMessage) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.pending[string(id)] == 0 {
		return
	}
	t.pending[string(id)]--
	if t.pending[string(id)] == 0 {
		delete(t.pending, string(id))
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

// responseWriter passes the server's messages through, noting each answer.
type responseWriter struct {
	w io.Writer
	t *requestTracker
}

func (rw *responseWriter) Write(p []byte) (int, error) {
	n, err := rw.w.Write(p)
	if id, ok := responseID(p); ok {
		rw.t.done(id)
	}
	return n, err
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
