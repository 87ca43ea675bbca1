package sharedlimit_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
	"github.com/openphone-mcp/openphone-mcp/sharedlimit"
)

// replicas makes n clients of one key, each with a Limiter of its own as
// a replica has, sharing the Redis at url when it is not "".
func replicas(t *testing.T, api *openphonetest.Server, url string, n int, log *testkit.LockedBuffer) ([]*client.Client, []*testkit.WriteLog) {
	t.Helper()
	var clients []*client.Client
	var logs []*testkit.WriteLog
	for range n {
		l, _ := client.NewLimiter(client.DefaultRateLimit)
		if url != "" {
			r, err := sharedlimit.New(url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close() })
			if err := l.Share(r, client.DefaultRateLimit/float64(n), slog.New(slog.NewTextHandler(log, nil))); err != nil {
				t.Fatal(err)
			}
		}
		w := &testkit.WriteLog{}
		c, err := client.New(api.APIKey, client.WithBaseURL(api.URL), client.WithLimiter(l), w.Option())
		if err != nil {
			t.Fatal(err)
		}
		clients, logs = append(clients, c), append(logs, w)
	}
	return clients, logs
}

// callAll makes calls requests at once, round robin over the clients,
// and fails the test on any error.
func callAll(t *testing.T, clients []*client.Client, calls int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := range calls {
		wg.Go(func() {
			if _, err := clients[i%len(clients)].ListUsers(ctx, client.ListUsersParams{MaxResults: 10}); err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		})
	}
	wg.Wait()
}

// TestReplicasShareOneWindow: three replicas on one key, sharing a Redis,
// never put more than 10 requests at OpenPhone in any second; without the
// Redis, the same calls do.
func TestReplicasShareOneWindow(t *testing.T) {
	url := testkit.RedisURL(t)
	for _, shared := range []bool{false, true} {
		api := testkit.Demo(t)
		u := ""
		if shared {
			u = url
		}
		clients, _ := replicas(t, api, u, 3, &testkit.LockedBuffer{})
		callAll(t, clients, 60)
		most := testkit.MostWithin(testkit.Arrivals(api), time.Second)
		switch {
		case shared && most > client.DefaultRateLimit:
			t.Errorf("sharing a Redis, %d requests reached OpenPhone within a second, over %d", most, client.DefaultRateLimit)
		case !shared && most <= client.DefaultRateLimit:
			t.Errorf("without the Redis, the three replicas kept to %d a second: this test could not tell", most)
		}
		t.Logf("shared %v: at most %d requests in a second", shared, most)
	}
}

// TestRedisDownFallsBack: with the Redis killed mid-run, calls go on being
// answered, each replica keeps to its share of the rate, and the log
// says so once.
func TestRedisDownFallsBack(t *testing.T) {
	redis := testkit.StartRedis(t)
	api := testkit.Demo(t)
	var log testkit.LockedBuffer
	clients, logs := replicas(t, api, redis.URL, 3, &log)
	callAll(t, clients, 12)
	redis.Kill()
	start := len(api.Requests())
	callAll(t, clients, 30)
	if got := len(api.Requests()) - start; got != 30 {
		t.Errorf("%d requests after the Redis died, want 30", got)
	}
	for i, w := range logs {
		var after []time.Time
		for _, at := range w.Times() {
			if !at.Before(testkit.Arrivals(api)[start]) {
				after = append(after, at)
			}
		}
		if most := testkit.MostWithin(after, time.Second); most > 3 {
			t.Errorf("replica %d: %d writes within a second without the Redis, over its share of 3", i, most)
		}
	}
	if n := strings.Count(log.String(), "the shared rate limit's store failed"); n < 1 || n > 3 {
		t.Errorf("%d warnings (one per replica at most):\n%s", n, log.String())
	}
}

// waitFor waits until cond holds, failing the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
	}
}

// TestRedisReturnKeepsTheLimit: two busy replicas of one key, their Redis
// killed and started again, empty, on the same port: across the failure,
// the fallback and the return, no second holds more than the limit.
func TestRedisReturnKeepsTheLimit(t *testing.T) {
	srv := testkit.StartRedis(t)
	api := testkit.Demo(t)
	var log testkit.LockedBuffer
	clients, _ := replicas(t, api, srv.URL, 2, &log)
	// Each replica is asked for calls evenly, at first under its share
	// (a call every 250 ms), so that its admissions spread over the
	// window as a server's do, rather than come in bursts at its edges;
	// once the Redis is back, for more than the limit (every 60 ms, at
	// most 20 waiting), so that a replica that rejoined too soon would
	// fill the shared window on top of its own fallback admissions.
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	var period atomic.Int64
	period.Store(int64(250 * time.Millisecond))
	for _, c := range clients {
		wg.Go(func() {
			busy := make(chan struct{}, 20)
			for {
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Duration(period.Load())):
				}
				select {
				case busy <- struct{}{}:
				default:
					continue
				}
				wg.Go(func() {
					defer func() { <-busy }()
					if _, err := c.ListUsers(ctx, client.ListUsersParams{MaxResults: 10}); err != nil && ctx.Err() == nil {
						t.Errorf("a call: %v", err)
					}
				})
			}
		})
	}
	sent := func() int { return len(api.Requests()) }
	waitFor(t, "20 requests shared", func() bool { return sent() >= 20 })
	srv.Kill()
	waitFor(t, "both replicas to fall back", func() bool { return strings.Count(log.String(), "store failed") == 2 })
	n := sent()
	waitFor(t, "12 requests in the fallback", func() bool { return sent() >= n+12 })
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	period.Store(int64(60 * time.Millisecond))
	// Each replica asks the Redis again within 5 s, then rejoins it.
	n = sent()
	waitFor(t, "130 requests after the Redis came back", func() bool { return sent() >= n+130 })
	cancel()
	wg.Wait()
	if strings.Count(log.String(), "answers again") != 2 {
		t.Errorf("want each replica to say once that the Redis answers again:\n%s", log.String())
	}
	t.Logf("at most %d in a second", testkit.MostWithin(testkit.Arrivals(api), time.Second))
	if most := testkit.MostWithin(testkit.Arrivals(api), time.Second); most > client.DefaultRateLimit {
		t.Errorf("%d requests reached OpenPhone within a second, over %d:\n%s", most, client.DefaultRateLimit, log.String())
	}
}

// TestRedisStateLogged: a Redis that does not answer at the start is said
// not to (and not to be shared through); its return, and its next
// failure, are each logged once. No line holds the API key.
func TestRedisStateLogged(t *testing.T) {
	srv := testkit.StartRedis(t)
	srv.Kill()
	api := testkit.Demo(t)
	var log testkit.LockedBuffer
	clients, _ := replicas(t, api, srv.URL, 1, &log)
	if !strings.Contains(log.String(), "does not answer") || strings.Contains(log.String(), "sharing the rate limit through") {
		t.Errorf("the start, without the Redis:\n%s", log.String())
	}
	call := func() {
		t.Helper()
		if _, err := clients[0].ListUsers(t.Context(), client.ListUsersParams{MaxResults: 10}); err != nil {
			t.Fatal(err)
		}
	}
	call()
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	// The replica asks again within 5 s of its start.
	for deadline := time.Now().Add(time.Minute); !strings.Contains(log.String(), "answers again"); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the return of the Redis was never logged:\n%s", log.String())
		}
		call()
	}
	srv.Kill()
	call()
	out := log.String()
	for _, line := range []string{"does not answer", "answers again", "store failed"} {
		if n := strings.Count(out, line); n != 1 {
			t.Errorf("%q logged %d times, want once:\n%s", line, n, out)
		}
	}
	if strings.Contains(out, api.APIKey) {
		t.Error("the log holds the API key")
	}
}
