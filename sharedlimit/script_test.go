package sharedlimit_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
	"github.com/openphone-mcp/openphone-mcp/sharedlimit"
)

const window = 1050 * time.Millisecond

// TestUnwrittenWaitIsShort: with the window full of requests admitted and
// not yet written, the next is told a short wait (a place frees as soon
// as one is given back, or a window after its write), not the 20 s that
// an unwritten entry is held for.
func TestUnwrittenWaitIsShort(t *testing.T) {
	r, err := sharedlimit.New(testkit.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	key := "unwritten-" + t.Name() + time.Now().Format("150405.000000000")
	ctx := t.Context()
	for i := range 10 {
		if _, wait, _, err := r.Admit(ctx, key, client.LaneInteractive, 10, window); err != nil || wait != 0 {
			t.Fatalf("admission %d: wait %v, %v", i, wait, err)
		}
	}
	_, wait, paused, err := r.Admit(ctx, key, client.LaneInteractive, 10, window)
	if err != nil || paused || wait <= 0 || wait > window {
		t.Errorf("the 11th, with 10 unwritten: wait %v, paused %v, %v; want a wait within one window", wait, paused, err)
	}
}

// TestKeysShareOneSlot: the keys of one script call share a hash tag, so
// that a Redis Cluster holds them in one slot; against a real redis-server
// in cluster mode (one node, every slot), admissions, writes and pauses
// are answered, not refused with CROSSSLOT.
func TestKeysShareOneSlot(t *testing.T) {
	const key = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	if slot("foo") != 12182 {
		t.Fatalf("slot(foo) = %d, want Redis's 12182", slot("foo"))
	}
	ks := sharedlimit.Keys(key)
	for _, k := range ks {
		if slot(k) != slot(ks[0]) {
			t.Errorf("%s is in slot %d, %s in %d", k, slot(k), ks[0], slot(ks[0]))
		}
		if !strings.Contains(k, "{"+key+"}") {
			t.Errorf("%s has no hash tag of the key", k)
		}
	}

	srv := testkit.StartRedis(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
	rdb := redis.NewClient(&redis.Options{Addr: strings.TrimSuffix(strings.TrimPrefix(srv.URL, "redis://"), "/0")})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := rdb.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", 0, 16383).Err(); err != nil {
		t.Fatal(err)
	}
	for {
		info, err := rdb.ClusterInfo(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(info, "cluster_state:ok") {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the cluster never came up:\n%s", info)
		case <-time.After(50 * time.Millisecond):
		}
	}
	for i, url := range []string{srv.URL, strings.TrimSuffix(srv.URL, "/0") + "?cluster=true"} {
		key := key + strconv.Itoa(i)
		r, err := sharedlimit.New(url)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		id, wait, _, err := r.Admit(ctx, key, client.LaneInteractive, 10, window)
		if err != nil || wait != 0 {
			t.Fatalf("%s: admission in a cluster: wait %v, %v", url, wait, err)
		}
		if err := r.Written(ctx, key, id); err != nil {
			t.Errorf("%s: written: %v", url, err)
		}
		if err := r.Unsent(ctx, key, id); err != nil {
			t.Errorf("%s: unsent: %v", url, err)
		}
		if err := r.Pause(ctx, key, time.Second); err != nil {
			t.Errorf("%s: pause: %v", url, err)
		}
	}
}

// slot is the Redis Cluster slot of key: CRC16 (XMODEM) of its hash tag,
// or of the whole key without one, modulo 16384.
func slot(key string) uint16 {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	var crc uint16
	for _, b := range []byte(key) {
		crc ^= uint16(b) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc % 16384
}

// TestPause: a pause holds back the key's admissions, saying so.
func TestPause(t *testing.T) {
	r, err := sharedlimit.New(testkit.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	key := "pause-" + time.Now().Format("150405.000000000")
	if err := r.Pause(t.Context(), key, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, wait, paused, err := r.Admit(t.Context(), key, client.LaneInteractive, 10, window); err != nil || !paused || wait < 30*time.Second {
		t.Errorf("admission in a pause: wait %v, paused %v, %v", wait, paused, err)
	}
}
