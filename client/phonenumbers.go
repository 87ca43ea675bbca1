package client

import (
	"context"
	"net/url"
	"strings"
	"time"
)

const phoneNumbersPath = "/v1/phone-numbers"

// ListPhoneNumbersParams is the query of GET /v1/phone-numbers.
type ListPhoneNumbersParams struct {
	UserID string
}

// Query encodes p.
func (p ListPhoneNumbersParams) Query() url.Values {
	q := query{}
	q.set("userId", p.UserID)
	return q.values()
}

// A PhoneNumber is an OpenPhone line: a number and the users who share it.
type PhoneNumber struct {
	ID              string            `json:"id"`
	Number          string            `json:"number"`
	FormattedNumber string            `json:"formattedNumber,omitempty"`
	Name            string            `json:"name,omitempty"`
	Symbol          string            `json:"symbol,omitempty"`
	Users           []PhoneNumberUser `json:"users,omitempty"`
	CreatedAt       *time.Time        `json:"createdAt,omitempty"`
	UpdatedAt       *time.Time        `json:"updatedAt,omitempty"`
}

// A PhoneNumberUser is a user as a phone number lists it.
type PhoneNumberUser struct {
	ID        string `json:"id"`
	Email     string `json:"email,omitempty"`
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
	Role      string `json:"role,omitempty"`
}

// PhoneNumberList is the answer of GET /v1/phone-numbers, which is not paged.
type PhoneNumberList struct {
	Data []PhoneNumber `json:"data"`
}

// ListPhoneNumbers fetches the workspace's lines.
func (c *Client) ListPhoneNumbers(ctx context.Context, p ListPhoneNumbersParams) (*PhoneNumberList, error) {
	page, err := list[PhoneNumber](c, ctx, phoneNumbersPath, p)
	if err != nil {
		return nil, err
	}
	return &PhoneNumberList{Data: page.Data}, nil
}

// FullName joins a first and a last name.
func FullName(first, last string) string { return strings.TrimSpace(first + " " + last) }
