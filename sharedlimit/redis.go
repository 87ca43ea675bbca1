// Package sharedlimit keeps OpenPhone's rate limit in Redis (or Valkey),
// for the replicas of a server that share one API key: per key, one
// sliding window, one Retry-After pause, and the rules of the priority
// lanes, each admission decided by one atomic script on the server's own
// clock. It is a client.SharedWindow. Redis keys hold the SHA-256 of the
// API key, never the key.
package sharedlimit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openphone-mcp/openphone-mcp/client"
)

func init() {
	// go-redis logs failed dials itself; the Limiter says once that the
	// store failed, on the server's own log.
	redis.SetLogger(quiet{})
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// prefix begins every Redis key this package writes.
const prefix = "openphone-mcp:rate:"

// pending is how long an admitted request counts in the window before it
// is written: it then counts from its write; a request never written nor
// given back stops counting after this.
const pending = 20 * time.Second

// A Redis is a client.SharedWindow in Redis.
type Redis struct{ rdb redis.UniversalClient }

// New connects to the Redis at url (redis://host:port/db, or rediss://
// for TLS). With cluster=true among its parameters, url names a node of a
// Redis Cluster (more with addr=host:port), whose nodes the client finds
// and follows. Every command is bounded in time, and none is retried: the
// Limiter falls back to its own windows rather than wait.
func New(rawURL string) (*Redis, error) {
	const timeout = 250 * time.Millisecond
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis URL: %w", err)
	}
	q := u.Query()
	cluster := q.Get("cluster") == "true"
	q.Del("cluster")
	u.RawQuery = q.Encode()
	if cluster {
		opts, err := redis.ParseClusterURL(u.String())
		if err != nil {
			return nil, fmt.Errorf("redis cluster URL: %w", err)
		}
		opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = timeout, timeout, timeout
		opts.MaxRetries, opts.DialerRetries = -1, 1
		opts.ContextTimeoutEnabled = true
		return &Redis{rdb: redis.NewClusterClient(opts)}, nil
	}
	opts, err := redis.ParseURL(u.String())
	if err != nil {
		return nil, fmt.Errorf("redis URL: %w", err)
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = timeout, timeout, timeout
	opts.MaxRetries, opts.DialerRetries = -1, 1
	opts.ContextTimeoutEnabled = true
	return &Redis{rdb: redis.NewClient(opts)}, nil
}

// Ping reports whether the Redis answers.
func (r *Redis) Ping(ctx context.Context) error { return r.rdb.Ping(ctx).Err() }

// Close closes the connections.
func (r *Redis) Close() error { return r.rdb.Close() }

// keys are the Redis keys of an API key's limit: its window, pause, and
// last background and other admissions. They share one hash tag, {key},
// so that a Redis Cluster keeps them in one slot, as a script needs.
func keys(key string) []string {
	base := prefix + "{" + key + "}:"
	return []string{base + "window", base + "pause", base + "background", base + "other"}
}

// admit decides one admission. ARGV: window (ms), n, lane, id, pending
// (ms). It answers {admitted, wait ms, paused}.
var admit = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window, n, lane, id, pending = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4], tonumber(ARGV[5])
local pause = tonumber(redis.call('GET', KEYS[2]) or '0')
if pause > now then return {0, pause - now, 1} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local limit = n
if lane == 'background' then
  local gap = math.floor(window / n)
  local last = tonumber(redis.call('GET', KEYS[3]) or '0')
  if last + gap > now then return {0, last + gap - now, 0} end
  local other = tonumber(redis.call('GET', KEYS[4]) or '0')
  if n > 1 and now - other < 2 * window then limit = n - 1 end
end
if redis.call('ZCARD', KEYS[1]) >= limit then
  -- A place frees when the oldest written entry leaves the window. An
  -- entry not yet written (its score is the placeholder, in the future)
  -- is written within moments, and leaves a window after, or is given
  -- back sooner: without a written one, the wait is about a window.
  local wait = window
  local oldest = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES', 'LIMIT', 0, 1)
  if oldest[2] then wait = tonumber(oldest[2]) + window - now end
  if wait < 1 then wait = 1 end
  return {0, wait, 0}
end
redis.call('ZADD', KEYS[1], now + pending, id)
redis.call('PEXPIRE', KEYS[1], window + pending)
if lane == 'background' then
  redis.call('SET', KEYS[3], now, 'PX', 2 * window)
else
  redis.call('SET', KEYS[4], now, 'PX', 3 * window)
end
return {1, 0, 0}
`)

// written moves an admitted request's entry to now, its write.
var written = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
return 1
`)

// pause holds the key back for ARGV[1] ms, unless a longer pause holds.
var pause = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ends = now + tonumber(ARGV[1])
if ends > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], ends, 'PX', tonumber(ARGV[1]))
end
return 1
`)

// Admit admits a request of key, or says how long to wait.
func (r *Redis) Admit(ctx context.Context, key string, lane client.Lane, n int, window time.Duration) (string, time.Duration, bool, error) {
	id := make([]byte, 12)
	rand.Read(id)
	laneName := "interactive"
	if lane == client.LaneBackground {
		laneName = "background"
	}
	res, err := admit.Run(ctx, r.rdb, keys(key), window.Milliseconds(), n, laneName, hex.EncodeToString(id), pending.Milliseconds()).Int64Slice()
	if err != nil {
		return "", 0, false, err
	}
	if len(res) != 3 {
		return "", 0, false, fmt.Errorf("the admission script answered %v", res)
	}
	if res[0] == 1 {
		return hex.EncodeToString(id), 0, false, nil
	}
	return "", time.Duration(res[1]) * time.Millisecond, res[2] == 1, nil
}

// Written records that request id was written now.
func (r *Redis) Written(ctx context.Context, key, id string) error {
	return written.Run(ctx, r.rdb, keys(key)[:1], id).Err()
}

// Unsent gives back the place of request id.
func (r *Redis) Unsent(ctx context.Context, key, id string) error {
	return r.rdb.ZRem(ctx, keys(key)[0], id).Err()
}

// Pause holds back every request of key for d.
func (r *Redis) Pause(ctx context.Context, key string, d time.Duration) error {
	return pause.Run(ctx, r.rdb, keys(key)[1:2], max(d.Milliseconds(), 1)).Err()
}
