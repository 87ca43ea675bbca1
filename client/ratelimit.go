package client

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// windowMargin widens the rate limiter's one-second window, so that a
// request written at the end of a window cannot reach OpenPhone within the
// second of the requests written at its start.
const windowMargin = 50 * time.Millisecond

// maxWindowRequests bounds the requests one window holds; faster rates
// (tests and benchmarks) use shorter windows at the same average rate.
const maxWindowRequests = 1000

// maxSharedPause bounds the pause that one 429's Retry-After imposes on
// every call with the key, so that a garbled or hostile value cannot lock
// a team out for long.
const maxSharedPause = time.Minute

// A Lane is the priority of a request in its key's queue. A request waits
// only for the requests of its own or a higher lane: LaneUrgent first, then
// LaneInteractive, then LaneBackground.
type Lane int

// The lanes, from the context of the request (WithLane).
const (
	// LaneInteractive is a person's call, and the default.
	LaneInteractive Lane = iota
	// LaneUrgent is a request that interactive calls are waiting on, such
	// as the names of lines and users that their answers show.
	LaneUrgent
	// LaneBackground is work nobody waits on, such as building an index.
	// Its requests are spread evenly, one per 1/rps at most, so that a
	// call of another lane never finds a window filled by them at once;
	// and while other calls are being made (within two windows of the
	// last), they leave one place of the window free.
	LaneBackground
	numLanes
)

// laneOrder lists the lanes, highest priority first.
var laneOrder = [numLanes]Lane{LaneUrgent, LaneInteractive, LaneBackground}

type laneKey struct{}

// WithLane returns a context whose requests wait in lane.
func WithLane(ctx context.Context, lane Lane) context.Context {
	return context.WithValue(ctx, laneKey{}, lane)
}

func laneOf(ctx context.Context) Lane {
	if lane, ok := ctx.Value(laneKey{}).(Lane); ok && lane >= 0 && lane < numLanes {
		return lane
	}
	return LaneInteractive
}

// A Limiter keeps OpenPhone's rate limit for API keys: for each key one
// window, one queue and one pause, however many Clients use the key. Share
// one Limiter among all the Clients of a process (WithLimiter), so that a
// key seen again, or the server's own key sent by a caller, still has
// exactly one window. Keys are held by their SHA-256, never as they are.
//
// No window of a second (plus 50 ms, for the network's jitter) holds more
// than the rate's requests, counted when each is written to the network: a
// request is admitted only while fewer than that many requests of its key
// are either admitted and not yet written, or were written within the
// window. A request admitted and never written (it failed to connect)
// frees its place; a request given up on while it waits takes none.
//
// A Limiter is safe for concurrent use.
type Limiter struct {
	rps    float64
	n      int           // requests per window
	window time.Duration // margin included

	mu    sync.Mutex
	keys  map[[32]byte]*keyLimit
	sweep int // idle keys are dropped when len(keys) reaches it

	shared *sharing // nil: this process's windows only (Share)
}

// NewLimiter returns a Limiter of rps requests per second and key. A rate
// below 1 sends one request per 1/rps seconds; a fractional rate above 1 is
// rounded down. Rates above 1000 are kept on average over shorter windows.
func NewLimiter(rps float64) (*Limiter, error) {
	if rps <= 0 || math.IsInf(rps, 0) || math.IsNaN(rps) {
		return nil, fmt.Errorf("rate limit %v: must be a positive number", rps)
	}
	n := min(max(int(rps), 1), maxWindowRequests)
	window := time.Duration(float64(n)/rps*float64(time.Second)) + windowMargin
	return &Limiter{rps: rps, n: n, window: window, keys: map[[32]byte]*keyLimit{}, sweep: 256}, nil
}

// use returns the state of key, counting one more user of it, whom done
// must release. A key whose window is empty, with no pause and no users,
// holds nothing worth keeping: it is dropped once enough keys are held.
func (l *Limiter) use(key [32]byte) *keyLimit {
	l.mu.Lock()
	defer l.mu.Unlock()
	k, ok := l.keys[key]
	if !ok {
		if len(l.keys) >= l.sweep {
			now := time.Now()
			for sum, other := range l.keys {
				if other.users == 0 && other.idle(now) {
					delete(l.keys, sum)
				}
			}
			l.sweep = max(256, 2*len(l.keys))
		}
		k = &keyLimit{n: l.n, window: l.window, shared: l.shared}
		l.keys[key] = k
	}
	k.users++
	return k
}

func (l *Limiter) done(k *keyLimit) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k.users--
}

// pause holds back every request of key until until, at most
// maxSharedPause from now.
func (l *Limiter) pause(key [32]byte, until time.Time) {
	k := l.use(key)
	defer l.done(k)
	if most := time.Now().Add(maxSharedPause); until.After(most) {
		until = most
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if until.After(k.pausedUntil) {
		k.pausedUntil = until
		k.signalHead()
	}
	if sh := l.shared; sh != nil && sh.healthy() {
		name, d := hex.EncodeToString(key[:]), time.Until(until)
		sh.background(func(ctx context.Context) error { return sh.w.Pause(ctx, name, d) })
	}
}

// acquire waits until a request of key may be written, in lane, and
// returns its slot, which the caller must finish with sent or unsent. It
// fails at once, sending nothing, when the wait would outlast ctx's
// deadline: with a *PauseError during a pause OpenPhone asked for, else a
// *RateLimitError.
func (l *Limiter) acquire(ctx context.Context, key [32]byte, lane Lane, trace func(Wait)) (*slot, error) {
	for {
		k := l.use(key)
		s, err := k.acquire(ctx, lane, l.rps, trace)
		if err != nil {
			l.done(k)
			return nil, err
		}
		s.limiter = l
		switch err := l.admitShared(ctx, key, lane, s, trace); {
		case errors.Is(err, errStoreFailed):
			// Admitted under the shared limit's local bound: admit it
			// again under the fallback's.
			s.unsent()
		case err != nil:
			s.unsent()
			return nil, err
		default:
			return s, nil
		}
	}
}

// keyLimit is the state of one key.
type keyLimit struct {
	n      int
	window time.Duration
	shared *sharing // the Limiter's, or nil
	users  int      // guarded by Limiter.mu

	mu          sync.Mutex
	slots       []*slot // admitted: not yet written, or written within window; oldest first
	queue       [numLanes][]*waiter
	pausedUntil time.Time
	// lastBackground is when the last background request was admitted:
	// they go one per window/n at most, so that they never fill a window
	// at once and a call of another lane waits at most one place for them.
	lastBackground time.Time
	// lastOther is when the last request of another lane was admitted:
	// for two windows after one, background requests leave a place free,
	// so that the person's next call need not wait at all.
	lastOther time.Time
}

// A slot is one admitted request.
type slot struct {
	k       *keyLimit
	limiter *Limiter
	once    sync.Once
	written bool
	at      time.Time // when it was written
	// sharedKey and sharedID name the request in the shared window, when
	// the store admitted it.
	sharedKey, sharedID string
}

type waiter struct{ wake chan struct{} }

// sent records that the request was written to the network at t.
func (s *slot) sent(t time.Time) { s.finish(true, t) }

// unsent gives back the place of a request that never reached the
// network.
func (s *slot) unsent() { s.finish(false, time.Time{}) }

func (s *slot) finish(written bool, t time.Time) {
	s.once.Do(func() {
		k := s.k
		k.mu.Lock()
		if written {
			s.written, s.at = true, t
		} else {
			for i, other := range k.slots {
				if other == s {
					k.slots = append(k.slots[:i], k.slots[i+1:]...)
					break
				}
			}
		}
		k.signalHead()
		k.mu.Unlock()
		s.limiter.done(k)
		if sh := k.shared; sh != nil && s.sharedID != "" {
			if written {
				sh.background(func(ctx context.Context) error { return sh.w.Written(ctx, s.sharedKey, s.sharedID) })
			} else {
				sh.background(func(ctx context.Context) error { return sh.w.Unsent(ctx, s.sharedKey, s.sharedID) })
			}
		}
	})
}

// idle reports whether k holds nothing that bears on a future request.
func (k *keyLimit) idle(now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.prune(now)
	for _, q := range k.queue {
		if len(q) > 0 {
			return false
		}
	}
	return len(k.slots) == 0 && !k.pausedUntil.After(now)
}

// prune drops the slots written a window or more before now. The caller
// holds k.mu.
func (k *keyLimit) prune(now time.Time) {
	kept := k.slots[:0]
	for _, s := range k.slots {
		if !s.written || s.at.Add(k.window).After(now) {
			kept = append(kept, s)
		}
	}
	clear(k.slots[len(kept):])
	k.slots = kept
}

// head is the waiter to admit next. The caller holds k.mu.
func (k *keyLimit) head() *waiter {
	for _, lane := range laneOrder {
		if q := k.queue[lane]; len(q) > 0 {
			return q[0]
		}
	}
	return nil
}

// signalHead wakes the head to look again. The caller holds k.mu.
func (k *keyLimit) signalHead() {
	if h := k.head(); h != nil {
		select {
		case h.wake <- struct{}{}:
		default:
		}
	}
}

func (k *keyLimit) remove(w *waiter, lane Lane) {
	for i, other := range k.queue[lane] {
		if other == w {
			k.queue[lane] = append(k.queue[lane][:i], k.queue[lane][i+1:]...)
			return
		}
	}
}

// wait says how long the head, of lane, must wait at now, 0 for not at
// all, and whether that is a pause OpenPhone asked for; known is false
// when the wait ends with a write that has not happened yet, d then being
// only a lower bound. The caller holds k.mu.
func (k *keyLimit) wait(now time.Time, lane Lane) (d time.Duration, paused, known bool) {
	k.prune(now)
	if k.pausedUntil.After(now) {
		return k.pausedUntil.Sub(now), true, true
	}
	if g := k.shared.grace(now); g > 0 {
		return g, false, true
	}
	limit := k.shared.limit(k.n, now)
	if lane == LaneBackground {
		if next := k.lastBackground.Add(k.window / time.Duration(k.n)); next.After(now) {
			return next.Sub(now), false, true
		}
		if now.Sub(k.lastOther) < 2*k.window {
			limit = max(limit-1, 1)
		}
	}
	if len(k.slots) < limit {
		return 0, false, true
	}
	if e, ok := k.oldestWrite(); ok {
		return e.Add(k.window).Sub(now), false, true
	}
	return time.Nanosecond, false, false // every place awaits its write
}

// oldestWrite is when the earliest written slot was written. The caller
// holds k.mu.
func (k *keyLimit) oldestWrite() (time.Time, bool) {
	var earliest time.Time
	for _, s := range k.slots {
		if s.written && (earliest.IsZero() || s.at.Before(earliest)) {
			earliest = s.at
		}
	}
	return earliest, !earliest.IsZero()
}

// expiry is when the oldest written slot leaves the window, or now when
// none is written. The caller holds k.mu, after prune.
func (k *keyLimit) expiry(now time.Time) time.Time {
	if e, ok := k.oldestWrite(); ok {
		return e.Add(k.window)
	}
	return now
}

// eta is the earliest w could be admitted: no sooner than the waiters
// ahead of it, n per window. The caller holds k.mu, after prune.
func (k *keyLimit) eta(now time.Time, w *waiter) (time.Time, int) {
	ahead := k.ahead(w)
	start := now
	if k.pausedUntil.After(start) {
		start = k.pausedUntil
	}
	extra := ahead - (k.n - len(k.slots))
	if extra < 0 {
		return start, ahead
	}
	if e := k.expiry(now); e.After(start) {
		start = e
	}
	return start.Add(time.Duration(extra/k.n) * k.window), ahead
}

// ahead counts the waiters admitted before w. The caller holds k.mu.
func (k *keyLimit) ahead(w *waiter) int {
	n := 0
	for _, lane := range laneOrder {
		for _, other := range k.queue[lane] {
			if other == w {
				return n
			}
			n++
		}
	}
	return n
}

func (k *keyLimit) acquire(ctx context.Context, lane Lane, rps float64, trace func(Wait)) (*slot, error) {
	w := &waiter{wake: make(chan struct{}, 1)}
	deadline, hasDeadline := ctx.Deadline()
	k.mu.Lock()
	k.queue[lane] = append(k.queue[lane], w)
	leave := func() {
		k.remove(w, lane)
		k.signalHead()
		k.mu.Unlock()
	}
	traced := false
	for {
		now := time.Now()
		var timer *time.Timer
		if k.head() == w {
			d, paused, known := k.wait(now, lane)
			if d <= 0 {
				s := &slot{k: k}
				k.slots = append(k.slots, s)
				if lane == LaneBackground {
					k.lastBackground = now
				} else {
					k.lastOther = now
				}
				leave()
				return s, nil
			}
			if paused && hasDeadline && now.Add(d).After(deadline) {
				leave()
				return nil, &PauseError{Wait: d}
			}
			if known {
				timer = time.NewTimer(d)
			}
		}
		eta, ahead := k.eta(now, w)
		if hasDeadline && eta.After(deadline) {
			leave()
			if k.pausedUntil.After(now) {
				return nil, &PauseError{Wait: k.pausedUntil.Sub(now)}
			}
			return nil, &RateLimitError{RPS: rps, Ahead: ahead, Wait: eta.Sub(now)}
		}
		if !traced && trace != nil {
			traced = true
			reason := fmt.Sprintf("rate limit (%g requests/s)", rps)
			if k.pausedUntil.After(now) {
				reason = "OpenPhone asked this API key to pause (Retry-After)"
			}
			trace(Wait{Kind: WaitForRateLimit, Reason: reason, Duration: eta.Sub(now)})
		}
		k.mu.Unlock()
		var expired <-chan time.Time
		if timer != nil {
			expired = timer.C
		}
		select {
		case <-w.wake:
		case <-expired:
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			k.mu.Lock()
			ahead := k.ahead(w)
			leave()
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				// Out of time while still queued: the limit's doing, and
				// nothing was sent.
				return nil, &RateLimitError{RPS: rps, Ahead: ahead, Wait: time.Since(now)}
			}
			return nil, ctx.Err()
		}
		if timer != nil {
			timer.Stop()
		}
		k.mu.Lock()
	}
}
