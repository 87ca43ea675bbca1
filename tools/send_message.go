package tools

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/contacts"
)

const sendMessageDescription = `Text 1 to 10 numbers from one of the team's lines, as one conversation (a group text when several, all seeing each other); the same text privately to each of several people: send_private_texts. The person sees the exact text, line and recipients. A text cannot be unsent and is never sent twice: an identical one within 10 minutes needs a fresh yes that says it repeats. The answer says how to check delivery.`

// sendInput is the arguments of send_message: the body of POST
// /v1/messages, with the line also by name and recipients also by
// contact.
type sendInput struct {
	From           string   `json:"from" jsonschema:"description=The line to send from: its ID (PN…)\\, number or name."`
	To             []string `json:"to" jsonschema:"minItems=1,maxItems=10,description=Recipients: numbers in any format (with no + they read in the line's country)\\, or contacts' whole names."`
	Content        string   `json:"content" jsonschema:"minLength=1,maxLength=1600,description=The text\\, as it will be sent."`
	SetInboxStatus string   `json:"setInboxStatus,omitempty" jsonschema:"enum=done,description=done: file the conversation as done once sent."`
	UserID         userID   `json:"userId,omitempty" jsonschema:"description=Send as this user (US…); default the line's owner."`
	confirmInput
}

var sendMessage = write[sendInput, client.SendMessageParams]{
	name: "send_message", title: "Send a text", description: sendMessageDescription,
	annotations: mcp.ToolAnnotation{ReadOnlyHint: new(false), DestructiveHint: new(true), IdempotentHint: new(false), OpenWorldHint: new(true)},
	advice:      map[string]string{"from": "list_phone_numbers lists the lines", "userId": "list_users lists the users"},
	prepare: func(ctx context.Context, a *Account, in sendInput) (plan[client.SendMessageParams], error) {
		p := client.SendMessageParams{Content: in.Content, UserID: string(in.UserID), SetInboxStatus: in.SetInboxStatus}
		var resolveErrs client.ValidationError
		line, err := a.writeLine(ctx, "from", in.From)
		if err != nil && !errors.As(err, &resolveErrs) {
			return plan[client.SendMessageParams]{}, err // the lines could not be read
		}
		view := a.contacts.View(ctx)
		to, toErrs := recipients(view, contacts.RegionOf(line.Number), in.To)
		var twice []string
		if len(toErrs) == 0 {
			to, twice = once(to)
		}
		p.From, p.To = line.ID, to
		if resolveErrs = append(resolveErrs, toErrs...); len(resolveErrs) > 0 {
			return plan[client.SendMessageParams]{}, combine(resolveErrs, validationErrors(p.Validate()))
		}
		spoken := make([]string, len(p.To))
		for i, number := range p.To {
			spoken[i] = spokenRecipient(view, number)
		}
		preview := "Send from " + spokenLine(line)
		if p.UserID != "" {
			preview += " as " + a.spokenUser(ctx, p.UserID)
		}
		preview += " to " + strings.Join(spoken, ", ")
		if len(twice) > 0 {
			preview += " (given more than once, texted once: " + strings.Join(twice, ", ") + ")"
		}
		if p.SetInboxStatus == "done" {
			preview += ", then mark the conversation done"
		}
		preview += ":\n" + spokenText(p.Content)
		return plan[client.SendMessageParams]{
			request: p, preview: preview + "?",
			audit:     []slog.Attr{slog.String("line", p.From), slog.Int("recipients", len(p.To))},
			repeatKey: textKey(p.From, p.To, p.Content),
			check:     fmt.Sprintf("Before anything else, check with list_messages (phoneNumberId %s, participants %s): if the text is there, it was sent; do not send it again unless the person asks.", p.From, compactJSON(p.To)),
		}, nil
	},
	do: func(ctx context.Context, a *Account, p client.SendMessageParams) (string, string, error) {
		m, err := a.client.SendMessage(ctx, p)
		if err != nil {
			return "", "", err
		}
		return fmt.Sprintf("Sent: message %s from %s to %s, status %s, in conversation %s. OpenPhone queues a text, then delivers it: list_messages with phoneNumberId %s and participants %s shows its status as it goes (queued, sent, delivered, or undelivered).",
			fieldText(m.ID), p.From, strings.Join(p.To, ", "), fieldText(m.Status), fieldText(deref(m.ConversationID)), p.From, compactJSON(p.To)), m.ID, nil
	},
}

// textKey is the write ledger's key of a text: from its line to the
// recipients, in any order, with its content. send_private_texts keys each
// of its texts so, as a send_message to that recipient alone.
func textKey(from string, to []string, content string) string {
	return canonical([]any{from, slices.Sorted(slices.Values(to)), content})
}
