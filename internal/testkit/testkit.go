// Package testkit is the test support that openphone-mcp's packages
// share: a fake OpenPhone API with a client in front of it, a token
// counter, a raw HTTP post and the static build of a binary.
package testkit

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tiktoken-go/tokenizer"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	_ "github.com/openphone-mcp/openphone-mcp/client/openphonetest/schemacheck" // the fakes check requests against the document
)

// Fake starts a fake OpenPhone API serving ws, closed when the test ends.
func Fake(t testing.TB, ws openphonetest.Workspace) *openphonetest.Server {
	api := openphonetest.NewServer(ws)
	t.Cleanup(api.Close)
	return api
}

// Demo starts a fake OpenPhone API serving the demo workspace, closed when
// the test ends.
func Demo(t testing.TB) *openphonetest.Server { return Fake(t, openphonetest.DemoWorkspace()) }

// NewAPI starts a fake OpenPhone API serving ws, closed when the test ends,
// and returns it with a client of its key.
func NewAPI(t testing.TB, ws openphonetest.Workspace, opts ...client.Option) (*openphonetest.Server, *client.Client) {
	t.Helper()
	api := Fake(t, ws)
	c, err := client.New(api.APIKey, append([]client.Option{client.WithBaseURL(api.URL)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return api, c
}

var o200k = sync.OnceValue(func() tokenizer.Codec {
	enc, err := tokenizer.Get(tokenizer.O200kBase)
	if err != nil {
		panic(err) // the vocabulary is built in
	}
	return enc
})

// Tokens counts the o200k_base tokens of s: what a model of the GPT-4o
// family reads, and close to what others do.
func Tokens(s string) int {
	ids, _, _ := o200k().Encode(s)
	return len(ids)
}

// Post sends one JSON-RPC request by hand to an MCP endpoint and returns
// the status, headers and body. A Host in h addresses the request.
func Post(t testing.TB, url, body string, h http.Header) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range h {
		req.Header[k] = v
	}
	if host := h.Get("Host"); host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// StaticBuild is the command that builds the package pkg into binary as
// the README says: static, without cgo.
func StaticBuild(binary, pkg string) *exec.Cmd {
	cmd := exec.Command("go", "build", "-o", binary, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	return cmd
}

// PeakRSS reads a process's peak resident set size, in bytes, from /proc.
func PeakRSS(pid int) (int64, error) {
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

// Deps lists the packages that the package in the current directory
// imports, directly or not, as go list -deps does; tests use it to hold a
// package's boundaries.
func Deps(t testing.TB) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	return strings.Fields(string(out))
}

// A WriteLog records when a client's requests are written to the network,
// the instants its rate limit counts them by.
type WriteLog struct {
	mu sync.Mutex
	at []time.Time
}

// Option is the client option that records into w.
func (w *WriteLog) Option() client.Option {
	return client.WithWriteHook(func(at time.Time) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.at = append(w.at, at)
	})
}

// Times returns the writes recorded, oldest first.
func (w *WriteLog) Times() []time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.SortedFunc(slices.Values(w.at), time.Time.Compare)
}

// MostIn counts the most writes that fall within any interval of length
// window.
func (w *WriteLog) MostIn(window time.Duration) int { return MostWithin(w.Times(), window) }

// MostWithin counts the most of times, sorted, that fall within any
// interval of length window.
func MostWithin(times []time.Time, window time.Duration) int {
	most := 0
	for i := range times {
		j := i
		for j < len(times) && times[j].Sub(times[i]) < window {
			j++
		}
		most = max(most, j-i)
	}
	return most
}

// Arrivals are when the requests api received arrived, oldest first.
func Arrivals(api *openphonetest.Server) []time.Time {
	var at []time.Time
	for _, r := range api.Requests() {
		at = append(at, r.At)
	}
	return at
}

// A LockedBuffer is a buffer that concurrent writers (the loggers of
// several goroutines) may share.
type LockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *LockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String is what was written so far.
func (l *LockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
