package client

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// maxInWindow counts the most send times that fit in any half-open
// interval of length window.
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

func TestSlidingWindowKeepsTheLimitByConstruction(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, n := range []int{1, 3, 10} {
		w := newSlidingWindow(n, time.Second)
		rng := rand.New(rand.NewPCG(1, uint64(n)))
		var booked []time.Time
		now := start
		for range 500 {
			// Callers arrive in bursts and lulls, and the clock only moves
			// forward between them.
			now = now.Add(time.Duration(rng.IntN(300)) * time.Millisecond * time.Duration(rng.IntN(2)))
			at, _, ok := w.reserve(now, time.Time{})
			if !ok || at.Before(now) {
				t.Fatalf("n=%d: reserve(%v) = %v, %v", n, now, at, ok)
			}
			booked = append(booked, at)
		}
		if got := maxInWindow(booked, time.Second); got > n {
			t.Errorf("n=%d: %d sends in one second", n, got)
		}
		if !slices.IsSortedFunc(booked, time.Time.Compare) {
			t.Errorf("n=%d: booked times go backwards", n)
		}
	}
}

func TestSlidingWindowSendsABurstAtOnce(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := newSlidingWindow(10, time.Second)
	for i := range 10 {
		if at, _, _ := w.reserve(now, time.Time{}); !at.Equal(now) {
			t.Fatalf("request %d waits until %v; the first 10 go at once", i, at)
		}
	}
	if at, _, _ := w.reserve(now, time.Time{}); !at.Equal(now.Add(time.Second)) {
		t.Errorf("request 11 booked at %v, want a second after the first", at)
	}
}

func TestSlidingWindowDeadlineAndPause(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := newSlidingWindow(2, time.Second)
	w.reserve(now, time.Time{})
	w.reserve(now, time.Time{})
	if _, paused, ok := w.reserve(now, now.Add(500*time.Millisecond)); ok || paused {
		t.Errorf("a slot a second away was booked for a caller with 500ms left (paused %v)", paused)
	}
	// The refused caller booked nothing: the next slot is still now+1s.
	if at, _, _ := w.reserve(now, time.Time{}); !at.Equal(now.Add(time.Second)) {
		t.Errorf("booked %v, want now+1s", at)
	}
	w.pause(now.Add(time.Minute))
	w.pause(now.Add(time.Second)) // a shorter pause does not cut the longer one
	at, paused, ok := w.reserve(now, now.Add(2*time.Minute))
	if !ok || !paused || !at.Equal(now.Add(time.Minute)) {
		t.Errorf("during a pause: booked %v, paused %v, ok %v; want now+1m, true, true", at, paused, ok)
	}
	if _, paused, ok := w.reserve(now, now.Add(30*time.Second)); ok || !paused {
		t.Errorf("a caller with 30s left was booked into a 1m pause (paused %v, ok %v)", paused, ok)
	}
}

func TestSlidingWindowConcurrentCallers(t *testing.T) {
	w := newSlidingWindow(5, 100*time.Millisecond)
	var mu sync.Mutex
	var booked []time.Time
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			at, _, _ := w.reserve(time.Now(), time.Time{})
			mu.Lock()
			booked = append(booked, at)
			mu.Unlock()
		})
	}
	wg.Wait()
	if got := maxInWindow(booked, 100*time.Millisecond); got > 5 {
		t.Errorf("%d sends in one window of 100ms, limit 5", got)
	}
}
