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
	UserID string `json:"userId,omitempty" jsonschema:"description=Only the lines of this user (US…)."`
}

// Validate reports a parameter the API would reject, as a ValidationError.
func (p ListPhoneNumbersParams) Validate() error {
	if p.UserID != "" && !userIDRE.MatchString(p.UserID) {
		return ValidationError{invalidUserID(p.UserID)}
	}
	return nil
}

// Query encodes p.
func (p ListPhoneNumbersParams) Query() url.Values {
	q := url.Values{}
	if p.UserID != "" {
		q.Set("userId", p.UserID)
	}
	return q
}

// A PhoneNumber is an OpenPhone line: a number and the users who share it.
type PhoneNumber struct {
	ID              string            `json:"id" jsonschema:"description=Phone number ID (PN…)."`
	Number          string            `json:"number" jsonschema:"description=The number in E.164 format."`
	FormattedNumber string            `json:"formattedNumber,omitempty" jsonschema:"description=The number as people write it."`
	Name            string            `json:"name,omitempty" jsonschema:"description=The line's name in the workspace\\, such as Sales."`
	Symbol          string            `json:"symbol,omitempty" jsonschema:"description=The line's emoji."`
	Users           []PhoneNumberUser `json:"users,omitempty" jsonschema:"description=The users who share the line."`
	CreatedAt       *time.Time        `json:"createdAt,omitempty"`
	UpdatedAt       *time.Time        `json:"updatedAt,omitempty"`
}

// A PhoneNumberUser is a user as a phone number lists it.
type PhoneNumberUser struct {
	ID        string `json:"id" jsonschema:"description=User ID (US…)."`
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
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var list PhoneNumberList
	if err := getList(c, ctx, phoneNumbersPath, p.Query(), &list, &list.Data); err != nil {
		return nil, err
	}
	return &list, nil
}

// FullName joins a first and a last name.
func FullName(first, last string) string { return strings.TrimSpace(first + " " + last) }
