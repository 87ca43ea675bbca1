package ledger

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// ledgers are the implementations every contract test runs on, each
// opened afresh for the test: a file in a temporary directory, and a real
// Redis (with a prefix of the test's own, so that tests sharing one Redis
// do not meet).
func ledgers(t *testing.T) map[string]func() Ledger {
	t.Helper()
	dir := t.TempDir()
	url, pg := testkit.RedisURL(t), testkit.PostgresURL(t)
	prefix := fmt.Sprintf("%s-%d:", t.Name(), time.Now().UnixNano())
	return map[string]func() Ledger{
		"file": func() Ledger {
			f, err := OpenFile(dir)
			if err != nil {
				t.Fatal(err)
			}
			return f
		},
		"redis": func() Ledger {
			r, err := OpenRedis(url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close() })
			return prefixed{r, prefix}
		},
		"postgres": func() Ledger {
			p, err := OpenPostgres(pg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { p.Close() })
			return p
		},
	}
}

// prefixed puts a test's keys apart from other tests' in one Redis.
type prefixed struct {
	Ledger
	prefix string
}

func (p prefixed) Claim(ctx context.Context, key string, v []byte, ttl time.Duration) (bool, error) {
	return p.Ledger.Claim(ctx, p.prefix+key, v, ttl)
}
func (p prefixed) Get(ctx context.Context, key string) ([]byte, bool, error) {
	return p.Ledger.Get(ctx, p.prefix+key)
}
func (p prefixed) Put(ctx context.Context, key string, v []byte, ttl time.Duration) error {
	return p.Ledger.Put(ctx, p.prefix+key, v, ttl)
}
func (p prefixed) Release(ctx context.Context, key string) error {
	return p.Ledger.Release(ctx, p.prefix+key)
}

func TestContract(t *testing.T) {
	for name, open := range ledgers(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			a, b := open(), open() // two handles: two processes, as far as the store can tell
			if ok, err := a.Claim(ctx, "code:1", []byte("x"), time.Minute); !ok || err != nil {
				t.Fatalf("first claim: %v %v", ok, err)
			}
			if ok, err := b.Claim(ctx, "code:1", []byte("y"), time.Minute); ok || err != nil {
				t.Fatalf("second claim, from another handle: %v %v; want refused", ok, err)
			}
			if v, ok, err := b.Get(ctx, "code:1"); !ok || err != nil || string(v) != "x" {
				t.Fatalf("Get = %q %v %v; want the first claim's value", v, ok, err)
			}
			if _, ok, _ := a.Get(ctx, "code:2"); ok {
				t.Fatal("Get found a key never recorded")
			}
			if err := b.Put(ctx, "sent:1", []byte("MS1"), time.Minute); err != nil {
				t.Fatal(err)
			}
			if err := b.Put(ctx, "sent:1", []byte("MS2"), time.Minute); err != nil {
				t.Fatal(err)
			}
			if v, _, _ := a.Get(ctx, "sent:1"); string(v) != "MS2" {
				t.Fatalf("Put did not replace: %q", v)
			}
			if err := a.Release(ctx, "code:1"); err != nil {
				t.Fatal(err)
			}
			if ok, err := b.Claim(ctx, "code:1", nil, time.Minute); !ok || err != nil {
				t.Fatalf("claim after Release: %v %v", ok, err)
			}
		})
	}
}

// TestOneClaimWins: of many claims of one key at once, from several
// handles, exactly one wins.
func TestOneClaimWins(t *testing.T) {
	for name, open := range ledgers(t) {
		t.Run(name, func(t *testing.T) {
			handles := []Ledger{open(), open(), open()}
			for key := range 5 {
				var wins atomic.Int32
				var wg sync.WaitGroup
				for i := range 24 {
					wg.Go(func() {
						ok, err := handles[i%len(handles)].Claim(t.Context(), fmt.Sprintf("race:%d", key), nil, time.Minute)
						if err != nil {
							t.Error(err)
						}
						if ok {
							wins.Add(1)
						}
					})
				}
				wg.Wait()
				if n := wins.Load(); n != 1 {
					t.Fatalf("key %d: %d claims won; want 1", key, n)
				}
			}
		})
	}
}

func TestEntriesExpire(t *testing.T) {
	t.Run("file", func(t *testing.T) {
		f, err := OpenFile(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		f.now = func() time.Time { return now }
		f.Claim(t.Context(), "k", nil, time.Minute)
		now = now.Add(time.Minute)
		if _, ok, _ := f.Get(t.Context(), "k"); ok {
			t.Fatal("an entry outlived its lifetime")
		}
		if ok, _ := f.Claim(t.Context(), "k", nil, time.Minute); !ok {
			t.Fatal("an expired key could not be claimed again")
		}
	})
	for _, name := range []string{"redis", "postgres"} { // on the server's clock
		t.Run(name, func(t *testing.T) {
			l := ledgers(t)[name]()
			l.Claim(t.Context(), "k", nil, 20*time.Millisecond)
			deadline := time.Now().Add(10 * time.Second)
			for {
				if _, ok, _ := l.Get(t.Context(), "k"); !ok {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("a %s entry outlived its lifetime by 10 s", name)
				}
				time.Sleep(10 * time.Millisecond)
			}
			if ok, err := l.Claim(t.Context(), "k", nil, time.Minute); !ok || err != nil {
				t.Fatalf("an expired key could not be claimed again: %v", err)
			}
		})
	}
}

func TestFileIsPrivateAndSurvivesItsProcess(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	f, err := OpenFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Put(t.Context(), "sent:1", []byte("MS1"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, FileName): 0o600} {
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := info.Mode().Perm(); got != want {
				t.Errorf("%s: mode %v; want %v", path, got, want)
			}
		}
	}
	again, _ := OpenFile(dir) // a restarted process
	if v, ok, err := again.Get(t.Context(), "sent:1"); !ok || err != nil || string(v) != "MS1" {
		t.Fatalf("after a restart: %q %v %v", v, ok, err)
	}
}

// TestFileAcrossProcesses: processes that share a state directory share
// the ledger: of several processes claiming the same keys, one wins each.
func TestFileAcrossProcesses(t *testing.T) {
	if dir := os.Getenv("LEDGER_TEST_CLAIMER"); dir != "" {
		f, err := OpenFile(dir)
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		for key := range 20 {
			if ok, err := f.Claim(context.Background(), fmt.Sprintf("k%d", key), nil, time.Minute); err != nil {
				fmt.Println("error", err)
			} else if ok {
				fmt.Printf("won k%d\n", key)
			}
		}
		os.Exit(0)
	}
	dir := t.TempDir()
	var wg sync.WaitGroup
	outs := make([]string, 4)
	for i := range outs {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestFileAcrossProcesses$")
			cmd.Env = append(os.Environ(), "LEDGER_TEST_CLAIMER="+dir)
			out, err := cmd.Output()
			if err != nil {
				t.Errorf("claimer %d: %v", i, err)
			}
			outs[i] = string(out)
		})
	}
	wg.Wait()
	all := strings.Join(outs, "")
	if strings.Contains(all, "error") {
		t.Fatalf("a claimer failed:\n%s", all)
	}
	for key := range 20 {
		if n := strings.Count(all, fmt.Sprintf("won k%d\n", key)); n != 1 {
			t.Errorf("k%d was won %d times across 4 processes; want once", key, n)
		}
	}
}

// TestUnreachableLedgersSaySo: a ledger that cannot be reached answers
// ErrUnavailable, never a claim.
func TestUnreachableLedgersSaySo(t *testing.T) {
	blocked := filepath.Join(t.TempDir(), "state")
	f, err := OpenFile(blocked)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(blocked, FileName), []byte("{not json"), 0o600)
	if ok, err := f.Claim(t.Context(), "k", nil, time.Minute); ok || !errors.Is(err, ErrUnavailable) {
		t.Errorf("file with garbage: claim %v, err %v; want ErrUnavailable", ok, err)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	r, err := OpenRedis("redis://" + addr + "/0")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if ok, err := r.Claim(t.Context(), "k", nil, time.Minute); ok || !errors.Is(err, ErrUnavailable) {
		t.Errorf("Redis down: claim %v, err %v; want ErrUnavailable", ok, err)
	}
	p, err := OpenPostgres("postgres://openphone:secret@" + addr + "/openphone?connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if ok, err := p.Claim(t.Context(), "k", nil, time.Minute); ok || !errors.Is(err, ErrUnavailable) {
		t.Errorf("PostgreSQL down: claim %v, err %v; want ErrUnavailable", ok, err)
	}
	if !strings.Contains(r.String(), addr) || !strings.Contains(f.String(), FileName) || !strings.Contains(p.String(), addr) || strings.Contains(p.String(), "secret") {
		t.Errorf("String() does not say where, or says too much: %q, %q, %q", r, f, p)
	}
}
