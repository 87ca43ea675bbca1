// Command bench measures openphone-mcp as an assistant's client meets it:
// it builds the binary, serves a fake OpenPhone API on loopback, drives the
// server over stdio and prints a Markdown table.
//
//	go run ./bench
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tiktoken-go/tokenizer"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type row struct{ metric, value, note string }

func run() error {
	dir, err := os.MkdirTemp("", "openphone-mcp-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	binary := filepath.Join(dir, "openphone-mcp")
	if out, err := staticBuild(binary, ".").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	api := openphonetest.NewServer(openphonetest.GenerateWorkspace(1, 200))
	defer api.Close()
	env := []string{"OPENPHONE_API_KEY=" + api.APIKey, "OPENPHONE_BASE_URL=" + api.URL, "OPENPHONE_LOG_LEVEL=error"}

	var rows []row
	add := func(metric, value, note string) { rows = append(rows, row{metric, value, note}) }

	// Startup: spawn -> initialize answered.
	var startups []time.Duration
	for range 15 {
		start := time.Now()
		s, err := spawn(binary, env)
		if err != nil {
			return err
		}
		startups = append(startups, time.Since(start))
		s.close()
	}
	add("startup: spawn to initialize answered", ms(median(startups)), "median of 15")

	// Per-call overhead, ours against the baseline's, interleaved (A B A B)
	// so that both meet the same machine: each is tools/call over stdio
	// minus a direct GET of the same page.
	baselineBinary := filepath.Join(dir, "baseline")
	if out, err := staticBuild(baselineBinary, "./bench/baseline").CombinedOutput(); err != nil {
		return fmt.Errorf("go build baseline: %v\n%s", err, out)
	}
	s, err := spawn(binary, append(env, "OPENPHONE_MAX_RPS=100000"))
	if err != nil {
		return err
	}
	base, err := spawn(baselineBinary, env)
	if err != nil {
		return err
	}
	timed := func(f func() error) (time.Duration, error) {
		t0 := time.Now()
		err := f()
		return time.Since(t0), err
	}
	for _, n := range []int{10, 100} {
		args := fmt.Sprintf(`{"maxResults":%d}`, n)
		query := client.ListConversationsParams{MaxResults: n}.Query()
		var ours, naive []time.Duration
		for i := range 550 {
			direct, err := timed(func() error { _, err := api.Get("/v1/conversations", query); return err })
			if err != nil {
				return err
			}
			a, err := timed(func() error { _, err := s.call(args); return err })
			if err != nil {
				return err
			}
			b, err := timed(func() error { _, err := base.call(args); return err })
			if err != nil {
				return err
			}
			if i >= 50 { // after warm-up
				ours, naive = append(ours, a-direct), append(naive, b-direct)
			}
		}
		add(fmt.Sprintf("per-call overhead, page of %d, median", n), fmt.Sprintf("%s vs %s baseline (%.2f×)", us(median(ours)), us(median(naive)), float64(median(ours))/float64(median(naive))),
			"tools/call over stdio minus a direct GET; 500 calls each, interleaved with a plain-text mcp-go server (bench/baseline)")
		add(fmt.Sprintf("per-call overhead, page of %d, p90", n), fmt.Sprintf("%s vs %s baseline (%.2f×)", us(percentile(ours, 0.9)), us(percentile(naive, 0.9)), float64(percentile(ours, 0.9))/float64(percentile(naive, 0.9))), "")
	}
	base.close()

	// The same call over HTTP against stdio, interleaved.
	h, err := spawnHTTP(binary, append(env, "OPENPHONE_MAX_RPS=1000"))
	if err != nil {
		return err
	}
	var overStdio, overHTTP []time.Duration
	for i := range 550 {
		a, err := timed(func() error { _, err := s.call(`{"maxResults":10}`); return err })
		if err != nil {
			return err
		}
		b, err := timed(func() error { return h.call(`{"maxResults":10}`) })
		if err != nil {
			return err
		}
		if i >= 50 {
			overStdio, overHTTP = append(overStdio, a), append(overHTTP, b)
		}
	}
	h.close()
	add("tools/call over HTTP vs stdio, page of 10, median", fmt.Sprintf("%s vs %s (%.2f×)", us(median(overHTTP)), us(median(overStdio)), float64(median(overHTTP))/float64(median(overStdio))),
		"whole call, 500 each, interleaved; HTTP keeps its connection alive, stateless (no session)")

	var pings []time.Duration
	for range 500 {
		t0 := time.Now()
		if _, err := s.request("ping", `{}`); err != nil {
			return err
		}
		pings = append(pings, time.Since(t0))
	}
	add("stdio round trip (ping), median", us(median(pings)), "the floor under any call: pipes, scheduling, mcp-go")

	// Tokens: what the tools' definitions cost on every turn, and what a
	// page costs against the raw JSON.
	enc, err := tokenizer.Get(tokenizer.O200kBase)
	if err != nil {
		return err
	}
	list, err := s.request("tools/list", `{}`)
	if err != nil {
		return err
	}
	var defs struct {
		Tools []struct {
			Name        string          `json:"name"`
			Description string          `json:"description"`
			InputSchema json.RawMessage `json:"inputSchema"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(list, &defs); err != nil {
		return err
	}
	var counts []string
	total := 0
	for _, d := range defs.Tools {
		raw, _ := json.Marshal(d)
		ids, _, _ := enc.Encode(string(raw))
		counts = append(counts, fmt.Sprintf("%s %d", d.Name, len(ids)))
		total += len(ids)
	}
	add("tokens, tool definitions", fmt.Sprintf("%d in all", total), "o200k of each {name, description, inputSchema}: "+strings.Join(counts, ", "))
	for _, n := range []int{10, 100} {
		raw, err := api.Get("/v1/conversations", client.ListConversationsParams{MaxResults: n}.Query())
		if err != nil {
			return err
		}
		summary, err := s.call(fmt.Sprintf(`{"maxResults":%d}`, n))
		if err != nil {
			return err
		}
		rawTokens, _, _ := enc.Encode(string(raw))
		sumTokens, _, _ := enc.Encode(summary)
		add(fmt.Sprintf("tokens, page of %d", n), fmt.Sprintf("%d vs %d raw (%.1f%%)", len(sumTokens), len(rawTokens), 100*float64(len(sumTokens))/float64(len(rawTokens))), "o200k; summary text vs the API's JSON")
		add(fmt.Sprintf("bytes, page of %d", n), fmt.Sprintf("%d vs %d raw (%.1f%%)", len(summary), len(raw), 100*float64(len(summary))/float64(len(raw))), "")
	}
	s.close()

	// Tokens of a page of 100 realistic messages.
	thread := openphonetest.GenerateThread(1, 100)
	threadAPI := openphonetest.NewServer(thread)
	defer threadAPI.Close()
	ts, err := spawn(binary, []string{"OPENPHONE_API_KEY=" + threadAPI.APIKey, "OPENPHONE_BASE_URL=" + threadAPI.URL, "OPENPHONE_LOG_LEVEL=error"})
	if err != nil {
		return err
	}
	conv := thread.Conversations[0]
	params := client.ListMessagesParams{PhoneNumberID: conv.PhoneNumberID, Participants: conv.Participants, MaxResults: 100}
	raw, err := threadAPI.Get("/v1/messages", params.Query())
	if err != nil {
		return err
	}
	args, _ := json.Marshal(map[string]any{"phoneNumberId": conv.PhoneNumberID, "participants": conv.Participants, "maxResults": 100})
	summary, err := ts.callTool("list_messages", string(args))
	if err != nil {
		return err
	}
	ts.close()
	rawTokens, _, _ := enc.Encode(string(raw))
	sumTokens, _, _ := enc.Encode(summary)
	add("tokens, page of 100 messages", fmt.Sprintf("%d vs %d raw (%.1f%%)", len(sumTokens), len(rawTokens), 100*float64(len(sumTokens))/float64(len(rawTokens))), "o200k; list_messages text vs the API's JSON; texts whole")

	// 100 concurrent calls at the default rate limit.
	s, err = spawn(binary, env)
	if err != nil {
		return err
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		wg.Go(func() {
			if _, err := s.call(fmt.Sprintf(`{"maxResults":%d}`, i%100+1)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	rss, err := peakRSS(s.cmd.Process.Pid)
	if err != nil {
		return err
	}
	s.close()
	add("100 concurrent calls at 10 requests/s", fmt.Sprintf("%.2f s", wall.Seconds()), "the floor is 10.5 s: 101 requests (100 pages, 1 names look-up), 10 per window of 1.05 s")
	add("peak RSS of the server", fmt.Sprintf("%.1f MiB", float64(rss)/(1<<20)), "VmHWM of the process that served the 100 calls")

	fmt.Printf("Measured %s on %s, %d cores, %s.\n\n", time.Now().UTC().Format("2006-01-02"), cpuModel(), runtime.NumCPU(), runtime.Version())
	fmt.Println("| metric | value | note |\n|---|---|---|")
	for _, r := range rows {
		fmt.Printf("| %s | %s | %s |\n", r.metric, r.value, r.note)
	}
	return nil
}

// session is a minimal MCP client over the server's stdio.
type session struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	mu    sync.Mutex
	next  int
	wait  map[string]chan json.RawMessage
}

func spawn(binary string, env []string) (*session, error) {
	s := &session{cmd: exec.Command(binary), wait: map[string]chan json.RawMessage{}}
	s.cmd.Env = append(os.Environ(), env...)
	s.stdin, _ = s.cmd.StdinPipe()
	stdout, _ := s.cmd.StdoutPipe()
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go s.read(stdout)
	if _, err := s.request("initialize", `{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}`); err != nil {
		return nil, err
	}
	_, err := io.WriteString(s.stdin, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n")
	return s, err
}

func (s *session) read(stdout io.Reader) {
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  json.RawMessage `json:"error"`
		}
		if json.Unmarshal(sc.Bytes(), &msg) != nil {
			continue
		}
		s.mu.Lock()
		ch := s.wait[string(msg.ID)]
		delete(s.wait, string(msg.ID))
		s.mu.Unlock()
		if ch != nil {
			if msg.Error != nil {
				ch <- nil
			} else {
				ch <- msg.Result
			}
		}
	}
}

func (s *session) request(method, params string) (json.RawMessage, error) {
	s.mu.Lock()
	s.next++
	id := strconv.Itoa(s.next)
	ch := make(chan json.RawMessage, 1)
	s.wait[id] = ch
	_, err := io.WriteString(s.stdin, fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"method":%q,"params":%s}`+"\n", id, method, params))
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	select {
	case res := <-ch:
		if res == nil {
			return nil, fmt.Errorf("%s: JSON-RPC error", method)
		}
		return res, nil
	case <-time.After(60 * time.Second):
		return nil, fmt.Errorf("%s: no answer in 60s", method)
	}
}

// call calls list_conversations and returns its text.
func (s *session) call(args string) (string, error) { return s.callTool("list_conversations", args) }

// callTool calls a tool and returns its text.
func (s *session) callTool(name, args string) (string, error) {
	raw, err := s.request("tools/call", `{"name":"`+name+`","arguments":`+args+`}`)
	if err != nil {
		return "", err
	}
	var res struct {
		Content []struct{ Text string } `json:"content"`
		IsError bool                    `json:"isError"`
	}
	if err := json.Unmarshal(raw, &res); err != nil || len(res.Content) == 0 {
		return "", fmt.Errorf("tools/call: unreadable result %s", raw)
	}
	if res.IsError {
		return "", fmt.Errorf("tools/call: %s", res.Content[0].Text)
	}
	return res.Content[0].Text, nil
}

// httpSession is the binary serving Streamable HTTP on a loopback port.
type httpSession struct {
	cmd    *exec.Cmd
	url    string
	client *http.Client
}

func spawnHTTP(binary string, env []string) (*httpSession, error) {
	cmd := exec.Command(binary, "--transport", "http", "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), append(env, "OPENPHONE_LOG_LEVEL=info")...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		if _, url, ok := strings.Cut(lines.Text(), `serving MCP over HTTP" url=`); ok {
			go io.Copy(io.Discard, stderr)
			return &httpSession{cmd, strings.Fields(url)[0], &http.Client{}}, nil
		}
	}
	cmd.Process.Kill()
	return nil, errors.New("the HTTP server did not start")
}

// call calls list_conversations over HTTP.
func (h *httpSession) call(args string) error {
	req, _ := http.NewRequest(http.MethodPost, h.url, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_conversations","arguments":`+args+`}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := h.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && (resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "conversations")) {
		err = fmt.Errorf("HTTP tools/call: %s: %.200s", resp.Status, body)
	}
	return err
}

func (h *httpSession) close() {
	h.cmd.Process.Signal(os.Interrupt)
	h.cmd.Wait()
}

func (s *session) close() {
	s.stdin.Close()
	s.cmd.Wait()
}

// peakRSS reads a process's peak resident set size from /proc.
func peakRSS(pid int) (int64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(status)) {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmHWM:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

func cpuModel() string {
	info, _ := os.ReadFile("/proc/cpuinfo")
	for line := range strings.Lines(string(info)) {
		if name, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
		}
	}
	return runtime.GOARCH
}

func median(d []time.Duration) time.Duration { return percentile(d, 0.5) }

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[int(p*float64(len(s)-1))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond)) }

// staticBuild builds a package's binary as the README says: static, without cgo.
func staticBuild(binary, pkg string) *exec.Cmd {
	cmd := exec.Command("go", "build", "-o", binary, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	return cmd
}
