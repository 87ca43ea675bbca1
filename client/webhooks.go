package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

const webhooksPath = "/v1/webhooks"

// A WebhookKind is what a webhook reports on, and the last segment of the
// path that creates one: POST /v1/webhooks/{kind}.
type WebhookKind string

// The kinds of webhook the API creates. Contact events (contact.updated,
// contact.deleted) exist too, but only OpenPhone's app creates their
// webhooks (Settings → Webhooks); the API lists them as WebhookContacts.
const (
	WebhookMessages        WebhookKind = "messages"
	WebhookCalls           WebhookKind = "calls"
	WebhookCallSummaries   WebhookKind = "call-summaries"
	WebhookCallTranscripts WebhookKind = "call-transcripts"
	WebhookContacts        WebhookKind = "contacts" // listed only: no endpoint creates one
)

// WebhookKinds are the kinds CreateWebhook takes, in the document's order.
var WebhookKinds = []WebhookKind{WebhookMessages, WebhookCalls, WebhookCallSummaries, WebhookCallTranscripts}

// webhookEvents are the events the document allows each kind, in its order.
var webhookEvents = map[WebhookKind][]string{
	WebhookMessages:        {"message.received", "message.delivered"},
	WebhookCalls:           {"call.completed", "call.ringing", "call.recording.completed"},
	WebhookCallSummaries:   {"call.summary.completed"},
	WebhookCallTranscripts: {"call.transcript.completed"},
	WebhookContacts:        {"contact.updated", "contact.deleted"},
}

// WebhookEvents returns the events the document allows a webhook of kind,
// or nil for a kind it does not know.
func WebhookEvents(kind WebhookKind) []string { return slices.Clone(webhookEvents[kind]) }

// WebhookKindOf returns the kind whose events events are, and false when
// they are empty or mix kinds.
func WebhookKindOf(events []string) (WebhookKind, bool) {
	var kind WebhookKind
	for _, e := range events {
		k, ok := kindOfEvent(e)
		if !ok || (kind != "" && k != kind) {
			return "", false
		}
		kind = k
	}
	return kind, kind != ""
}

func kindOfEvent(event string) (WebhookKind, bool) {
	for kind, events := range webhookEvents {
		if slices.Contains(events, event) {
			return kind, true
		}
	}
	return "", false
}

// The statuses of a webhook.
const (
	WebhookEnabled  = "enabled"
	WebhookDisabled = "disabled"
)

// EveryLine is the resourceIds item that subscribes a webhook to every
// line of the workspace.
const EveryLine = "*"

// A Webhook is a subscription of a URL to a workspace's events. Key is
// the secret that signs each delivery (base64): show it only to whoever
// configures the receiver.
type Webhook struct {
	ID        string     `json:"id"` // WH…
	UserID    string     `json:"userId"`
	OrgID     string     `json:"orgId"`
	Label     *string    `json:"label"`
	Status    string     `json:"status"` // WebhookEnabled or WebhookDisabled
	URL       string     `json:"url"`
	Key       string     `json:"key"`
	CreatedAt time.Time  `json:"createdAt"`
	UpdatedAt time.Time  `json:"updatedAt"`
	DeletedAt *time.Time `json:"deletedAt"`
	Events    []string   `json:"events"`
	// ResourceIDs are the lines (PN…) it reports on, or EveryLine alone.
	ResourceIDs []string `json:"resourceIds"`
}

// Kind is the kind of w's events: WebhookContacts for one made in
// OpenPhone's app, "" when its events name no kind the document knows.
func (w Webhook) Kind() WebhookKind {
	kind, _ := WebhookKindOf(w.Events)
	return kind
}

// ListWebhooksParams is the query of GET /v1/webhooks.
type ListWebhooksParams struct {
	// UserID (US…) lists that user's webhooks; the API's default is the
	// workspace's owner.
	UserID string
}

// Validate reports a parameter the API would reject, as a ValidationError.
func (p ListWebhooksParams) Validate() error {
	var ps problems
	ps.userID(p.UserID)
	return ps.err()
}

// Query encodes p.
func (p ListWebhooksParams) Query() url.Values {
	q := query{}
	q.set("userId", p.UserID)
	return q.values()
}

// ListWebhooks fetches a user's webhooks, all of them: the API does not
// page them. It validates p first and sends nothing if p is invalid.
func (c *Client) ListWebhooks(ctx context.Context, p ListWebhooksParams) ([]Webhook, error) {
	page, err := list[Webhook](c, ctx, webhooksPath, p)
	if err != nil {
		return nil, err
	}
	return page.Data, nil
}

// GetWebhook fetches one webhook by its ID (WH…), checked before anything
// is sent.
func (c *Client) GetWebhook(ctx context.Context, id string) (*Webhook, error) {
	var ps problems
	if ps.webhookID(id); ps != nil {
		return nil, ps.err()
	}
	return getOne[Webhook](c, ctx, webhooksPath+"/"+url.PathEscape(id))
}

// DeleteWebhook deletes a webhook by its ID (WH…), checked before anything
// is sent. OpenPhone answers 204: no more deliveries are made to it.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	var ps problems
	if ps.webhookID(id); ps != nil {
		return ps.err()
	}
	return c.write(ctx, http.MethodDelete, webhooksPath+"/"+url.PathEscape(id), nil, nil)
}

// CreateWebhookParams is a webhook to create: Kind picks the endpoint,
// POST /v1/webhooks/{kind}, and the other fields are its body.
type CreateWebhookParams struct {
	Kind WebhookKind `json:"-"`
	// URL receives the deliveries: an absolute https URL (plain http only
	// for a loopback host, for tests).
	URL string `json:"url"`
	// Events are 1 or more of WebhookEvents(Kind).
	Events []string `json:"events"`
	Label  string   `json:"label,omitempty"`
	// ResourceIDs are the lines (PN…) to report on, or EveryLine alone;
	// nil leaves it to the API (every line).
	ResourceIDs []string `json:"resourceIds,omitempty"`
	Status      string   `json:"status,omitempty"` // WebhookEnabled (the API's default) or WebhookDisabled
	// UserID (US…) creates it as that user; the API's default is the
	// workspace's owner.
	UserID string `json:"userId,omitempty"`
}

// Validate reports every parameter the API would reject, as a
// ValidationError, or nil; and a URL that is not https, an event given
// twice, and a webhook with no event, which would receive nothing.
func (p CreateWebhookParams) Validate() error {
	var ps problems
	allowed, known := webhookEvents[p.Kind]
	kinds := fmt.Sprintf("want one of %q", WebhookKinds)
	switch {
	case p.Kind == "":
		ps.add(KindMissing, "kind", nil, "is required", kinds)
	case !known || p.Kind == WebhookContacts:
		ps.add(KindMalformed, "kind", string(p.Kind), "is not a kind of webhook the API creates", kinds+"; contact events are registered in OpenPhone's app (Settings → Webhooks)")
	}
	if err := CheckWebhookURL(p.URL); err != nil {
		kind := KindMalformed
		if p.URL == "" {
			kind = KindMissing
		}
		ps.add(kind, "url", nilIfEmpty(p.URL), err.Error(), "want the receiver's absolute https URL, such as https://mcp.example.com/webhooks/openphone")
	}
	want := fmt.Sprintf("want some of %q", allowed)
	switch {
	case p.Events == nil:
		ps.add(KindMissing, "events", nil, "are required", want)
	case len(p.Events) == 0:
		ps.add(KindLength, "events", p.Events, "is empty", want+": a webhook without events receives nothing")
	}
	seen := map[string]bool{}
	for i, e := range p.Events {
		param := fmt.Sprintf("events[%d]", i)
		switch {
		case known && !slices.Contains(allowed, e):
			ps.add(KindMalformed, param, e, fmt.Sprintf("is not an event of a %s webhook", p.Kind), want)
		case seen[e]:
			ps.add(KindConflict, param, e, "is given twice", "give each event once")
		}
		seen[e] = true
	}
	switch {
	case p.ResourceIDs == nil:
	case len(p.ResourceIDs) == 0:
		ps.add(KindLength, "resourceIds", p.ResourceIDs, "is empty", `give lines' IDs (e.g. "PN123abc"), or ["*"] (or nothing) for every line`)
	case slices.Contains(p.ResourceIDs, EveryLine) && len(p.ResourceIDs) > 1:
		ps.add(KindConflict, "resourceIds", p.ResourceIDs, `mixes "*" with lines`, `give "*" alone for every line, or lines' IDs alone`)
	default:
		for i, id := range p.ResourceIDs {
			if id != EveryLine && !IsPhoneNumberID(id) {
				ps.add(KindNotALineID, fmt.Sprintf("resourceIds[%d]", i), id, "is not a phone number ID", `want a line's phone number ID (e.g. "PN123abc"), or "*" alone for every line`)
			}
		}
	}
	if p.Status != "" && p.Status != WebhookEnabled && p.Status != WebhookDisabled {
		ps.add(KindMalformed, "status", p.Status, "is not a webhook status", `want "enabled" or "disabled"`)
	}
	ps.userID(p.UserID)
	return ps.err()
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CreateWebhook creates a webhook, once: see write for what is retried.
// It validates p first and sends nothing if p is invalid. The answer
// carries the webhook's signing key.
func (c *Client) CreateWebhook(ctx context.Context, p CreateWebhookParams) (*Webhook, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return writeOne[Webhook](c, ctx, http.MethodPost, webhooksPath+"/"+string(p.Kind), p)
}

// CheckWebhookURL reports whether raw is a URL OpenPhone may deliver
// webhooks to: absolute https with a host, and no user or password in it.
// Plain http is taken only for a loopback host, as tests serve it: a
// delivery across the network in cleartext could be read and replayed.
func CheckWebhookURL(raw string) error {
	if raw == "" {
		return fmt.Errorf("is required")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "":
		return fmt.Errorf("is not an absolute URL")
	case u.User != nil:
		return fmt.Errorf("carries a user or password, which would be sent with every delivery")
	case strings.EqualFold(u.Scheme, "https"):
		return nil
	case strings.EqualFold(u.Scheme, "http") && isLoopback(u.Hostname()):
		return nil
	case strings.EqualFold(u.Scheme, "http"):
		return fmt.Errorf("is plain http, which would carry every delivery in cleartext; use https (http is taken only for localhost and loopback addresses)")
	}
	return fmt.Errorf("is not an http(s) URL")
}

// webhookID checks a required webhook ID.
func (ps *problems) webhookID(id string) {
	switch {
	case id == "":
		ps.add(KindMissing, "id", nil, "is required", `give the webhook's ID (e.g. "WH123abc")`)
	case !IsWebhookID(id):
		ps.add(KindMalformed, "id", id, "is not a webhook ID", `want an ID that starts with "WH" (e.g. "WH123abc")`)
	}
}
