package client

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// A SharedWindow keeps keys' rate-limit windows, pauses and lanes in a
// store that several processes share (package sharedlimit's Redis), so
// that replicas of a server on one key keep one limit between them. Keys
// are the hex SHA-256 of the API key. Each method must answer within its
// context's deadline.
type SharedWindow interface {
	// Admit admits a request of key in lane, under a limit of n requests
	// per window, and returns its ID; or how long to wait first, and
	// whether that is a pause OpenPhone asked for.
	Admit(ctx context.Context, key string, lane Lane, n int, window time.Duration) (id string, wait time.Duration, paused bool, err error)
	// Written records that request id was written now.
	Written(ctx context.Context, key, id string) error
	// Unsent gives back the place of request id, never written.
	Unsent(ctx context.Context, key, id string) error
	// Pause holds back every request of key for d.
	Pause(ctx context.Context, key string, d time.Duration) error
}

// sharedTimeout bounds each exchange with a SharedWindow: a slow store
// must not slow a call down.
const sharedTimeout = 250 * time.Millisecond

// sharedRetry is how long a Limiter keeps to its own windows after its
// SharedWindow failed, before it tries the store again.
const sharedRetry = 5 * time.Second

// sharedPoll bounds the wait between two admissions asked of the store:
// other processes' writes may free a place sooner than the store can say.
const sharedPoll = 50 * time.Millisecond

// sharing is a Limiter's use of a SharedWindow.
//
// It is in one of two states, each change logged once: shared (the store
// answers, and admits every request beside this process's own window) or
// fallback (the store failed: this process keeps to fallbackN requests
// per window on its own, and asks the store again every sharedRetry).
// Entering the fallback, no request is admitted for one window (grace),
// so that what the store admitted across the replicas has left the
// window. Leaving it, the process keeps to fallbackN as well as to the
// store for sharedRetry and a window more (rejoin): its own fallback
// admissions of the last window are not in the store, and the other
// replicas, which may still be in fallback, learn that the store is back
// within sharedRetry; until they all have and their fallback windows have
// drained, the store alone cannot hold the limit.
type sharing struct {
	w         SharedWindow
	fallbackN int           // requests per window while the store fails
	window    time.Duration // the Limiter's
	logger    *slog.Logger
	failing   atomic.Int64 // Unix nanoseconds until which the store is not asked; 0 when healthy
	// graceUntil (Unix nanoseconds) ends the window after the store
	// failed when it had been answering.
	graceUntil atomic.Int64
	// rejoinUntil (Unix nanoseconds) ends the time after the store
	// answered again during which fallbackN still holds.
	rejoinUntil atomic.Int64
	answered    atomic.Bool // the store answered since it last failed: the shared state
}

// A pinger is a SharedWindow that can say whether it answers, as
// sharedlimit's Redis can.
type pinger interface {
	Ping(ctx context.Context) error
}

// Share makes l keep every key's window, pause and lanes in w as well as
// its own, so that processes sharing w share the limit. While w fails (or
// is slow), l keeps to its own windows at fallbackRPS (the rate divided
// among the replicas), and tries w again every few seconds: no call fails
// or hangs because of the store. When w comes back, l keeps to
// fallbackRPS a few seconds more, until every replica's admissions of the
// fallback have left the window. Each change between sharing and the
// fallback is logged once, as is the state at the start: when w has a
// Ping method, Share asks it first.
func (l *Limiter) Share(w SharedWindow, fallbackRPS float64, logger *slog.Logger) error {
	if fallbackRPS <= 0 || fallbackRPS > l.rps {
		return fmt.Errorf("fallback rate %v: want more than 0 and at most the rate, %v", fallbackRPS, l.rps)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	// The fallback keeps the window's length: n scales with the rate.
	n := max(int(float64(l.n)*fallbackRPS/l.rps), 1)
	sh := &sharing{w: w, fallbackN: n, window: l.window, logger: logger}
	var err error
	if p, ok := w.(pinger); ok {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = p.Ping(ctx)
		cancel()
	}
	if err != nil {
		// Nothing was admitted through the store: no grace to wait out.
		sh.failing.Store(time.Now().Add(sharedRetry).UnixNano())
		logger.Warn("the shared rate limit's store does not answer: each replica keeps its own, lower limit until it does", "fallback_rps", fallbackRPS, "err", err)
	} else {
		sh.answered.Store(true)
		logger.Info("sharing the rate limit through its store", "fallback_rps", fallbackRPS)
	}
	l.shared = sh
	return nil
}

// healthy reports whether the store is to be asked now.
func (s *sharing) healthy() bool {
	until := s.failing.Load()
	return until == 0 || time.Now().UnixNano() >= until
}

// failed notes that the store failed: l keeps to its own windows for a
// while.
func (s *sharing) failed(err error) {
	now := time.Now()
	s.failing.Store(now.Add(sharedRetry).UnixNano())
	if s.answered.Swap(false) {
		s.graceUntil.Store(now.Add(s.window).UnixNano())
		s.logger.Warn("the shared rate limit's store failed: each replica keeps its own, lower limit until it answers", "err", err)
	}
}

// ok notes that the store answered; after a failure, l rejoins it.
func (s *sharing) ok() {
	if s.answered.Swap(true) {
		return
	}
	rejoin := sharedRetry + s.window
	s.rejoinUntil.Store(time.Now().Add(rejoin).UnixNano())
	s.logger.Info("the shared rate limit's store answers again: sharing the limit through it, this replica keeping to its own share a little longer while the others return", "for", rejoin.Round(time.Millisecond))
}

// grace is how long, from now, no request may be admitted after the
// store failed; 0 for none.
func (s *sharing) grace(now time.Time) time.Duration {
	if s == nil {
		return 0
	}
	return max(time.Duration(s.graceUntil.Load()-now.UnixNano()), 0)
}

// limit is the requests a window of this process may hold at now: all of
// them while the store keeps the shared limit, else (in the fallback, and
// while rejoining) the fallback's.
func (s *sharing) limit(n int, now time.Time) int {
	if s == nil || s.answered.Load() && now.UnixNano() >= s.rejoinUntil.Load() {
		return n
	}
	return min(n, s.fallbackN)
}

// errStoreFailed reports that the store failed while it was admitting a
// request: the request is to be admitted again, locally, under the
// fallback's limit.
var errStoreFailed = errors.New("the shared rate limit's store failed")

// admitShared has the store admit s's request, waiting as it says; the
// local slot s is held meanwhile. When the store fails it returns
// errStoreFailed.
func (l *Limiter) admitShared(ctx context.Context, key [32]byte, lane Lane, s *slot, trace func(Wait)) error {
	sh := l.shared
	if sh == nil || !sh.healthy() {
		return nil
	}
	name := hex.EncodeToString(key[:])
	traced := false
	for {
		c, cancel := context.WithTimeout(ctx, sharedTimeout)
		id, wait, paused, err := sh.w.Admit(c, name, lane, l.n, l.window)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			sh.failed(err)
			return errStoreFailed
		case wait <= 0:
			sh.ok()
			s.sharedKey, s.sharedID = name, id
			return nil
		}
		sh.ok()
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			if paused {
				return &PauseError{Wait: wait}
			}
			return &RateLimitError{RPS: l.rps, Wait: wait}
		}
		if !traced && trace != nil {
			traced = true
			reason := fmt.Sprintf("rate limit shared by the replicas (%g requests/s)", l.rps)
			if paused {
				reason = "OpenPhone asked this API key to pause (Retry-After)"
			}
			trace(Wait{Kind: WaitForRateLimit, Reason: reason, Duration: wait})
		}
		if err := sleep(ctx, min(wait, sharedPoll)); err != nil {
			return err
		}
	}
}

// background runs f against the store, bounded in time, away from the
// call: what it records can only hold requests back, never let more go.
func (sh *sharing) background(f func(ctx context.Context) error) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
		defer cancel()
		if err := f(ctx); err != nil && !errors.Is(err, context.Canceled) {
			sh.failed(err)
		}
	}()
}
