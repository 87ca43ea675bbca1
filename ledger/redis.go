package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

func init() {
	// go-redis logs failed dials itself, on stderr; a write refused for
	// want of its ledger says so in its own words.
	redis.SetLogger(quiet{})
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// keyPrefix begins every key the ledger keeps in Redis.
const keyPrefix = "openphone-mcp:ledger:"

// redisTimeout bounds one operation: a write waits no longer for the
// ledger before it is refused.
const redisTimeout = 2 * time.Second

// A Redis is a Ledger in a Redis (or Valkey) that every replica reaches:
// Claim is one SET NX with the key's lifetime, so of two replicas racing
// on one key, Redis lets one through.
type Redis struct {
	rdb  *redis.Client
	addr string
}

// OpenRedis returns the ledger in the Redis at url (redis://host:port/db).
// It connects on first use; the caller must Close it.
func OpenRedis(url string) (*Redis, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, err
	}
	opts.MaxRetries = -1 // a claim is answered once: a retry could claim twice for one caller
	return &Redis{rdb: redis.NewClient(opts), addr: opts.Addr}, nil
}

// Close closes the connections to Redis.
func (r *Redis) Close() error { return r.rdb.Close() }

// String says where the ledger is.
func (r *Redis) String() string { return "Redis at " + r.addr }

// Claim implements Ledger.
func (r *Redis) Claim(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	err := r.rdb.SetArgs(ctx, keyPrefix+key, value, redis.SetArgs{Mode: "NX", TTL: ttl}).Err()
	switch {
	case errors.Is(err, redis.Nil):
		return false, nil
	case err != nil:
		return false, r.unavailable(err)
	}
	return true, nil
}

// Get implements Ledger.
func (r *Redis) Get(ctx context.Context, key string) ([]byte, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	v, err := r.rdb.Get(ctx, keyPrefix+key).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return nil, false, nil
	case err != nil:
		return nil, false, r.unavailable(err)
	}
	return v, true, nil
}

// Put implements Ledger.
func (r *Redis) Put(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	if err := r.rdb.Set(ctx, keyPrefix+key, value, ttl).Err(); err != nil {
		return r.unavailable(err)
	}
	return nil
}

// Release implements Ledger.
func (r *Redis) Release(ctx context.Context, key string) error {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	if err := r.rdb.Del(ctx, keyPrefix+key).Err(); err != nil {
		return r.unavailable(err)
	}
	return nil
}

func (r *Redis) unavailable(err error) error {
	return unavailable(fmt.Sprintf("Redis at %s", r.addr), err)
}
