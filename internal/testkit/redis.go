package testkit

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// A RedisServer is a redis-server process of the test's own, on loopback.
type RedisServer struct {
	URL  string
	cmd  *exec.Cmd
	args []string // redis-server's, to restart it alike
}

// StartRedis starts redis-server on a free loopback port (LaunchRedis, with
// extra arguments),
// stopped when the test ends. Without a redis-server on the PATH the test
// is skipped, except under CI, whose .ci/run installs one: there it fails.
func StartRedis(t testing.TB, extra ...string) *RedisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("no redis-server on the PATH: .ci/run installs Debian's redis-server")
		}
		t.Skip("no redis-server on the PATH (apt-get install redis-server)")
	}
	r, err := LaunchRedis(t.TempDir(), extra...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Kill)
	return r
}

// LaunchRedis starts redis-server on a free loopback port, with nothing
// saved (dir is its working directory) and any further arguments (such as
// "--cluster-enabled", "yes"), and waits until it listens. The caller must
// Kill it.
func LaunchRedis(dir string, extra ...string) (*RedisServer, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	r := &RedisServer{URL: "redis://" + addr + "/0",
		args: append([]string{"--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no", "--dir", dir}, extra...)}
	return r, r.start()
}

// Restart starts the server again, empty, on the same port, as a Redis
// that crashed and came back; it waits until it listens. Kill it first.
func (r *RedisServer) Restart() error { return r.start() }

// start runs redis-server with r.args and waits until it listens.
func (r *RedisServer) start() error {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return err
	}
	r.cmd = exec.Command(bin, r.args...)
	if err := r.cmd.Start(); err != nil {
		return err
	}
	addr := strings.TrimSuffix(strings.TrimPrefix(r.URL, "redis://"), "/0")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			r.Kill()
			return fmt.Errorf("redis-server did not listen on %s", addr)
		}
	}
}

// Kill stops the server at once, as a crash would.
func (r *RedisServer) Kill() {
	if r.cmd != nil && r.cmd.Process != nil && r.cmd.ProcessState == nil {
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
