package client_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// sleeplessClient returns a client that does not sleep when it waits.
func sleeplessClient(t *testing.T, srv *openphonetest.Server, opts ...client.Option) *client.Client {
	c := newClient(t, srv, opts...)
	client.SetSleep(c, func(ctx context.Context, d time.Duration) error { return ctx.Err() })
	return c
}

func list(ctx context.Context, c *client.Client) error {
	_, err := c.ListConversations(ctx, client.ListConversationsParams{MaxResults: 5})
	return err
}

// listTraced lists conversations and returns the waits before retries
// that the call reported.
func listTraced(ctx context.Context, c *client.Client) ([]time.Duration, error) {
	var mu sync.Mutex
	var waits []time.Duration
	ctx = client.WithTrace(ctx, &client.Trace{Wait: func(w client.Wait) {
		if w.Kind == client.WaitBeforeRetry {
			mu.Lock()
			defer mu.Unlock()
			waits = append(waits, w.Duration)
		}
	}})
	err := list(ctx, c)
	return waits, err
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name     string
		faults   []openphonetest.Fault
		wantErr  bool
		attempts int // requests the fake must see
	}{
		{"503 then success", []openphonetest.Fault{{Status: 503}}, false, 2},
		{"429, 502, 504 then success", []openphonetest.Fault{{Status: 429}, {Status: 502}, {Status: 504}}, false, 4},
		{"dropped connection then success", []openphonetest.Fault{{Drop: true}}, false, 2},
		{"body cut short then success", []openphonetest.Fault{{HangBody: true}}, false, 2},
		{"gives up after 4 attempts", []openphonetest.Fault{{Status: 503}, {Status: 503}, {Status: 503}, {Status: 503}}, true, 4},
		{"400 is final", []openphonetest.Fault{{Status: 400}}, true, 1},
		{"401 is final", []openphonetest.Fault{{Status: 401}}, true, 1},
		{"403 is final", []openphonetest.Fault{{Status: 403}}, true, 1},
		{"404 is final", []openphonetest.Fault{{Status: 404}}, true, 1},
		{"422 is final", []openphonetest.Fault{{Status: 422}}, true, 1},
		{"500 is final", []openphonetest.Fault{{Status: 500}}, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := testkit.Demo(t)
			srv.Inject(tt.faults...)
			waits, err := listTraced(context.Background(), sleeplessClient(t, srv, client.WithTimeout(200*time.Millisecond)))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if got := len(srv.Requests()); got != tt.attempts {
				t.Errorf("fake saw %d attempts, want %d", got, tt.attempts)
			}
			if got := len(waits); got != tt.attempts-1 {
				t.Errorf("%d backoff waits, want %d", got, tt.attempts-1)
			}
			for _, w := range waits {
				if w < 0 || w > client.DefaultRetryPolicy.MaxDelay {
					t.Errorf("wait %v outside [0, %v]", w, client.DefaultRetryPolicy.MaxDelay)
				}
			}
			var retryErr *client.RetryError
			if tt.attempts > 1 && tt.wantErr && (!errors.As(err, &retryErr) || len(retryErr.Attempts) != tt.attempts) {
				t.Errorf("err = %v, want a RetryError listing %d attempts", err, tt.attempts)
			}
		})
	}
}

// TestRetryAfterOfAProxy: a 502, 503 or 504's Retry-After, which a proxy
// in between may have written, is the backoff of that call alone, not
// capped by MaxDelay but by a minute.
func TestRetryAfterOfAProxy(t *testing.T) {
	srv := testkit.Demo(t)
	srv.Inject(
		openphonetest.Fault{Status: 503, Header: http.Header{"Retry-After": {"30"}}},
		openphonetest.Fault{Status: 502, Header: http.Header{"Retry-After": {"3600"}}},
	)
	c := sleeplessClient(t, srv)
	waits, err := listTraced(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if want := []time.Duration{30 * time.Second, time.Minute}; !slices.Equal(waits, want) {
		t.Errorf("waits %v, want %v", waits, want)
	}
	// Neither paused the key: another call goes at once.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := list(ctx, c); err != nil {
		t.Errorf("a call after a proxy's Retry-After: %v", err)
	}
}

// TestRetryAfterPausesEveryCallWithTheKey: a 429's Retry-After holds back
// every call with the key, those already queued in the rate limit
// included, and one whose deadline comes first fails at once, saying how
// long the pause lasts. The calls start together, at the real limit.
func TestRetryAfterPausesEveryCallWithTheKey(t *testing.T) {
	t.Parallel()
	const pause = 2 * time.Second
	srv := testkit.Demo(t)
	srv.Inject(openphonetest.Fault{Status: 429, Header: http.Header{"Retry-After": {"2"}}})
	c := newClient(t, srv)
	var wg sync.WaitGroup
	for range 25 {
		wg.Go(func() {
			if err := list(context.Background(), c); err != nil {
				t.Error(err)
			}
		})
	}
	// While the pause lasts, a call that cannot outwait it is refused.
	waitFor(t, func() bool { return client.PausedUntil(c).After(time.Now()) }) // the 429 is back
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	var pauseErr *client.PauseError
	if err := list(ctx, c); !errors.As(err, &pauseErr) || pauseErr.Wait > pause {
		t.Errorf("a call with 200ms left during the pause: %v, want a PauseError of up to %v", err, pause)
	}
	wg.Wait()

	// The 429 was the first request the fake saw. The pause began when it
	// came back, so whatever arrived less than the pause after it had been
	// written before: the first burst of the limit, no more.
	reqs := srv.Requests()
	first := reqs[0].At
	early := 0
	for _, r := range reqs {
		if r.At.Sub(first) < pause {
			early++
		}
	}
	if early > client.DefaultRateLimit {
		t.Errorf("%d requests reached OpenPhone within the 2s pause after the 429; only the %d sent before it came back may", early, client.DefaultRateLimit)
	}
	if len(reqs) != 26 {
		t.Errorf("the fake saw %d requests, want 25 and the retried 429", len(reqs))
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for !cond() {
		time.Sleep(time.Millisecond)
	}
}

// TestRateLimit fires 100 calls at once: all succeed, and no window of a
// second holds more than the limit's requests, by the times they were
// written to the network. (The fake's arrival times are not checked: on a
// loaded machine a late read can land in the next second, which is what
// the limiter's 50 ms margin is for.)
func TestRateLimit(t *testing.T) {
	t.Parallel() // it takes 10 s: let the other tests run meanwhile
	const rps = client.DefaultRateLimit
	srv := testkit.Demo(t)
	var writes testkit.WriteLog
	c := newClient(t, srv, writes.Option())
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 100 {
		wg.Go(func() { errs <- list(context.Background(), c) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := len(srv.Requests()); got != 100 {
		t.Fatalf("fake saw %d requests, want 100", got)
	}
	sent := writes.Times()
	if len(sent) != 100 {
		t.Fatalf("%d requests written, want 100", len(sent))
	}
	for i := rps; i < len(sent); i++ {
		if gap := sent[i].Sub(sent[i-rps]); gap < time.Second {
			t.Fatalf("requests %d and %d were sent %v apart: %d in one second, over the limit of %d", i-rps, i, gap, rps+1, rps)
		}
	}
}
