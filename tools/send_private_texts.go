package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/contacts"
)

// Limits of send_private_texts: as Quo's hosted server's bulk messages.
const (
	minPrivateTexts = 2
	maxPrivateTexts = 40
)

const sendPrivateTextsDescription = `Send one text to 2 to 40 people as separate private texts from a team line, each in their own 1:1 conversation; for one group conversation (1 to 10 people who see each other), use send_message. Confirmed once, listing everyone. Whoever got it from this line in the last 10 minutes is skipped, so a retry after a partial failure reaches only the rest. Says per recipient: sent, failed or unclear.`

// privateTextsInput is the arguments of send_private_texts.
type privateTextsInput struct {
	From    string   `json:"from" jsonschema:"description=The line to send from: its ID (PN…)\\, number or name."`
	To      []string `json:"to" jsonschema:"minItems=2,maxItems=40,description=Numbers in any format (with no + they read in the line's country)\\, or contacts' whole names."`
	Content string   `json:"content" jsonschema:"minLength=1,maxLength=1600,description=The text\\, as each will get it."`
	UserID  userID   `json:"userId,omitempty" jsonschema:"description=Send as this user (US…); default the line's owner."`
	confirmInput
}

// privateTexts are the requests of one send_private_texts call: the same
// text from one line to each recipient alone.
type privateTexts struct {
	From    string
	To      []string
	Content string
	UserID  string
}

// text is the request of the text to recipient.
func (p privateTexts) text(recipient string) client.SendMessageParams {
	return client.SendMessageParams{From: p.From, To: []string{recipient}, Content: p.Content, UserID: p.UserID}
}

// Validate reports what the API would refuse in any of the texts, by the
// tool's parameter names, too few or too many recipients, and a recipient
// given twice.
func (p privateTexts) Validate() error {
	var errs client.ValidationError
	switch {
	case p.To == nil:
		errs = append(errs, client.InvalidParam{Kind: client.KindMissing, Param: "to", Problem: "is required", Want: "give 2 to 40 recipients"})
	case len(p.To) < minPrivateTexts:
		errs = append(errs, client.InvalidParam{Kind: client.KindLength, Param: "to", Value: fmt.Sprintf("%d items", len(p.To)), Problem: "is too short", Want: "give 2 to 40 recipients; send_message texts one person"})
	case len(p.To) > maxPrivateTexts:
		errs = append(errs, client.InvalidParam{Kind: client.KindLength, Param: "to", Value: fmt.Sprintf("%d items", len(p.To)), Problem: "is too long", Want: "give at most 40 recipients per call; split the list into several calls"})
	}
	first := ""
	if len(p.To) > 0 {
		first = p.To[0]
	}
	for _, e := range validationErrors(p.text(first).Validate()) {
		if !strings.HasPrefix(e.Param, "to") {
			errs = append(errs, e)
		}
	}
	seen := map[string]bool{}
	for i, n := range p.To {
		param := fmt.Sprintf("to[%d]", i)
		switch {
		case !client.IsE164(n):
			errs = append(errs, client.InvalidParam{Kind: client.KindMalformed, Param: param, Value: n, Problem: "is not an E.164 phone number", Want: `want "+" then country code and number, digits only (e.g. "+15555555555")`})
		case seen[n]:
			errs = append(errs, client.InvalidParam{Kind: client.KindConflict, Param: param, Value: n, Problem: "is given twice (perhaps once by name and once by number)", Want: "give each recipient once: each gets the text once"})
		}
		seen[n] = true
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

var sendPrivateTexts = write[privateTextsInput, privateTexts]{
	name: "send_private_texts", title: "Send the same text privately to several people", description: sendPrivateTextsDescription,
	annotations: mcp.ToolAnnotation{ReadOnlyHint: new(false), DestructiveHint: new(true), IdempotentHint: new(false), OpenWorldHint: new(true)},
	advice:      map[string]string{"from": "list_phone_numbers lists the lines", "userId": "list_users lists the users"},
	prepare: func(ctx context.Context, a *Account, in privateTextsInput) (plan[privateTexts], error) {
		p := privateTexts{Content: in.Content, UserID: string(in.UserID)}
		// Too many or too few recipients are refused before anything is
		// read, as the schema says.
		if n := len(in.To); n > maxPrivateTexts || n < minPrivateTexts {
			return plan[privateTexts]{}, validationErrors(privateTexts{From: "PNcount", To: in.To, Content: "-"}.Validate())
		}
		var resolveErrs client.ValidationError
		line, err := a.writeLine(ctx, "from", in.From)
		if err != nil && !errors.As(err, &resolveErrs) {
			return plan[privateTexts]{}, err // the lines could not be read
		}
		view := a.contacts.View(ctx)
		to, toErrs := recipients(view, contacts.RegionOf(line.Number), in.To)
		p.From, p.To = line.ID, to
		if resolveErrs = append(resolveErrs, toErrs...); len(resolveErrs) > 0 {
			return plan[privateTexts]{}, combine(resolveErrs, validationErrors(p.Validate()))
		}
		if err := p.Validate(); err != nil {
			return plan[privateTexts]{}, err
		}
		preview := "Send from " + spokenLine(line)
		if p.UserID != "" {
			preview += " as " + a.spokenUser(ctx, p.UserID)
		}
		preview += fmt.Sprintf(", as %d separate private texts (each person gets their own; no one sees the others), to:", len(p.To))
		each := make([]eachText, len(p.To))
		for i, number := range p.To {
			spoken := spokenRecipient(view, number)
			preview += fmt.Sprintf("\n%d. %s", i+1, spoken)
			each[i] = eachText{repeatKey: textKey(p.From, []string{number}, p.Content), recipient: spoken}
		}
		preview += "\nThe text:\n" + spokenText(p.Content) + "?"
		return plan[privateTexts]{
			request: p, preview: preview, each: each,
			audit: []slog.Attr{slog.String("line", p.From), slog.Int("recipients", len(p.To))},
			check: fmt.Sprintf("list_messages with phoneNumberId %s and one recipient as participants shows whether that text went.", p.From),
		}, nil
	},
	send: func(ctx context.Context, a *Account, p privateTexts, once textOnce) (string, string, error) {
		view := a.contacts.View(ctx)
		progress := progressOf(ctx)
		lines := make([]string, len(p.To))
		var sent, earlier, unclear, failed []string
		var ids []string
		stopped := ""
		for i, number := range p.To {
			who := spokenRecipient(view, number)
			if stopped == "" && ctx.Err() != nil { // never begin a send that cannot end
				stopped = "the call was cancelled or ran out of time before it"
			}
			if stopped != "" {
				lines[i] = who + ": not tried (" + stopped + ")"
				failed = append(failed, number)
				continue
			}
			o := once.send(ctx, "send_private_texts", textKey(p.From, []string{number}, p.Content), func() (string, error) {
				m, err := a.client.SendMessage(ctx, p.text(number))
				if err != nil {
					return "", err
				}
				return m.ID, nil
			})
			var outcome string
			switch {
			case o.ID != "":
				outcome = "sent, message " + fieldText(o.ID)
				sent, ids = append(sent, number), append(ids, o.ID)
			case o.Earlier != nil && o.Earlier.Unclear:
				outcome = "not sent again: it may have been sent to them less than 10 minutes ago (OpenPhone's answer was unclear)"
				earlier = append(earlier, number)
			case o.Earlier != nil:
				outcome = "not sent again: they got it less than 10 minutes ago (message " + fieldText(o.Earlier.ID) + ")"
				earlier = append(earlier, number)
			case o.InFlight: // whether the other call's send went is not known yet
				outcome = "unclear: the same text to them is being sent right now by another call; not tried here"
				unclear = append(unclear, number)
			case o.Unclear != nil:
				var maybe *client.MaybeSentError
				errors.As(o.Unclear, &maybe)
				outcome = "unclear: " + describeUnclear(maybe) + "; not tried again"
				unclear = append(unclear, number)
			case o.Ledger != nil:
				stopped = "the ledger of sends cannot be read: " + o.Ledger.Error()
				outcome = "not tried (" + stopped + ")"
				failed = append(failed, number)
			default:
				outcome = "failed, not sent: " + describeFailure(o.Failed)
				failed = append(failed, number)
			}
			lines[i] = who + ": " + outcome
			progress.report(fmt.Sprintf("%d of %d: %s", i+1, len(p.To), lines[i]))
		}
		report := fmt.Sprintf("Sent %d of %d private texts from line %s", len(sent), len(p.To), p.From)
		if len(earlier) > 0 {
			report += fmt.Sprintf(" (%d skipped: they had it already)", len(earlier))
		}
		report += ":\n- " + strings.Join(lines, "\n- ")
		if len(unclear) > 0 {
			report += fmt.Sprintf("\nWhere it is unclear, check with list_messages (phoneNumberId %s, that recipient as participants) before anything else; it is never sent again to them by this tool within 10 minutes.", p.From)
		}
		if len(failed) > 0 {
			to, _ := json.Marshal(failed)
			report += fmt.Sprintf("\nTo send it to those it did not reach, fix what failed, then call send_private_texts again with only them as to: %s.", to)
		}
		report += "\nEach text is queued, then delivered: list_messages shows its status."
		if len(failed)+len(unclear) > 0 {
			return "", "", explained(report)
		}
		return report, strings.Join(ids, ","), nil
	},
}
