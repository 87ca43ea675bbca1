package sharedlimit_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
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
