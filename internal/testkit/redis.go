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

// StartRedis starts redis-server on a free loopback port, with nothing
// saved to disk, stopped when the test ends. Without a redis-server on
// the PATH the test is skipped, except under CI, whose .ci/run installs
// one: there it fails.
func StartRedis(t testing.TB) *RedisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("no redis-server on the PATH: .ci/run installs Debian's redis-server")
		}
		t.Skip("no redis-server on the PATH (apt-get install redis-server)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", fmt.Sprint(port), "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &RedisServer{URL: fmt.Sprintf("redis://127.0.0.1:%d/0", port), cmd: cmd}
	t.Cleanup(r.Kill)
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return r
		}
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not start listening")
		}
		time.Sleep(20 * time.Millisecond)
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
