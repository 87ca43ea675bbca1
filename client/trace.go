package client

import (
	"context"
	"time"
)

// A Trace receives events from the calls made with a context, in the
// manner of net/http/httptrace. Its functions may be called from any
// goroutine.
type Trace struct {
	// Wait is called before the client waits, for the rate limit or before
	// a retry.
	Wait func(Wait)
}

// A Wait is a pause the client is about to make.
type Wait struct {
	Kind     WaitKind
	Reason   string // for the user, such as "rate limit (10 requests/s)"
	Duration time.Duration
	Attempt  int // the attempt the wait comes before
}

// A WaitKind says why the client waits.
type WaitKind int

// The reasons to wait.
const (
	WaitForRateLimit WaitKind = iota // the request would exceed the rate limit
	WaitBeforeRetry                  // backing off before another attempt
)

type traceKey struct{}

// WithTrace returns a context whose calls report to t.
func WithTrace(ctx context.Context, t *Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

func traceWait(ctx context.Context, w Wait) {
	if t, _ := ctx.Value(traceKey{}).(*Trace); t != nil && t.Wait != nil {
		t.Wait(w)
	}
}
