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
	"strconv"
	"strings"
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
	// Calls beyond it are answered at once with a "busy" isError.
	maxCallsInFlight = 256
	// maxPending bounds the requests of every kind read and not yet
	// answered: room for maxCallsInFlight calls and the pings and lists
	// beside them. Beyond it, stdin is not read until answers go out: a
	// client that stops reading stdout stops the server reading stdin,
	// and memory stays bounded.
	maxPending = maxCallsInFlight + 64
	// stdioWorkers run tool calls. At most that many calls are handed to
	// mcp-go at once, each to a free worker; the others wait here, where
	// a cancellation can still take them back.
	stdioWorkers = 32
	stdioQueue   = stdioWorkers
	// maxQueuedOutput bounds the bytes waiting to be written to stdout.
	maxQueuedOutput = 4 << 20
	// idPrefixBytes is how much of an over-long line is kept to find its id.
	idPrefixBytes = 64 << 10
	// flushGrace bounds how long the last answers may take to be written
	// at shutdown.
	flushGrace = time.Second
)

// Stdio serves MCP over in and out until in ends or ctx is done.
//
// Either way, requests already read are not dropped: they get up to grace
// to be answered, and those still unanswered then are answered as not
// done, before the server stops. When ctx ends first, a goroutine stays
// blocked reading in until in returns; a process that exits, or a caller
// that closes in, releases it.
//
// Stdio stands between the client and mcp-go. It gives every request an
// id of its own (so that ids are kept exactly, whatever their size or
// spelling, and matched to their answers), holds tool calls beyond the
// workers until one is free (so that a cancellation of a waiting call
// takes it back before anything is sent), and writes through a bounded
// queue. A line over MaxLineBytes is discarded, and answered with a parse
// error when its id can be read near its start. More than
// maxCallsInFlight tool calls at once are answered with an isError saying
// the server is busy.
func Stdio(ctx context.Context, s *server.MCPServer, in io.Reader, out io.Writer, grace time.Duration, errLog *log.Logger) error {
	r := newRelay(out)
	pr, pw := io.Pipe()
	go r.feed(pw)
	inputDone := make(chan error, 1)
	go func() { inputDone <- r.readInput(in, errLog) }()
	go func() {
		var err error
		select {
		case err = <-inputDone:
		case <-ctx.Done():
		}
		r.waitIdle(grace)
		r.shutdown()
		pw.CloseWithError(err)
	}()

	stdio := server.NewStdioServer(s)
	stdio.SetErrorLogger(errLog)
	server.WithWorkerPoolSize(stdioWorkers)(stdio)
	server.WithQueueSize(stdioQueue)(stdio)
	// The handlers' context outlives ctx: cancellation arrives as end of
	// input, after the grace period.
	err := stdio.Listen(context.WithoutCancel(ctx), pr, r)
	pr.Close()
	r.out.close(flushGrace)
	if errors.Is(err, io.ErrClosedPipe) {
		return nil
	}
	return err
}

// rpcMessage holds the fields that tell requests, notifications and
// responses apart. Params is read only for a cancellation: a request's
// params of any shape are mcp-go's to judge.
type rpcMessage struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
	Params json.RawMessage `json:"params"`
}

// requestID is the requestId of a cancellation's params.
func (m rpcMessage) requestID() json.RawMessage {
	var p struct {
		RequestID json.RawMessage `json:"requestId"`
	}
	json.Unmarshal(m.Params, &p)
	return p.RequestID
}

// hasID reports whether m carries an id that Stdio translates: a string or
// a number. Other ids (null, objects) are passed through as they are.
func (m rpcMessage) hasID() bool {
	return len(m.ID) > 0 && (m.ID[0] == '"' || m.ID[0] == '-' || (m.ID[0] >= '0' && m.ID[0] <= '9'))
}

// A request is one the client sent and Stdio has not answered.
type request struct {
	id        json.RawMessage // as the client wrote it
	key       string          // idKey(id)
	call      bool
	line      []byte // for mcp-go, with Stdio's id; nil once handed over
	forwarded bool
}

// A relay carries messages between the client and mcp-go.
type relay struct {
	out *outQueue

	mu        sync.Mutex
	next      int64              // the last id given
	requests  map[int64]*request // by Stdio's id
	byKey     map[string]int64   // Stdio's id of the client's id
	held      []int64            // tool calls waiting for a worker, in order
	working   int                // tool calls handed to mcp-go
	calls     int                // tool calls held or working
	inbox     [][]byte           // lines for mcp-go, in order
	wake      chan struct{}      // the feeder has lines, or must stop
	room      chan struct{}      // pending fell below maxPending
	idle      chan struct{}      // closed while no request is pending
	closed    bool               // shut down: answers from mcp-go are dropped
	cancelled map[int64]bool     // Stdio's ids whose cancellation was handed over
}

func newRelay(out io.Writer) *relay {
	r := &relay{out: newOutQueue(out), requests: map[int64]*request{}, byKey: map[string]int64{},
		wake: make(chan struct{}, 1), room: make(chan struct{}, 1), idle: make(chan struct{}), cancelled: map[int64]bool{}}
	close(r.idle)
	return r
}

// readInput reads the client's lines until in ends.
func (r *relay) readInput(in io.Reader, errLog *log.Logger) error {
	br := bufio.NewReaderSize(in, idPrefixBytes)
	for {
		line, tooLong, err := readLine(br)
		switch {
		case tooLong:
			if id, ok := leadingID(line); ok {
				r.writeError(id, mcp.PARSE_ERROR, fmt.Sprintf("Message too large: a line may hold at most %d MiB. It was discarded unread.", MaxLineBytes>>20))
			} else {
				errLog.Printf("discarded an input line over %d MiB with no id near its start", MaxLineBytes>>20)
			}
		case len(bytes.TrimSpace(line)) > 0:
			if line[len(line)-1] != '\n' {
				line = append(line, '\n') // a last line without one is a line all the same
			}
			r.take(line)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// take handles one line from the client.
func (r *relay) take(line []byte) {
	var m rpcMessage
	if json.Unmarshal(line, &m) != nil {
		r.send(line) // mcp-go answers what it cannot parse
		return
	}
	switch {
	case m.Method == string(mcp.MethodNotificationCancelled):
		r.cancel(m.requestID(), line)
	case m.Method != "" && m.hasID():
		r.waitForRoom()
		r.request(m, line)
	default: // notifications, answers to the server's own requests, odd ids
		r.send(line)
	}
}

// waitForRoom blocks while maxPending requests are pending.
func (r *relay) waitForRoom() {
	for {
		r.mu.Lock()
		full := len(r.requests) >= maxPending && !r.closed
		r.mu.Unlock()
		if !full {
			return
		}
		<-r.room
	}
}

// request registers a request under an id of Stdio's and hands it on, or
// holds it, or answers it as busy.
func (r *relay) request(m rpcMessage, line []byte) {
	call := m.Method == string(mcp.MethodToolsCall)
	r.mu.Lock()
	if r.closed || (call && r.calls >= maxCallsInFlight) {
		r.mu.Unlock()
		r.writeBusy(m.ID)
		return
	}
	r.next++
	id := r.next
	rewritten, err := withID(line, ownID(id))
	if err != nil {
		r.mu.Unlock()
		r.send(line)
		return
	}
	req := &request{id: m.ID, key: idKey(m.ID), call: call, line: rewritten}
	if len(r.requests) == 0 {
		r.idle = make(chan struct{})
	}
	r.requests[id] = req
	r.byKey[req.key] = id
	if call {
		r.calls++
		r.held = append(r.held, id)
		r.promote()
	} else {
		r.handOver(req)
	}
	r.mu.Unlock()
}

// promote hands held calls to mcp-go while a worker is free. The caller
// holds r.mu.
func (r *relay) promote() {
	for len(r.held) > 0 && r.working < stdioWorkers {
		req := r.requests[r.held[0]]
		r.held = r.held[1:]
		r.working++
		r.handOver(req)
	}
}

// handOver queues req's line for mcp-go. The caller holds r.mu.
func (r *relay) handOver(req *request) {
	req.forwarded = true
	r.inbox = append(r.inbox, req.line)
	req.line = nil
	r.signal(r.wake)
}

// send queues a line for mcp-go as it is.
func (r *relay) send(line []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inbox = append(r.inbox, line)
	r.signal(r.wake)
}

func (r *relay) signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// cancel handles the client's cancellation of its request id. A call
// still held is dropped: nothing of it was started, and a cancelled
// request is not answered. A request handed over is cancelled in mcp-go,
// under Stdio's id; the cancellation is handed over again until the call
// ends, in case it came before mcp-go had registered the call.
func (r *relay) cancel(clientID json.RawMessage, line []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id, ok := r.byKey[idKey(clientID)]
	req := r.requests[id]
	if !ok || req == nil {
		return
	}
	if !req.forwarded {
		for i, held := range r.held {
			if held == id {
				r.held = append(r.held[:i], r.held[i+1:]...)
				break
			}
		}
		r.finish(id, req)
		return
	}
	translated, err := withRequestID(line, ownID(id))
	if err != nil {
		return
	}
	r.inbox = append(r.inbox, translated)
	r.signal(r.wake)
	if !r.cancelled[id] {
		r.cancelled[id] = true
		go r.recancel(id, translated)
	}
}

// recancel hands the cancellation of id over again, every 20 ms for a
// second at most, while the request is pending.
func (r *relay) recancel(id int64, line []byte) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for range 50 {
		<-tick.C
		r.mu.Lock()
		_, pending := r.requests[id]
		if pending && !r.closed {
			r.inbox = append(r.inbox, line)
			r.signal(r.wake)
		}
		r.mu.Unlock()
		if !pending {
			return
		}
	}
}

// finish forgets an answered (or dropped) request. The caller holds r.mu.
func (r *relay) finish(id int64, req *request) {
	delete(r.requests, id)
	delete(r.cancelled, id)
	if r.byKey[req.key] == id {
		delete(r.byKey, req.key)
	}
	if req.call {
		r.calls--
		if req.forwarded {
			r.working--
			r.promote()
		}
	}
	if len(r.requests) == 0 {
		close(r.idle)
	}
	r.signal(r.room)
}

// feed writes the lines for mcp-go to w, in order, until shutdown.
func (r *relay) feed(w io.Writer) {
	for {
		r.mu.Lock()
		lines, closed := r.inbox, r.closed
		r.inbox = nil
		r.mu.Unlock()
		for _, line := range lines {
			if _, err := w.Write(line); err != nil {
				return
			}
		}
		if closed {
			return
		}
		if len(lines) == 0 {
			<-r.wake
		}
	}
}

// Write takes a message from mcp-go: an answer gets the client's id back,
// or is dropped when its request was already answered; anything else
// passes.
func (r *relay) Write(p []byte) (int, error) {
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return len(p), nil // the client was told the server is done
	}
	id, ok := responseID(p)
	if !ok {
		return len(p), r.out.put(p)
	}
	n, ok := parseOwnID(id)
	if !ok {
		return len(p), r.out.put(p) // an answer to a request whose id was not translated
	}
	r.mu.Lock()
	req := r.requests[n]
	if req == nil || r.closed {
		r.mu.Unlock()
		return len(p), nil
	}
	r.finish(n, req)
	r.mu.Unlock()
	answer, err := withID(p, req.id)
	if err != nil {
		return len(p), err
	}
	return len(p), r.out.put(answer)
}

// waitIdle waits until every request read so far is answered, or grace
// passes.
func (r *relay) waitIdle(grace time.Duration) {
	r.mu.Lock()
	idle := r.idle
	r.mu.Unlock()
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-idle:
	case <-timer.C:
	}
}

// shutdown answers every request still pending as not done, and drops
// whatever mcp-go writes from now on.
func (r *relay) shutdown() {
	r.mu.Lock()
	var left []*request
	for _, req := range r.requests {
		left = append(left, req)
	}
	r.requests, r.byKey, r.held = map[int64]*request{}, map[string]int64{}, nil
	r.closed = true
	r.signal(r.wake)
	r.signal(r.room)
	r.mu.Unlock()
	r.out.stopWaiting()
	for _, req := range left {
		const text = "The server shut down before this request was done; it was stopped, and nothing more will come of it. Call again once the server is back."
		if req.call {
			r.writeMessage(map[string]any{"jsonrpc": "2.0", "id": req.id, "result": mcp.NewToolResultError(text)})
		} else {
			r.writeError(req.id, -32000, text)
		}
	}
}

// writeBusy answers a tool call that came beyond maxCallsInFlight.
func (r *relay) writeBusy(id json.RawMessage) {
	text := fmt.Sprintf("The server is busy: %d calls are already in flight, and this one was not started. Wait a few seconds for them to finish, then call again.", maxCallsInFlight)
	r.writeMessage(map[string]any{"jsonrpc": "2.0", "id": id, "result": mcp.NewToolResultError(text)})
}

// writeError answers a request with a JSON-RPC error.
func (r *relay) writeError(id json.RawMessage, code int, message string) {
	r.writeMessage(map[string]any{"jsonrpc": "2.0", "id": id, "error": map[string]any{"code": code, "message": message}})
}

func (r *relay) writeMessage(msg any) {
	line, err := json.Marshal(msg)
	if err != nil {
		return // every value here marshals
	}
	r.out.put(append(line, '\n'))
}

// ownIDPrefix starts the ids Stdio gives requests: strings, which mcp-go
// keeps as they are, unlike numbers, which it reads as float64.
const ownIDPrefix = "openphone-mcp:"

// ownID is the JSON of Stdio's id n.
func ownID(n int64) []byte { return []byte(strconv.Quote(ownIDPrefix + strconv.FormatInt(n, 10))) }

// parseOwnID reads an id that ownID wrote.
func parseOwnID(raw json.RawMessage) (int64, bool) {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return 0, false
	}
	digits, ok := strings.CutPrefix(s, ownIDPrefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	return n, err == nil
}

// withID returns msg with its top-level id replaced by id.
func withID(msg, id []byte) ([]byte, error) { return replaceValue(msg, id, "id") }

// withRequestID returns a cancellation with its params.requestId replaced
// by id.
func withRequestID(msg, id []byte) ([]byte, error) {
	return replaceValue(msg, id, "params", "requestId")
}

// replaceValue returns msg with the value at the path of keys replaced by
// value; nothing else of msg is re-encoded.
func replaceValue(msg, value []byte, path ...string) ([]byte, error) {
	start, end, ok := valueOf(msg, path[0])
	if !ok {
		return nil, fmt.Errorf("no %s", path[0])
	}
	if len(path) > 1 {
		inner, err := replaceValue(msg[start:end], value, path[1:]...)
		if err != nil {
			return nil, err
		}
		value = inner
	}
	return bytes.Join([][]byte{msg[:start], value, msg[end:]}, nil), nil
}

// valueOf finds the bytes of the top-level value of key in the JSON object
// msg, reading no further than it must.
func valueOf(msg []byte, key string) (start, end int, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(msg))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return 0, 0, false
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return 0, 0, false
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return 0, 0, false
		}
		if k == key {
			end := int(dec.InputOffset())
			return end - len(value), end, true
		}
	}
	return 0, 0, false
}

// An outQueue writes messages to the client in order, from a goroutine of
// its own, holding at most maxQueuedOutput bytes: a writer past that waits,
// until the queue is closed.
type outQueue struct {
	w    io.Writer
	mu   sync.Mutex
	cond *sync.Cond
	// queue holds the messages not yet written; size their bytes.
	queue   [][]byte
	size    int
	closed  bool
	noWait  bool          // put no longer waits for room: shutting down
	drained chan struct{} // closed when the writer has stopped
}

func newOutQueue(w io.Writer) *outQueue {
	q := &outQueue{w: w, drained: make(chan struct{})}
	q.cond = sync.NewCond(&q.mu)
	go q.run()
	return q
}

var errClosed = errors.New("stdout is closed")

// put queues p, waiting while the queue is full.
func (q *outQueue) put(p []byte) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for !q.closed && !q.noWait && q.size > 0 && q.size+len(p) > maxQueuedOutput {
		q.cond.Wait()
	}
	if q.closed {
		return errClosed
	}
	q.queue = append(q.queue, bytes.Clone(p))
	q.size += len(p)
	q.cond.Broadcast()
	return nil
}

func (q *outQueue) run() {
	defer close(q.drained)
	for {
		q.mu.Lock()
		for len(q.queue) == 0 && !q.closed {
			q.cond.Wait()
		}
		if len(q.queue) == 0 {
			q.mu.Unlock()
			return
		}
		p := q.queue[0]
		q.queue = q.queue[1:]
		q.mu.Unlock()
		_, err := q.w.Write(p)
		q.mu.Lock()
		q.size -= len(p)
		if err != nil {
			q.closed, q.queue = true, nil
		}
		q.cond.Broadcast()
		q.mu.Unlock()
	}
}

// stopWaiting lets every put through at once, the waiting ones too.
func (q *outQueue) stopWaiting() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.noWait = true
	q.cond.Broadcast()
}

// close takes no more messages, and waits up to wait for those queued to
// be written. A writer blocked on a client that reads nothing is left
// behind: the process is about to exit.
func (q *outQueue) close(wait time.Duration) {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
	select {
	case <-q.drained:
	case <-time.After(wait):
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
