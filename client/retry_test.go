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
			srv := openphonetest.NewServer(openphonetest.DemoWorkspace())
			defer srv.Close()
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

func TestRetryAfterIsHonouredInFull(t *testing.T) {
	srv := openphonetest.NewServer(openphonetest.DemoWorkspace())
	defer srv.Close()
	srv.Inject(
		openphonetest.Fault{Status: 429, Header: http.Header{"Retry-After": {"3"}}},
		openphonetest.Fault{Status: 503, Header: http.Header{"Retry-After": {"120"}}},
	)
	waits, err := listTraced(context.Background(), sleeplessClient(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	if want := []time.Duration{3 * time.Second, 120 * time.Second}; !slices.Equal(waits, want) {
		t.Errorf("waits %v, want %v (Retry-After is not capped by MaxDelay)", waits, want)
	}
}

// TestRetryAfterPausesEveryCallWithTheKey: while one call waits out a 429's
// Retry-After, other calls with the same client wait too, and one whose
// deadline comes first fails at once, saying how long the pause lasts.
func TestRetryAfterPausesEveryCallWithTheKey(t *testing.T) {
	srv := openphonetest.NewServer(openphonetest.DemoWorkspace())
	defer srv.Close()
	srv.Inject(openphonetest.Fault{Status: 429, Header: http.Header{"Retry-After": {"2"}}})
	c := newClient(t, srv, noRetries)
	start := time.Now() // before the 429 arrives, so the pause ends at least 2s after it
	var apiErr *client.APIError
	if err := list(context.Background(), c); !errors.As(err, &apiErr) || apiErr.Status != 429 {
		t.Fatalf("first call: %v, want the 429", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	var pause *client.PauseError
	if err := list(ctx, c); !errors.As(err, &pause) || pause.Wait <= 0 || pause.Wait > 2*time.Second {
		t.Fatalf("call during the pause: %v, want a PauseError of up to 2s", err)
	}
	if got := len(srv.Requests()); got != 1 {
		t.Fatalf("the fake saw %d requests during the pause, want only the first", got)
	}

	if err := list(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed < 2*time.Second {
		t.Errorf("a call with time to spare went %v after the start, inside the 2s pause", elapsed)
	}
}

// TestRateLimit fires 100 calls at once: all succeed, and no window of a
// second holds more than the limit's send times. (The fake's arrival times
// are not checked: on a loaded machine one late request can land in the
// next second, which is what the limiter's 50 ms margin is for.)
func TestRateLimit(t *testing.T) {
	t.Parallel() // it takes 10 s: let the other tests run meanwhile
	const rps = client.DefaultRateLimit
	srv := openphonetest.NewServer(openphonetest.DemoWorkspace())
	defer srv.Close()
	c := newClient(t, srv)
	var mu sync.Mutex
	var sent []time.Time
	client.OnAdmit(c, func(at time.Time) {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, at)
	})
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
	slices.SortFunc(sent, time.Time.Compare)
	if len(sent) != 100 {
		t.Fatalf("%d send times booked, want 100", len(sent))
	}
	for i := rps; i < len(sent); i++ {
		if gap := sent[i].Sub(sent[i-rps]); gap < time.Second {
			t.Fatalf("requests %d and %d were sent %v apart: %d in one second, over the limit of %d", i-rps, i, gap, rps+1, rps)
		}
	}
	if span := sent[len(sent)-1].Sub(sent[0]); span > 15*time.Second {
		t.Errorf("100 requests took %v to send; at 10/s they need about 9.5 s", span)
	}
}
