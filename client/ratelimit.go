package client

import (
	"sync"
	"time"
)

// windowMargin widens the rate limiter's one-second window, so that a
// request sent at the end of a window cannot reach OpenPhone within the
// second of the requests sent at its start.
const windowMargin = 50 * time.Millisecond

// maxWindowRequests bounds the send times a limiter keeps.
const maxWindowRequests = 1000

// A slidingWindow admits at most n requests in any window-long interval of
// send times, by construction: it keeps the send times it handed out for
// the last n requests, and books each new request no earlier than window
// after the oldest of them. Booked times never decrease, so any n+1
// consecutive requests span at least window.
//
// It also holds every request back while OpenPhone has asked the key to
// pause (a 429 with Retry-After): pause moves the earliest send time of
// every later booking.
type slidingWindow struct {
	window time.Duration

	mu          sync.Mutex
	sent        []time.Time // a ring of the last n booked send times; zero when unused
	next        int         // the ring's oldest entry, which the next booking replaces
	pausedUntil time.Time
}

func newSlidingWindow(n int, window time.Duration) *slidingWindow {
	return &slidingWindow{window: window, sent: make([]time.Time, n)}
}

// reserve books the earliest send time at or after now that keeps the
// limit, unless it falls after deadline (a zero deadline is none). It
// returns the time booked, or the time that was too late and false, and
// whether the wait is a pause OpenPhone asked for.
func (w *slidingWindow) reserve(now, deadline time.Time) (at time.Time, paused, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	at = now
	if oldest := w.sent[w.next]; !oldest.IsZero() && oldest.Add(w.window).After(at) {
		at = oldest.Add(w.window)
	}
	if w.pausedUntil.After(at) {
		at, paused = w.pausedUntil, true
	}
	if last := w.sent[(w.next+len(w.sent)-1)%len(w.sent)]; last.After(at) {
		at = last // keep booked times in order, whatever the clock did
	}
	if !deadline.IsZero() && at.After(deadline) {
		return at, paused, false
	}
	w.sent[w.next] = at
	w.next = (w.next + 1) % len(w.sent)
	return at, paused, true
}

// pause holds back every request booked from now on until until.
func (w *slidingWindow) pause(until time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if until.After(w.pausedUntil) {
		w.pausedUntil = until
	}
}
