package testkit

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"
)

// A RedisServer is a redis-server process of the test's own, on loopback.
type RedisServer struct {
	URL string
	cmd *exec.Cmd
}

// StartRedis starts redis-server on a free loopback port (LaunchRedis),
// stopped when the test ends. Without a redis-server on the PATH the test
// is skipped, except under CI, whose .ci/run installs one: there it fails.
func StartRedis(t testing.TB) *RedisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("no redis-server on the PATH: .ci/run installs Debian's redis-server")
		}
		t.Skip("no redis-server on the PATH (apt-get install redis-server)")
	}
	r, err := LaunchRedis(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Kill)
	return r
}

// LaunchRedis starts redis-server on a free loopback port, with nothing
// saved (dir is its working directory), and waits until it listens. The
// caller must Kill it.
func LaunchRedis(dir string) (*RedisServer, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no", "--dir", dir)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	r := &RedisServer{URL: "redis://" + addr + "/0", cmd: cmd}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return r, nil
		}
		if time.Now().After(deadline) {
			r.Kill()
			return nil, fmt.Errorf("redis-server did not listen on %s", addr)
		}
	}
}

// Kill stops the server at once, as a crash would.
func (r *RedisServer) Kill() {
	if r.cmd.Process != nil {
		r.cmd.Process.Kill()
		r.cmd.Wait()
	}
}

// RedisURL is the Redis the tests share: OPENPHONE_TEST_REDIS_URL, which
// .ci/run sets to the redis-server it started, or else one of the test's
// own.
func RedisURL(t testing.TB) string {
	if url := os.Getenv("OPENPHONE_TEST_REDIS_URL"); url != "" {
		return url
	}
	return StartRedis(t).URL
}
