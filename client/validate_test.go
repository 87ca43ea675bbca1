package client_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/client"
)

func TestValidate(t *testing.T) {
	valid := func() client.ListConversationsParams { return client.ListConversationsParams{MaxResults: 10} }
	tests := []struct {
		name   string
		mutate func(*client.ListConversationsParams)
		params []string // the parameters the error must name, in order; none for valid
	}{
		{"defaults", func(p *client.ListConversationsParams) {}, nil},
		{"E.164 and PN ID", func(p *client.ListConversationsParams) { p.PhoneNumbers = []string{"+15555555555", "PN123abc"} }, nil},
		{"offset dates", func(p *client.ListConversationsParams) {
			p.CreatedAfter, p.CreatedBefore = "2024-01-01T00:00:00-05:00", "2024-01-01T06:00:00Z"
		}, nil},
		{"fractional seconds", func(p *client.ListConversationsParams) { p.UpdatedAfter = "2024-01-01T00:00:00.5Z" }, nil},
		{"maxResults 100", func(p *client.ListConversationsParams) { p.MaxResults = 100 }, nil},
		{"maxResults 0", func(p *client.ListConversationsParams) { p.MaxResults = 0 }, []string{"maxResults"}},
		{"maxResults 101", func(p *client.ListConversationsParams) { p.MaxResults = 101 }, []string{"maxResults"}},
		{"empty phoneNumbers", func(p *client.ListConversationsParams) { p.PhoneNumbers = []string{} }, []string{"phoneNumbers"}},
		{"101 phoneNumbers", func(p *client.ListConversationsParams) {
			p.PhoneNumbers = strings.Split(strings.Repeat("PN1,", 101)[:4*101-1], ",")
		}, []string{"phoneNumbers"}},
		{"bad items", func(p *client.ListConversationsParams) {
			p.PhoneNumbers = []string{"+15555555555", "555-0100", "+0123", "pn123"}
		}, []string{"phoneNumbers[1]", "phoneNumbers[2]", "phoneNumbers[3]"}},
		{"E.164 too long", func(p *client.ListConversationsParams) { p.PhoneNumber = "+1234567890123456" }, []string{"phoneNumber"}},
		{"userId", func(p *client.ListConversationsParams) { p.UserID = "alice" }, []string{"userId"}},
		{"date only", func(p *client.ListConversationsParams) { p.CreatedAfter = "2024-01-01" }, []string{"createdAfter"}},
		{"no zone", func(p *client.ListConversationsParams) { p.UpdatedBefore = "2024-01-01T00:00:00" }, []string{"updatedBefore"}},
		{"inverted range", func(p *client.ListConversationsParams) {
			p.UpdatedAfter, p.UpdatedBefore = "2024-02-01T00:00:00Z", "2024-01-01T00:00:00Z"
		}, []string{"updatedAfter"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := valid()
			tt.mutate(&p)
			err := p.Validate()
			if tt.params == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var verr client.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Validate() = %v, want a ValidationError", err)
			}
			var got []string
			for _, ip := range verr {
				got = append(got, ip.Param)
				if ip.Problem == "" || ip.Want == "" {
					t.Errorf("%s: problem %q, want %q: both must be said", ip.Param, ip.Problem, ip.Want)
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.params, " ") {
				t.Errorf("named %v, want %v", got, tt.params)
			}
		})
	}
}

func TestInvalidParamQuotesAndShortensValues(t *testing.T) {
	ip := client.InvalidParam{Param: "userId", Value: "line\n" + strings.Repeat("x", 200), Problem: "is bad", Want: "want good"}
	s := ip.String()
	if strings.Contains(s, "\n") || len(s) > 200 || !strings.HasPrefix(s, `userId: "line\n`) {
		t.Errorf("String() = %q: want the value quoted and cut short", s)
	}
}
