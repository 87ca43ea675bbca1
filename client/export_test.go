package client

import (
	"context"
	"time"
)

// SetSleep replaces how c waits, so that tests need not.
func SetSleep(c *Client, sleep func(context.Context, time.Duration) error) { c.sleep = sleep }

var ParseRetryAfter = parseRetryAfter
