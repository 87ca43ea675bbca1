package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A RetryPolicy says how the client retries a request that failed in a way
// that may pass: 429, 502, 503 and 504 answers, and transport errors such as
// a reset connection or a body cut short. Other failures are not retried.
//
// A Retry-After is honoured, not capped by MaxDelay, up to a minute. On a
// 429, OpenPhone's word on the key's rate, it pauses every request with
// the key (the Limiter's pause); on a 502, 503 or 504, which a proxy in
// between may have written, it is only the backoff of the request that got
// it. A call whose deadline comes before the wait ends fails at once.
type RetryPolicy struct {
	MaxAttempts int           // attempts in all, the first included
	BaseDelay   time.Duration // ceiling of the first backoff; it doubles per attempt
	MaxDelay    time.Duration // cap on any one backoff
}

// maxRetryAfter bounds the wait a Retry-After header can impose.
const maxRetryAfter = maxSharedPause

// DefaultRetryPolicy makes up to 4 attempts, backing off at most 5s at a time.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 4, BaseDelay: 250 * time.Millisecond, MaxDelay: 5 * time.Second}

// A retry is what to do after a failed attempt.
type retry struct {
	delay  time.Duration // before the next attempt
	reason string        // for the user
	shared bool          // the delay is a 429's Retry-After: a pause for the whole key
}

// retryDelay says whether err may pass on retry, and how long to wait
// before attempt+1.
func (p RetryPolicy) retryDelay(attempt int, err error) (retry, bool) {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		switch apiErr.Status {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		default:
			return retry{}, false
		}
		if d, ok := apiErr.RetryAfterDuration(time.Now()); ok {
			return retry{d, fmt.Sprintf("OpenPhone answered %d and asked for a pause (Retry-After %s)", apiErr.Status, apiErr.RetryAfter), apiErr.Status == http.StatusTooManyRequests}, true
		}
		return retry{delay: p.backoff(attempt), reason: fmt.Sprintf("backing off after %d %s", apiErr.Status, http.StatusText(apiErr.Status))}, true
	}
	if !isTransient(err) {
		return retry{}, false
	}
	return retry{delay: p.backoff(attempt), reason: "backing off after " + describeAttempt(err)}, true
}

// backoff is exponential with full jitter.
func (p RetryPolicy) backoff(attempt int) time.Duration {
	ceiling := min(p.MaxDelay, p.BaseDelay<<min(attempt-1, 20))
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling + 1)
}

// parseRetryAfter reads a Retry-After header, seconds or an HTTP date, as
// a wait of at most maxRetryAfter.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && secs >= 0 {
		return time.Duration(min(secs, int64(maxRetryAfter/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), maxRetryAfter), true
	}
	return 0, false
}

// errAttemptTimeout marks an attempt that ran out of its own time while the
// call as a whole had time left. It is a deadline all the same: a call
// whose last attempt ran out of time failed for want of time, whether or
// not the call's own deadline had come.
var errAttemptTimeout = fmt.Errorf("request timed out: %w", context.DeadlineExceeded)

// isTransient reports transport failures worth another attempt.
func isTransient(err error) bool {
	var ne net.Error
	return errors.Is(err, errAttemptTimeout) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) ||
		(errors.As(err, &ne) && ne.Timeout())
}

// describeAttempt names how an attempt failed, in a few words.
func describeAttempt(err error) string {
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr):
		return fmt.Sprintf("%d %s", apiErr.Status, http.StatusText(apiErr.Status))
	case errors.Is(err, errAttemptTimeout):
		return "timeout"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "connection closed mid-answer"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, context.DeadlineExceeded):
		return "out of time"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	var decodeErr *DecodeError
	if errors.As(err, &decodeErr) {
		return "unreadable answer"
	}
	return "transport error"
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
