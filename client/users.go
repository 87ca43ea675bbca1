package client

import (
	"context"
	"net/url"
	"strconv"
	"time"
)

// Limits of GET /v1/users.
const (
	DefaultUsersPerPage = 10
	MaxUsersPerPage     = 50
	usersPath           = "/v1/users"
)

// ListUsersParams is the query of GET /v1/users.
type ListUsersParams struct {
	MaxResults int
	PageToken  string
}

// Query encodes p; maxResults is always sent.
func (p ListUsersParams) Query() url.Values {
	q := query{"maxResults": {strconv.Itoa(p.MaxResults)}}
	q.set("pageToken", p.PageToken)
	return q.values()
}

// A User is a member of the workspace.
type User struct {
	ID         string     `json:"id"`
	Email      string     `json:"email,omitempty"`
	FirstName  string     `json:"firstName,omitempty"`
	LastName   string     `json:"lastName,omitempty"`
	PictureURL string     `json:"pictureUrl,omitempty"`
	Role       string     `json:"role,omitempty"`
	CreatedAt  *time.Time `json:"createdAt,omitempty"`
	UpdatedAt  *time.Time `json:"updatedAt,omitempty"`
}

// A UserPage is one page of GET /v1/users.
type UserPage = Page[User]

// ListUsers fetches one page of the workspace's users.
func (c *Client) ListUsers(ctx context.Context, p ListUsersParams) (*UserPage, error) {
	return list[User](c, ctx, usersPath, p)
}
