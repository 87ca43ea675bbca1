package e2e

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// roundRobin is a loopback load balancer over the replicas' URLs.
func roundRobin(t *testing.T, replicas []*httpServer) string {
	t.Helper()
	var proxies []*httputil.ReverseProxy
	for _, r := range replicas {
		u, _ := url.Parse(r.url)
		proxies = append(proxies, httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host}))
	}
	var next atomic.Uint64
	lb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxies[next.Add(1)%uint64(len(proxies))].ServeHTTP(w, r)
	}))
	t.Cleanup(lb.Close)
	return lb.URL + "/mcp"
}

// startReplicas starts three replicas of the server on the demo's key,
// sharing the Redis at redisURL, behind a round-robin balancer.
func startReplicas(t *testing.T, api *openphonetest.Server, redisURL string) string {
	t.Helper()
	var replicas []*httpServer
	for range 3 {
		replicas = append(replicas, startHTTP(t, append(apiEnv(api), "OPENPHONE_REDIS_URL="+redisURL, "OPENPHONE_LOG_LEVEL=info")))
	}
	return roundRobin(t, replicas)
}

// callMany makes n tool calls at once through url, and returns how many
// were answered with the users.
func callMany(t *testing.T, url string, n int) int {
	t.Helper()
	var answered atomic.Int32
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, _, body := testkit.Post(t, url, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_users","arguments":{}}}`, nil)
			if strings.Contains(body, "5 users") {
				answered.Add(1)
			}
		})
	}
	wg.Wait()
	return int(answered.Load())
}

// TestE2EReplicasShareTheRateLimit: three server processes on one key,
// sharing one Redis behind a round-robin balancer: 60 calls at once never
// put more than 10 requests at OpenPhone in a second.
func TestE2EReplicasShareTheRateLimit(t *testing.T) {
	api := testkit.Demo(t)
	lb := startReplicas(t, api, testkit.RedisURL(t))
	if n := callMany(t, lb, 60); n != 60 {
		t.Fatalf("%d of 60 calls answered", n)
	}
	if most := testkit.MostWithin(testkit.Arrivals(api), time.Second); most > 10 {
		t.Errorf("%d requests reached OpenPhone within a second, over 10", most)
	}
}

// TestE2EReplicasOutliveTheRedis: with the Redis killed while calls run,
// every call is answered, and the limit still holds: each replica waits
// out the window the Redis kept, then keeps to its own share of the rate
// (at most 10 ÷ 3 each, which sharedlimit's TestRedisDownFallsBack holds
// per replica).
func TestE2EReplicasOutliveTheRedis(t *testing.T) {
	redis := testkit.StartRedis(t)
	api := testkit.Demo(t)
	lb := startReplicas(t, api, redis.URL)
	done := make(chan int)
	go func() { done <- callMany(t, lb, 40) }()
	waitFor(t, "the first calls to reach the fake", func() bool { return len(api.Requests()) >= 10 })
	redis.Kill()
	if n := <-done; n != 40 {
		t.Errorf("%d of 40 calls answered", n)
	}
	if most := testkit.MostWithin(testkit.Arrivals(api), time.Second); most > 10 {
		t.Errorf("%d requests reached OpenPhone within a second", most)
	}
}
