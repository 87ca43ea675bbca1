package client

import (
	"context"
	"time"
)

// SetSleep replaces how c waits, so that tests need not.
func SetSleep(c *Client, sleep func(context.Context, time.Duration) error) { c.sleep = sleep }

// OnSent calls f with the time each of c's requests is written.
func OnSent(c *Client, f func(time.Time)) { c.onSent = f }

var ParseRetryAfter = parseRetryAfter
