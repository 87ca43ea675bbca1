package client

import (
	"context"
	"time"
)

// SetSleep replaces how c waits, so that tests need not.
func SetSleep(c *Client, sleep func(context.Context, time.Duration) error) { c.sleep = sleep }

var ParseRetryAfter = parseRetryAfter

// PausedUntil is when the pause that OpenPhone asked of c's key ends; the
// zero time when it never asked for one.
func PausedUntil(c *Client) time.Time {
	k := c.limiter.use(c.keyHash)
	defer c.limiter.done(k)
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.pausedUntil
}
