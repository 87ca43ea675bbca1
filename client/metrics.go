package client

import (
	"context"
	"strings"
	"time"
)

// Metrics receives what a Client does, for an operator's dashboard. Its
// methods must be safe for concurrent use, and quick. No argument holds a
// key, an ID or anything personal.
type Metrics interface {
	// Request reports one attempt: its route ("GET /v1/calls/{id}"), the
	// status OpenPhone answered (0 when none came) and how long it took.
	Request(route string, status int, took time.Duration)
	// Waited reports a wait before an attempt: for the rate limit, or
	// before a retry.
	Waited(kind WaitKind, d time.Duration)
	// Paused reports a pause OpenPhone asked of a key (a 429's
	// Retry-After).
	Paused(d time.Duration)
}

// WithMetrics reports what the client does to m.
func WithMetrics(m Metrics) Option {
	return func(c *Client) error { c.metrics = m; return nil }
}

// noMetrics is the Metrics of a Client given none.
type noMetrics struct{}

func (noMetrics) Request(string, int, time.Duration) {}
func (noMetrics) Waited(WaitKind, time.Duration)     {}
func (noMetrics) Paused(time.Duration)               {}

// admit waits for attempt's place in the key's rate limit, reporting the
// wait.
func (c *Client) admit(ctx context.Context, attempt int) (*slot, error) {
	return c.limiter.acquire(ctx, c.keyHash, laneOf(ctx), func(w Wait) {
		w.Attempt = attempt
		c.wait(ctx, w)
	})
}

// wait reports w to ctx's trace and to the client's metrics.
func (c *Client) wait(ctx context.Context, w Wait) {
	traceWait(ctx, w)
	c.metrics.Waited(w.Kind, w.Duration)
}

// route is the route of a request, its IDs replaced by {id}, for a
// metric's label: /v1/conversations/CN123/mark-as-done is
// /v1/conversations/{id}/mark-as-done.
func route(method, path string) string {
	parts := strings.Split(path, "/")
	// "", "v1", a collection, then IDs and actions
	for i := 3; i < len(parts); i++ {
		if !routeWords[parts[i]] {
			parts[i] = "{id}"
		}
	}
	return method + " " + strings.Join(parts, "/")
}

// routeWords are the path segments that follow an ID and are no ID.
var routeWords = map[string]bool{
	"mark-as-read": true, "mark-as-done": true, "mark-as-open": true, "complete": true, "reopen": true, "assign": true,
	"unassign": true, "change-due-date": true, "remove-due-date": true, "link-conversation": true, "unlink-conversation": true,
	// POST /v1/webhooks/{kind}
	"messages": true, "calls": true, "call-summaries": true, "call-transcripts": true,
}
