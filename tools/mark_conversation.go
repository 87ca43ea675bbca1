package tools

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// maxMarks bounds the conversations one call marks.
const maxMarks = 20

const markConversationDescription = `Mark 1 to 20 conversations (CN…, from list_conversations) read, done or open in the team's inbox. Marking again is harmless.`

// markInput is the arguments of mark_conversation.
type markInput struct {
	ConversationIDs []string `json:"conversationIds" jsonschema:"minItems=1,maxItems=20,description=The conversations (CN…)."`
	As              string   `json:"as" jsonschema:"enum=read,enum=done,enum=open,description=read; done (out of the open inbox); open (undoes done)."`
	confirmInput
}

// marks are the requests of one mark_conversation call: the same state for
// each conversation.
type marks struct {
	ConversationIDs []string
	As              string
}

// Validate reports what the API would refuse in any of the marks, by the
// tool's parameter names, and a conversation given twice.
func (m marks) Validate() error {
	var errs client.ValidationError
	switch {
	case len(m.ConversationIDs) == 0:
		errs = append(errs, client.InvalidParam{Kind: client.KindMissing, Param: "conversationIds", Problem: "is required", Want: `give 1 to 20 conversation IDs (CN…), e.g. ["CN123abc"]; list_conversations lists them`})
	case len(m.ConversationIDs) > maxMarks:
		errs = append(errs, client.InvalidParam{Kind: client.KindLength, Param: "conversationIds", Value: fmt.Sprintf("%d items", len(m.ConversationIDs)), Problem: "is too long", Want: "mark at most 20 per call"})
	}
	seen := map[string]bool{}
	for i, id := range m.ConversationIDs {
		param := fmt.Sprintf("conversationIds[%d]", i)
		for _, e := range validationErrors(client.MarkConversationParams{ConversationID: id, As: m.As}.Validate()) {
			if e.Param == "conversationId" {
				e.Param = param
			}
			if e.Param != "as" || i == 0 {
				errs = append(errs, e)
			}
		}
		if seen[id] {
			errs = append(errs, client.InvalidParam{Kind: client.KindConflict, Param: param, Value: id, Problem: "is given twice", Want: "give each conversation once"})
		}
		seen[id] = true
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

var markConversation = write[markInput, marks]{
	name: "mark_conversation", title: "Mark conversations read, done or open", description: markConversationDescription,
	annotations: mcp.ToolAnnotation{ReadOnlyHint: new(false), DestructiveHint: new(false), IdempotentHint: new(true), OpenWorldHint: new(true)},
	prepare: func(ctx context.Context, a *Account, in markInput) (plan[marks], error) {
		m := marks{in.ConversationIDs, in.As}
		if err := m.Validate(); err != nil {
			return plan[marks]{}, err
		}
		// The person sees whom each conversation is with, on which line;
		// an ID that names no conversation is refused before they are asked.
		spoken, err := a.spokenConversations(ctx, func(i int) string { return fmt.Sprintf("conversationIds[%d]", i) }, m.ConversationIDs)
		if err != nil {
			return plan[marks]{}, err
		}
		preview := fmt.Sprintf("Mark %s: %s?", m.As, spoken[0])
		if len(spoken) > 1 {
			preview = fmt.Sprintf("Mark these %d conversations %s?\n- %s", len(spoken), m.As, strings.Join(spoken, "\n- "))
		}
		return plan[marks]{
			request: m, preview: preview,
			audit: []slog.Attr{slog.String("as", m.As), slog.Any("conversations", m.ConversationIDs)},
			check: "list_conversations shows the conversations; marking again is harmless, so the person may simply ask again.",
		}, nil
	},
	do: func(ctx context.Context, a *Account, m marks) (string, string, error) {
		for i, id := range m.ConversationIDs {
			if _, err := a.client.MarkConversation(ctx, client.MarkConversationParams{ConversationID: id, As: m.As}); err != nil {
				if i == 0 {
					return "", "", err
				}
				return "", "", explained(fmt.Sprintf("Marked %s %s; then %s could not be marked: %s. The rest (%s) were not tried.",
					strings.Join(m.ConversationIDs[:i], ", "), m.As, id, describeFailure(err), strings.Join(m.ConversationIDs[i+1:], ", ")))
			}
		}
		return fmt.Sprintf("Marked %s: %s.", m.As, strings.Join(m.ConversationIDs, ", ")), strings.Join(m.ConversationIDs, ","), nil
	},
}
