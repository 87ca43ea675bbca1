package client

import (
	"context"
	"net/url"
	"strconv"
	"time"
)

// Limits of GET /v1/conversations.
const (
	DefaultMaxResults = 10
	MaxResultsLimit   = 100
	MaxPhoneNumbers   = 100
	conversationsPath = "/v1/conversations"
)

// ListConversationsParams is the query of GET /v1/conversations, parameter
// for parameter.
//
// Dates are RFC 3339 strings, passed through as given once Validate accepts
// them. MaxResults is required by the API (1 to 100); callers that want the
// API's default set DefaultMaxResults.
type ListConversationsParams struct {
	PhoneNumbers    []string // E.164 numbers or phone number IDs (PN…), 1 to 100
	PhoneNumber     string   // deprecated: PhoneNumbers wins when both are given
	UserID          string   // US…
	CreatedAfter    string
	CreatedBefore   string
	ExcludeInactive *bool
	UpdatedAfter    string
	UpdatedBefore   string
	MaxResults      int
	PageToken       string
}

// Query encodes p the way the API's OpenAPI document implies: arrays as
// repeated keys (form, explode), booleans as true/false, maxResults always.
func (p ListConversationsParams) Query() url.Values {
	q := query{"phoneNumbers": p.PhoneNumbers}
	q.set("phoneNumber", p.PhoneNumber)
	q.set("userId", p.UserID)
	q.set("createdAfter", p.CreatedAfter)
	q.set("createdBefore", p.CreatedBefore)
	q.set("updatedAfter", p.UpdatedAfter)
	q.set("updatedBefore", p.UpdatedBefore)
	if p.ExcludeInactive != nil {
		q.set("excludeInactive", strconv.FormatBool(*p.ExcludeInactive))
	}
	q.set("maxResults", strconv.Itoa(p.MaxResults))
	q.set("pageToken", p.PageToken)
	return q.values()
}

// A Conversation is one thread between an OpenPhone line and its
// participants. Every field but ID, PhoneNumberID and Participants may be
// null upstream; nulls decode to nil and are omitted when re-encoded.
type Conversation struct {
	ID             string     `json:"id"`
	PhoneNumberID  string     `json:"phoneNumberId"`
	Participants   []string   `json:"participants"`
	Name           *string    `json:"name,omitempty"`
	AssignedTo     *string    `json:"assignedTo,omitempty"`
	LastActivityAt *time.Time `json:"lastActivityAt,omitempty"`
	LastActivityID *string    `json:"lastActivityId,omitempty"`
	CreatedAt      *time.Time `json:"createdAt,omitempty"`
	UpdatedAt      *time.Time `json:"updatedAt,omitempty"`
	MutedUntil     *time.Time `json:"mutedUntil,omitempty"`
	SnoozedUntil   *time.Time `json:"snoozedUntil,omitempty"`
	DeletedAt      *time.Time `json:"deletedAt,omitempty"`
}

// A ConversationPage is one page of GET /v1/conversations.
type ConversationPage = Page[Conversation]

// ListConversations fetches one page of conversations, most recent activity
// first. It validates p first and sends nothing if p is invalid.
func (c *Client) ListConversations(ctx context.Context, p ListConversationsParams) (*ConversationPage, error) {
	return list[Conversation](c, ctx, conversationsPath, p)
}
