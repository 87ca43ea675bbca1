package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// A MaybeSentError reports a write whose request may have reached
// OpenPhone, whose outcome is unknown: the attempt timed out or was reset
// after the request was written, OpenPhone answered 5xx, or it accepted
// the request with an answer that could not be read. It is never retried:
// OpenPhone may have acted on it, and a text must not go out twice.
type MaybeSentError struct {
	Method, Path string
	// Accepted is set when OpenPhone answered 2xx, with an answer that
	// could not be read.
	Accepted bool
	Err      error
}

func (e *MaybeSentError) Error() string {
	return fmt.Sprintf("%s %s may have reached OpenPhone, outcome unknown: %v", e.Method, e.Path, e.Err)
}

func (e *MaybeSentError) Unwrap() error { return e.Err }

// write sends method path with body as JSON (none when nil), within the
// rate limit, and decodes a 2xx answer into out (nil: not read).
//
// Unlike a read, a write is retried only where nothing reached OpenPhone:
// a connection that was refused or dropped before the request was
// written, or a 429, which refuses it. After anything else that leaves the
// outcome unknown it fails with a MaybeSentError.
func (c *Client) write(ctx context.Context, method, path string, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return err
		}
	}
	for attempt := 1; ; attempt++ {
		s, err := c.admit(ctx, attempt)
		if err != nil {
			return err
		}
		wrote, err := c.exchange(ctx, method, path, nil, payload, out, attempt, s)
		if err == nil {
			return nil
		}
		var apiErr *APIError
		refused := errors.As(err, &apiErr) && apiErr.Status == http.StatusTooManyRequests
		var decodeErr *DecodeError
		switch {
		case errors.As(err, &decodeErr):
			return &MaybeSentError{method, path, true, fmt.Errorf("OpenPhone accepted it, but its answer could not be read: %w", err)}
		case apiErr != nil && apiErr.Status >= 500:
			return &MaybeSentError{method, path, false, err}
		case apiErr != nil && !refused:
			return err // OpenPhone refused it
		case apiErr == nil && wrote:
			return &MaybeSentError{method, path, false, err}
		}
		// Nothing reached OpenPhone, or it refused the request for the
		// rate: another attempt cannot send the write twice.
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if again, err := c.waitToRetry(ctx, attempt, err); !again {
			return err
		}
	}
}

// Limits of POST /v1/messages.
const (
	MaxRecipients     = 10
	MaxMessageLength  = 1600
	messagesWritePath = "/v1/messages"
)

// SendMessageParams is the body of POST /v1/messages. From is the line,
// by ID (PN…) or number; To holds 1 to 10 E.164 numbers; Content is 1 to
// 1,600 characters with at least one that is not a space. UserID (US…)
// sends as that user rather than the line's owner; SetInboxStatus "done"
// files the conversation as done.
type SendMessageParams struct {
	From           string   `json:"from"`
	To             []string `json:"to"`
	Content        string   `json:"content"`
	UserID         string   `json:"userId,omitempty"`
	SetInboxStatus string   `json:"setInboxStatus,omitempty"`
}

// SendMessage sends a text, once: see write for what is retried. It
// validates p first and sends nothing if p is invalid. OpenPhone answers
// 202: the message is queued, and its status says how far it got.
func (c *Client) SendMessage(ctx context.Context, p SendMessageParams) (*Message, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return writeOne[Message](c, ctx, http.MethodPost, messagesWritePath, p)
}

// writeOne sends a write whose answer holds what it made or changed under
// "data". An answer without it is a MaybeSentError: OpenPhone accepted the
// write, and what came of it is unknown.
func writeOne[T any](c *Client, ctx context.Context, method, path string, body any) (*T, error) {
	var answer struct {
		Data *T `json:"data"`
	}
	if err := c.write(ctx, method, path, body, &answer); err != nil {
		return nil, err
	}
	if answer.Data == nil {
		return nil, &MaybeSentError{method, path, true, errors.New(`OpenPhone accepted it, but its answer has no "data" object`)}
	}
	return answer.Data, nil
}

// The inbox states a conversation can be marked with.
const (
	MarkRead = "read"
	MarkDone = "done"
	MarkOpen = "open"
)

// MarkConversationParams marks conversation ConversationID (CN…) as read,
// done or open: POST /v1/conversations/{id}/mark-as-{As}.
type MarkConversationParams struct {
	ConversationID string
	As             string // MarkRead, MarkDone or MarkOpen
}

// MarkConversation marks a conversation and returns it as OpenPhone
// answers. It validates p first and sends nothing if p is invalid.
func (c *Client) MarkConversation(ctx context.Context, p MarkConversationParams) (*Conversation, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var conv Conversation
	if err := c.write(ctx, http.MethodPost, conversationsPath+"/"+url.PathEscape(p.ConversationID)+"/mark-as-"+p.As, nil, &conv); err != nil {
		return nil, err
	}
	return &conv, nil
}
