package client

import (
	"context"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// maxInWindow counts the most times that fit in any half-open interval of
// length window.
func maxInWindow(times []time.Time, window time.Duration) int {
	times = slices.SortedFunc(slices.Values(times), time.Time.Compare)
	most := 0
	for i := range times {
		j := i
		for j < len(times) && times[j].Sub(times[i]) < window {
			j++
		}
		most = max(most, j-i)
	}
	return most
}

// testLimiter returns a Limiter of n requests per window.
func testLimiter(n int, window time.Duration) *Limiter {
	return &Limiter{rps: float64(n) / window.Seconds(), n: n, window: window, keys: map[[32]byte]*keyLimit{}, sweep: 256}
}

var testKey = sha256.Sum256([]byte("key"))

// TestLimiterCountsWrites: however late each admitted request is written
// (a stalled goroutine, a slow dial), no window holds more than n writes,
// and a request that is never written gives its place back.
func TestLimiterCountsWrites(t *testing.T) {
	const n, window = 5, 60 * time.Millisecond
	l := testLimiter(n, window)
	var mu sync.Mutex
	var writes []time.Time
	var wg sync.WaitGroup
	for i := range 80 {
		wg.Go(func() {
			s, err := l.acquire(context.Background(), testKey, LaneInteractive, nil)
			if err != nil {
				t.Error(err)
				return
			}
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			time.Sleep(time.Duration(rng.IntN(40)) * time.Millisecond) // admitted, not yet written
			if i%7 == 0 {
				s.unsent()
				return
			}
			now := time.Now()
			s.sent(now)
			mu.Lock()
			writes = append(writes, now)
			mu.Unlock()
		})
	}
	wg.Wait()
	if got := maxInWindow(writes, window); got > n {
		t.Errorf("%d writes in one window, limit %d", got, n)
	}
	if len(writes) != 80-12 {
		t.Errorf("%d writes, want 68", len(writes))
	}
}

// fill takes every place of the window, written now.
func fill(t *testing.T, l *Limiter) {
	t.Helper()
	for range l.n {
		s, err := l.acquire(context.Background(), testKey, LaneInteractive, nil)
		if err != nil {
			t.Fatal(err)
		}
		s.sent(time.Now())
	}
}

// TestLimiterCancelledWaitersTakeNoPlace: calls given up on while they
// wait leave the queue, so that a call after them waits behind none.
func TestLimiterCancelledWaitersTakeNoPlace(t *testing.T) {
	l := testLimiter(2, time.Hour)
	fill(t, l)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := l.acquire(ctx, testKey, LaneInteractive, nil); !errors.Is(err, context.Canceled) {
				t.Errorf("a cancelled waiter got %v", err)
			}
		})
	}
	waitFor(t, func() bool { return queued(l) == 20 })
	cancel()
	wg.Wait()
	if q := queued(l); q != 0 {
		t.Fatalf("%d waiters still queued", q)
	}
	short, stop := context.WithTimeout(context.Background(), time.Millisecond)
	defer stop()
	var rl *RateLimitError
	if _, err := l.acquire(short, testKey, LaneInteractive, nil); !errors.As(err, &rl) || rl.Ahead != 0 {
		t.Errorf("a call after the cancelled ones: %v, want a RateLimitError with none ahead", err)
	}
}

func queued(l *Limiter) int {
	k := l.use(testKey)
	defer l.done(k)
	k.mu.Lock()
	defer k.mu.Unlock()
	n := 0
	for _, q := range k.queue {
		n += len(q)
	}
	return n
}

// waitFor polls cond until it holds; the test's own deadline bounds it.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for !cond() {
		time.Sleep(time.Millisecond)
	}
}

// TestLimiterLanes: urgent requests go before interactive ones, and both
// before background work, whatever order they queued in.
func TestLimiterLanes(t *testing.T) {
	l := testLimiter(1, 20*time.Millisecond)
	fill(t, l)
	var mu sync.Mutex
	var order []Lane
	var wg sync.WaitGroup
	for i, lane := range []Lane{LaneBackground, LaneBackground, LaneInteractive, LaneInteractive, LaneUrgent} {
		wg.Go(func() {
			s, err := l.acquire(context.Background(), testKey, lane, nil)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, lane)
			mu.Unlock()
			s.sent(time.Now())
		})
		waitFor(t, func() bool { return queued(l) == i+1 })
	}
	wg.Wait()
	want := []Lane{LaneUrgent, LaneInteractive, LaneInteractive, LaneBackground, LaneBackground}
	if !slices.Equal(order, want) {
		t.Errorf("admitted %v, want %v", order, want)
	}
}

// TestLimiterSpreadsTheBackgroundLane: background requests are admitted
// one per window/n at most, even with the window empty, so that they never
// fill a window at once. (What that spares an interactive call is
// measured by the bench.)
func TestLimiterSpreadsTheBackgroundLane(t *testing.T) {
	const n, window = 10, 100 * time.Millisecond
	l := testLimiter(n, window)
	var background []time.Time
	for range 5 {
		s, err := l.acquire(context.Background(), testKey, LaneBackground, nil)
		if err != nil {
			t.Fatal(err)
		}
		background = append(background, time.Now())
		s.sent(time.Now())
	}
	for i := 1; i < len(background); i++ {
		if gap := background[i].Sub(background[i-1]); gap < window/n {
			t.Errorf("background requests %d and %d admitted %v apart, under %v", i-1, i, gap, window/n)
		}
	}
}

// TestLimiterBackgroundLeavesAPlace: soon after a call of another lane,
// background requests leave the window's last place free, for the next.
func TestLimiterBackgroundLeavesAPlace(t *testing.T) {
	l := testLimiter(3, time.Hour)
	s, err := l.acquire(context.Background(), testKey, LaneInteractive, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.sent(time.Now())
	if s, err = l.acquire(context.Background(), testKey, LaneBackground, nil); err != nil {
		t.Fatal(err)
	}
	s.sent(time.Now())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	var rl *RateLimitError
	if _, err := l.acquire(ctx, testKey, LaneBackground, nil); !errors.As(err, &rl) {
		t.Errorf("a background request took the window's last place: %v", err)
	}
	if s, err = l.acquire(context.Background(), testKey, LaneInteractive, nil); err != nil {
		t.Errorf("the place left free: %v", err)
	} else {
		s.sent(time.Now())
	}
}

// TestLimiterPauseHoldsTheQueue: a pause OpenPhone asks for holds back
// the calls already waiting, not only those that come after it, and a
// call whose deadline falls inside it fails at once.
func TestLimiterPauseHoldsTheQueue(t *testing.T) {
	l := testLimiter(2, 30*time.Millisecond)
	fill(t, l)
	var mu sync.Mutex
	var admitted []time.Time
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			s, err := l.acquire(context.Background(), testKey, LaneInteractive, nil)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			admitted = append(admitted, time.Now())
			mu.Unlock()
			s.sent(time.Now())
		})
	}
	waitFor(t, func() bool { return queued(l) == 6 })
	until := time.Now().Add(300 * time.Millisecond)
	l.pause(testKey, until)

	short, stop := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer stop()
	var pause *PauseError
	if _, err := l.acquire(short, testKey, LaneInteractive, nil); !errors.As(err, &pause) {
		t.Errorf("a call with 10ms left during a 300ms pause: %v, want a PauseError", err)
	}
	wg.Wait()
	for _, at := range admitted {
		if at.Before(until) {
			t.Errorf("a queued call went %v before the pause ended", until.Sub(at))
		}
	}
}

// TestLimiterCapsTheSharedPause: one Retry-After cannot pause a key for
// more than maxSharedPause.
func TestLimiterCapsTheSharedPause(t *testing.T) {
	l := testLimiter(1, time.Second)
	l.pause(testKey, time.Now().Add(24*time.Hour))
	k := l.use(testKey)
	defer l.done(k)
	if left := time.Until(k.pausedUntil); left > maxSharedPause {
		t.Errorf("paused for %v, cap %v", left, maxSharedPause)
	}
}

// TestLimiterOneWindowPerKey: a key keeps its window while anything of it
// is held, whatever other keys come and go; an idle key is dropped.
func TestLimiterOneWindowPerKey(t *testing.T) {
	l := testLimiter(1, time.Hour)
	fill(t, l)
	for i := range 1000 {
		k := l.use(sha256.Sum256([]byte{byte(i), byte(i >> 8)}))
		l.done(k)
	}
	if len(l.keys) > 600 {
		t.Errorf("%d keys held; idle ones should be swept", len(l.keys))
	}
	short, stop := context.WithTimeout(context.Background(), time.Millisecond)
	defer stop()
	var rl *RateLimitError
	if _, err := l.acquire(short, testKey, LaneInteractive, nil); !errors.As(err, &rl) {
		t.Errorf("the busy key lost its window among 1000 others: %v", err)
	}
}

// TestLimiterOutOfTimeInTheQueue: a call whose deadline passes while it
// waits (here behind requests admitted and not yet written, whose end no
// estimate knows) is told it was the limit, not a silent deadline.
func TestLimiterOutOfTimeInTheQueue(t *testing.T) {
	l := testLimiter(1, time.Hour)
	s, err := l.acquire(context.Background(), testKey, LaneInteractive, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.unsent()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	var rl *RateLimitError
	if _, err := l.acquire(ctx, testKey, LaneInteractive, nil); !errors.As(err, &rl) {
		t.Errorf("out of time in the queue: %v, want a RateLimitError", err)
	}
}
