package client

import (
	"context"
	"time"
)

// SetSleep replaces how c waits, so that tests need not.
func SetSleep(c *Client, sleep func(context.Context, time.Duration) error) { c.sleep = sleep }

// OnAdmit calls f with each send time c's rate limiter books.
func OnAdmit(c *Client, f func(time.Time)) { c.admitted = f }

var ParseRetryAfter = parseRetryAfter
