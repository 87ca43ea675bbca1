package tools

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/ledger"
)

// A write declares a tool that changes the workspace. It is published only
// when writes are on, and what it would do is sent only once a person has
// confirmed the exact effect (ConfirmationMode): in the client's form, or
// on the server's confirmation page, or, where the operator chose so, by a
// code the model relays, or never asked, for unattended agents.
type write[In confirmable, P request] struct {
	name, title, description string
	annotations              mcp.ToolAnnotation
	defaults                 In
	advice                   map[string]string
	// prepare makes the request of the arguments, resolving the names in
	// them, and says what it will do. A client.ValidationError is an
	// argument error.
	prepare func(ctx context.Context, a *Account, in In) (plan[P], error)
	// do performs the request, and returns what the model reads and the
	// ID of what it made or changed.
	do func(ctx context.Context, a *Account, p P) (text, id string, err error)
	// send, for a write of separate texts (send_private_texts), does it
	// instead of do: each text through once, which guards it against
	// repeats as carryOut guards a single send.
	send func(ctx context.Context, a *Account, p P, once textOnce) (text, id string, err error)
}

// A plan is what a write will do, once confirmed.
type plan[P request] struct {
	request P
	// preview is what the person confirms, in plain words: "Send from
	// Sales (+1 415-555-0100) to …: «…»?".
	preview string
	// audit are the facts of the audit line: line, recipient count, IDs;
	// never a text.
	audit []slog.Attr
	// repeatKey, for a send, names identical sends (line, recipients,
	// text): a repeat within repeatWindow needs a confirmation that says
	// so. "" for a write that may be repeated.
	repeatKey string
	// check says how to find out whether a write whose outcome is unclear
	// was done.
	check string
	// each, for a write of separate texts, are its texts' repeat keys and
	// their recipients as the person reads them: a text is sent to no
	// recipient who got it within repeatWindow.
	each []eachText
}

// An eachText is one of the separate texts of a write: its repeat key (as
// send_message's of a text to that recipient alone) and its recipient.
type eachText struct{ repeatKey, recipient string }

// confirmable is implemented by a write's arguments: confirm is the
// confirmation code of a previous call, "" for none.
type confirmable interface{ confirmCode() string }

// confirmInput is the argument every write takes beside its own.
type confirmInput struct {
	Confirm string `json:"confirm,omitempty" jsonschema:"description=Only after the person said yes to the preview a previous call answered: the code that came with it."`
}

func (c confirmInput) confirmCode() string { return c.Confirm }

// A ConfirmationMode says who confirms a write.
type ConfirmationMode int

const (
	// ConfirmAsk, the default: a person confirms each write, through the
	// client's form (elicitation) where it has one, else on a page the
	// server serves. Nothing the model is given confirms anything.
	ConfirmAsk ConfirmationMode = iota
	// ConfirmCode: the model shows the person a preview and passes back
	// the one-time code that came with it. It trusts the model to ask.
	ConfirmCode
	// ConfirmOff: writes are carried out unasked, for unattended agents.
	ConfirmOff
)

// ParseConfirmationMode reads a mode's name: ask, code or off.
func ParseConfirmationMode(s string) (ConfirmationMode, error) {
	switch s {
	case "ask":
		return ConfirmAsk, nil
	case "code":
		return ConfirmCode, nil
	case "off":
		return ConfirmOff, nil
	}
	return 0, fmt.Errorf("%q: want ask, code or off", s)
}

// A writeGuard is what every write is served with: the seal of its
// confirmations, the ledger of what was spent and sent, the confirmation
// pages, and where audit lines go.
type writeGuard struct {
	seal    *seal
	mode    ConfirmationMode
	ledger  ledger.Ledger // nil refuses every write
	pages   *Pages
	oneShot bool // Config.OneShot
	audit   *slog.Logger
	metrics Metrics
	now     func() time.Time
	timeout time.Duration // of a write carried out from a page
}

func newWriteGuard(cfg Config) *writeGuard {
	now := time.Now
	if cfg.writeClock != nil {
		now = cfg.writeClock
	}
	pages := cfg.Pages
	if pages == nil {
		pages = NewPages()
	}
	pages.now = now
	return &writeGuard{
		seal: newSeal(cfg.ConfirmationSecret, now), mode: cfg.Confirmation, ledger: cfg.Ledger, pages: pages,
		oneShot: cfg.OneShot, audit: cfg.Logger, metrics: cfg.Metrics, now: now, timeout: cfg.CallTimeout,
	}
}

// serverTool returns w as mcp-go serves it: without the confirm argument
// unless codes confirm writes.
func (w write[In, P]) serverTool(s serving) server.ServerTool {
	var without []string
	if s.writes == nil || s.writes.mode != ConfirmCode {
		without = []string{"confirm"}
	}
	schema := reflectSchema(new(In), without...)
	description := w.description
	if s.writes != nil {
		description += " " + confirmationText[s.writes.mode]
	}
	t := mcp.NewToolWithRawSchema(w.name, description, schema)
	t.Annotations = w.annotations
	t.Annotations.Title = w.title
	return server.ServerTool{
		Tool: t,
		Handler: func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return w.handle(ctx, s, req), nil
		},
	}
}

// A writeCall is one call of a write, prepared: what it will do, for whom,
// and what it is bound to.
type writeCall[P request] struct {
	name    string
	g       *writeGuard
	a       *Account
	plan    plan[P]
	caller  string // the key's fingerprint, and the signed-in person
	repeat  recentSend
	bound   string // the tool, the request and the identical send known of
	unaware string // the tool and the request alone
	preview string // the plan's preview, with the repeat's warning
}

// handle answers one call: decode, resolve, validate, confirm, then write.
func (w write[In, P]) handle(ctx context.Context, s serving, req mcp.CallToolRequest) *mcp.CallToolResult {
	a := s.account(ctx)
	in := w.defaults
	if errs := decodeArguments(req.Params.Arguments, &in); len(errs) > 0 {
		return argumentError(withAdvice(errs, w.advice))
	}
	if a == nil {
		return mcp.NewToolResultError(s.missingKeyMessage())
	}
	pl, err := w.prepare(ctx, a, in)
	if err == nil {
		err = pl.request.Validate()
	}
	invalid := func(err error) *mcp.CallToolResult { return argumentError(withAdvice(validationErrors(err), w.advice)) }
	if res := s.failure(ctx, err, invalid, sentRequest{}); res != nil {
		return res
	}
	g := s.writes
	c := &writeCall[P]{name: w.name, g: g, a: a, plan: pl, caller: callerOf(ctx, a)}
	if g.ledger == nil {
		return c.refuse(ctx, "", errors.New("no ledger is configured"))
	}
	repeat, repeated, err := c.lastSend(ctx)
	if err != nil {
		return c.refuse(ctx, "", err)
	}
	c.repeat, c.preview = repeat, pl.preview
	if repeated {
		c.preview = repeat.warning(g.now()) + " " + pl.preview
	}
	var sentEach string
	allSent := false
	if len(pl.each) > 0 {
		var got []string
		for _, e := range pl.each {
			prev, repeated, err := g.lastSend(ctx, c.caller, e.repeatKey)
			if err != nil {
				return c.refuse(ctx, "", err)
			}
			if repeated {
				got = append(got, e.recipient)
				sentEach += prev.marker() + ";"
			}
		}
		allSent = len(got) == len(pl.each)
		if len(got) > 0 {
			c.preview += fmt.Sprintf("\n\nNot sent again (they got this text, or may have, within the last 10 minutes): %s.", strings.Join(got, "; "))
		}
	}
	// A confirmation is bound to the request and to the identical send it
	// knew of: one issued before a send (unaware of it) does not confirm
	// its repeat.
	c.unaware = w.name + "\n" + canonical(pl.request) + "\n"
	c.bound = c.unaware + repeat.marker() + sentEach

	answer := server.ElicitationResponse(req.Params.InputResponses, "confirm")
	if p := g.pages.find(c.caller, c.unaware); p != nil && g.mode == ConfirmAsk {
		if !canElicit(ctx).url {
			answer = nil // only a client that opened the page for the person answers for it
		}
		return p.status(ctx, g.pages, answer)
	}
	if allSent {
		// Every one of the separate texts went within repeatWindow (a page
		// that sent them says so above, to the call that reads it).
		c.audit(ctx, "refused: repeat", "")
		return mcp.NewToolResultError("Nothing was sent: every recipient got this text from this line within the last 10 minutes (or may have, where OpenPhone's answer was unclear). list_messages shows each conversation. A text is not sent twice to anyone by " + w.name + "; if one must go again, send_message sends it to that person alone, asking the person first.")
	}
	switch {
	case g.mode == ConfirmOff:
		if repeated {
			c.audit(ctx, "refused: repeat", "unattended")
			return mcp.NewToolResultError("Nothing was sent: " + repeat.warning(g.now()) + " With confirmation off, a repeat is never sent. If it must go again, the person can send it, or you can wait until the 10 minutes have passed.")
		}
		return w.carryOut(ctx, s, c, "unattended")
	case answer != nil:
		return w.answered(ctx, s, c, req.Params.RequestState, answer)
	case in.confirmCode() != "" && g.mode == ConfirmCode:
		problem, expiry, repeat, err := c.redeem(ctx, kindCode, in.confirmCode())
		switch {
		case err != nil:
			return c.refuse(ctx, "code", err)
		case repeat:
			return w.ask(ctx, s, c) // a repeat since the code was issued: ask again, saying so
		case problem != tokenOK:
			c.audit(ctx, "confirmation "+problem.String(), "code")
			return mcp.NewToolResultError(confirmationProblem(problem, expiry, w.name, false))
		}
		return w.carryOut(ctx, s, c, "code")
	case in.confirmCode() != "":
		c.audit(ctx, "refused: a code", "code")
		return mcp.NewToolResultError("Nothing was done: this server does not take confirmation codes; a person confirms each write themselves. Call " + w.name + " again without confirm: it asks them.")
	}
	return w.ask(ctx, s, c)
}

// answered carries out a write the person accepted in the client's form,
// or says why not.
func (w write[In, P]) answered(ctx context.Context, s serving, c *writeCall[P], state string, answer *mcp.ElicitationResult) *mcp.CallToolResult {
	if !canElicit(ctx).form {
		c.audit(ctx, "refused: an answer from a client that cannot ask", "elicitation")
		return mcp.NewToolResultError("Nothing was done: this request answers a confirmation, but its client does not declare that it can ask the person (the elicitation capability). Call " + w.name + " again without an answer.")
	}
	problem, expiry, repeat, err := c.redeem(ctx, kindState, state)
	switch {
	case err != nil:
		return c.refuse(ctx, "elicitation", err)
	case repeat:
		return w.ask(ctx, s, c) // a repeat since it was asked: ask again, saying so
	case problem != tokenOK:
		c.audit(ctx, "confirmation "+problem.String(), "elicitation")
		return mcp.NewToolResultError(confirmationProblem(problem, expiry, w.name, true))
	}
	switch answer.Action {
	case mcp.ElicitationResponseActionAccept:
		if !ticked(answer.Content) {
			c.audit(ctx, "refused: not ticked", "elicitation")
			setOutcome(ctx, "declined")
			return mcp.NewToolResultText("The person did not tick \"" + confirmField + "\": nothing was done. Ask them in the chat before trying again.")
		}
		return w.carryOut(ctx, s, c, "elicitation")
	case mcp.ElicitationResponseActionDecline:
		c.audit(ctx, "declined", "elicitation")
		setOutcome(ctx, "declined")
		return mcp.NewToolResultText("The person declined: nothing was done. Do not try again unless they ask.")
	default:
		c.audit(ctx, "cancelled", "elicitation")
		setOutcome(ctx, "declined")
		return mcp.NewToolResultText("The person dismissed the confirmation without answering: nothing was done. Ask them in the chat before trying again.")
	}
}

// carryOut makes the write a person confirmed (by confirmedBy), once: it
// claims the send in the ledger before the request leaves, so that no
// replica or restart sends it again, and records it after.
func (w write[In, P]) carryOut(ctx context.Context, s serving, c *writeCall[P], confirmedBy string) *mcp.CallToolResult {
	g, pl := c.g, c.plan
	if pl.repeatKey != "" {
		ok, err := g.ledger.Claim(ctx, c.ledgerKey("sending"), nil, g.inFlightTTL())
		if err != nil {
			return c.refuse(ctx, confirmedBy, err)
		}
		if !ok {
			c.audit(ctx, "refused: identical send in flight", confirmedBy)
			return mcp.NewToolResultError("Nothing was sent: an identical text from this line to these numbers is being sent right now. Check with list_messages in a few seconds.")
		}
		defer g.ledger.Release(context.WithoutCancel(ctx), c.ledgerKey("sending"))
		// An identical send may have ended since the person was asked:
		// then this one is a repeat they have not confirmed.
		now, repeated, err := c.lastSend(ctx)
		if err != nil {
			return c.refuse(ctx, confirmedBy, err)
		}
		if repeated && now.marker() != c.repeat.marker() {
			c.repeat, c.bound, c.preview = now, c.unaware+now.marker(), now.warning(g.now())+" "+pl.preview
			if confirmedBy == "page" {
				return mcp.NewToolResultError("Nothing was sent: " + now.warning(g.now()) + " The person confirmed before that send, so this repeat was not sent. Call " + w.name + " again to ask them anew.")
			}
			return w.ask(ctx, s, c)
		}
	}
	var text, id string
	var err error
	if w.send != nil {
		text, id, err = w.send(ctx, c.a, pl.request, textOnce{g: g, caller: c.caller})
	} else {
		text, id, err = w.do(ctx, c.a, pl.request)
	}
	var maybe *client.MaybeSentError
	switch {
	case errors.As(err, &maybe):
		c.noteSend(ctx, recentSend{At: g.now(), Unclear: true})
		c.audit(ctx, "unclear", confirmedBy, slog.String("error", describeUnclear(maybe)))
		return mcp.NewToolResultError(fmt.Sprintf("Unclear whether it was done: OpenPhone's answer did not say (%s). It was not tried again, so that nothing happens twice. %s", describeUnclear(maybe), pl.check))
	case err != nil:
		outcome := "failed"
		if errors.As(err, new(explained)) {
			outcome = "failed part way" // some of its requests were made
		}
		c.audit(ctx, outcome, confirmedBy, slog.Int("status", apiStatus(err)))
		invalid := func(err error) *mcp.CallToolResult { return argumentError(withAdvice(validationErrors(err), w.advice)) }
		return s.failure(ctx, err, invalid, sentRequest{})
	}
	c.noteSend(ctx, recentSend{At: g.now(), ID: id})
	c.audit(ctx, "done", confirmedBy, slog.String("id", id))
	return mcp.NewToolResultText(text)
}

// ask answers a call that needs a person's yes: the client's form where
// it has one; a one-time code in the code mode; else a confirmation page,
// opened through the client (URL elicitation) or by a link for the model
// to show.
func (w write[In, P]) ask(ctx context.Context, s serving, c *writeCall[P]) *mcp.CallToolResult {
	g := c.g
	setOutcome(ctx, "confirm")
	can := canElicit(ctx)
	switch {
	case can.form:
		return server.NewInputRequestBuilder(g.seal.issue(kindState, c.caller, c.bound)).Elicit("confirm", mcp.ElicitationParams{
			Message:         c.preview,
			RequestedSchema: confirmSchema,
		}).ToolResult()
	case g.mode == ConfirmCode:
		code := g.seal.issue(kindCode, c.caller, c.bound)
		return mcp.NewToolResultText(fmt.Sprintf("Not done yet: a person must confirm it first. Show them exactly this:\n\n%s\n\nIf they say yes, call %s again with the same arguments and confirm %q (valid %d minutes, once). If they say no or want a change, do not use this code.", c.preview, w.name, code, int(ConfirmationTTL.Minutes())))
	case g.oneShot:
		setOutcome(ctx, "error")
		return mcp.NewToolResultError("Nothing was done: a person must confirm this write, and this one-off call has no one to ask. Run the command in a terminal, where it asks you, or serve MCP to a client.")
	}
	p, err := g.pages.open(ctx, c.name, c.caller, c.unaware, c.preview, func(ctx context.Context, page string) *mcp.CallToolResult {
		start := time.Now()
		ctx, cancel := context.WithTimeout(ctx, g.timeout)
		defer cancel()
		res := w.confirmedOnPage(ctx, s, c, page)
		if g.metrics != nil {
			g.metrics.ToolCall(c.name, outcome(res, nil, ""), time.Since(start))
		}
		return res
	})
	if err != nil {
		setOutcome(ctx, "error")
		return mcp.NewToolResultError("Nothing was done: the confirmation page cannot be served (" + err.Error() + "). The operator can turn on the code mode (--write-confirmation code), or use a client that can ask the person.")
	}
	if can.url {
		return server.NewInputRequestBuilder(g.seal.issue(kindPage, c.caller, c.bound)).Elicit("confirm", mcp.ElicitationParams{
			Mode: mcp.ElicitationModeURL, Message: "Confirm on this page: " + firstLine(c.preview), ElicitationID: p.id, URL: p.url,
		}).ToolResult()
	}
	return mcp.NewToolResultText(fmt.Sprintf("Not done yet: a person must confirm it on a page this server shows. Give them this link, with what it will do:\n\n%s\n\n%s\n\nNothing is done until they press the button there (valid %d minutes, once); you cannot confirm it for them. After they have, call %s again with the same arguments to learn the outcome.", c.preview, p.url, int(ConfirmationTTL.Minutes()), w.name))
}

// confirmedOnPage carries out a write the person confirmed on its page:
// once, the page claimed in the ledger.
func (w write[In, P]) confirmedOnPage(ctx context.Context, s serving, c *writeCall[P], page string) *mcp.CallToolResult {
	sum := sha256.Sum256([]byte(page)) // the ledger never holds a page's address
	claimed, err := c.g.ledger.Claim(ctx, "page:"+hex.EncodeToString(sum[:16]), nil, 2*ConfirmationTTL)
	switch {
	case err != nil:
		return c.refuse(ctx, "page", err)
	case !claimed:
		return mcp.NewToolResultError("Nothing more was done: this confirmation was already used.")
	}
	return w.carryOut(ctx, s, c, "page")
}

// refuse answers a write that was not made because the ledger could not
// be read or written.
func (c *writeCall[P]) refuse(ctx context.Context, confirmedBy string, err error) *mcp.CallToolResult {
	c.audit(ctx, "refused: ledger", confirmedBy, slog.String("error", err.Error()))
	where := "no ledger"
	if c.g.ledger != nil {
		where = c.g.ledger.String()
	}
	return mcp.NewToolResultError(fmt.Sprintf("Nothing was done: the ledger of confirmed writes (%s) cannot be read now (%v), and without it nothing is sent on a guess. Try again shortly; if it persists, the operator must check it.", where, err))
}

// audit writes the audit line of the call: never a text, key or token.
func (c *writeCall[P]) audit(ctx context.Context, outcome, confirmedBy string, attrs ...slog.Attr) {
	attrs = append([]slog.Attr{slog.String("tool", c.name), slog.String("outcome", outcome),
		slog.String("confirmed_by", confirmedBy), slog.String("caller", c.caller)}, append(c.plan.audit, attrs...)...)
	c.g.audit.LogAttrs(ctx, slog.LevelInfo, "write", attrs...)
}

// ledgerKey is the ledger's key of kind for this call's identical sends.
func (c *writeCall[P]) ledgerKey(kind string) string {
	return sendKey(kind, c.caller, c.plan.repeatKey)
}

// sendKey is the ledger's key of kind for caller's sends of repeatKey.
func sendKey(kind, caller, repeatKey string) string {
	sum := sha256.Sum256([]byte(caller + "\n" + repeatKey))
	return kind + ":" + hex.EncodeToString(sum[:16])
}

// lastSend returns the send identical to this call's within repeatWindow,
// if any.
func (c *writeCall[P]) lastSend(ctx context.Context) (recentSend, bool, error) {
	if c.plan.repeatKey == "" {
		return recentSend{}, false, nil
	}
	return c.g.lastSend(ctx, c.caller, c.plan.repeatKey)
}

// lastSend returns caller's send of repeatKey within repeatWindow, if any.
func (g *writeGuard) lastSend(ctx context.Context, caller, repeatKey string) (recentSend, bool, error) {
	raw, ok, err := g.ledger.Get(ctx, sendKey("sent", caller, repeatKey))
	if err != nil || !ok {
		return recentSend{}, false, err
	}
	var s recentSend
	if json.Unmarshal(raw, &s) != nil || g.now().Sub(s.At) >= repeatWindow {
		return recentSend{}, false, nil
	}
	return s, true, nil
}

// noteSend records a send of this call's text, for repeatWindow.
func (c *writeCall[P]) noteSend(ctx context.Context, s recentSend) {
	if c.plan.repeatKey == "" {
		return
	}
	c.g.noteSend(ctx, c.name, c.caller, c.plan.repeatKey, s)
}

// noteSend records caller's send of repeatKey, for repeatWindow. A failure
// to record it is logged: the text has gone, and saying otherwise would be
// false.
func (g *writeGuard) noteSend(ctx context.Context, tool, caller, repeatKey string, s recentSend) {
	raw, _ := json.Marshal(s)
	if err := g.ledger.Put(context.WithoutCancel(ctx), sendKey("sent", caller, repeatKey), raw, repeatWindow+time.Minute); err != nil {
		g.audit.Warn("a send could not be recorded in the ledger: an identical one within 10 minutes will not be called a repeat", "tool", tool, "err", err)
	}
}

// A textOnce sends one of the separate texts of a confirmed write at most
// once, under the ledger, as carryOut sends a single one: claimed while in
// flight, and never to a recipient who got it within repeatWindow.
type textOnce struct {
	g      *writeGuard
	caller string
}

// A textOutcome is how one of the separate texts ended.
type textOutcome struct {
	ID       string      // sent: the message's ID
	Earlier  *recentSend // not sent: sent (or perhaps sent) within repeatWindow
	InFlight bool        // not sent: an identical send is being made
	Unclear  error       // perhaps sent: a *client.MaybeSentError
	Failed   error       // not sent: OpenPhone refused it, or it could not be tried
	Ledger   error       // not tried: the ledger could not be read or written
}

// send sends the text of repeatKey by send, once, and says how it ended.
func (o textOnce) send(ctx context.Context, tool, repeatKey string, send func() (id string, err error)) textOutcome {
	g := o.g
	key := sendKey("sending", o.caller, repeatKey)
	ok, err := g.ledger.Claim(ctx, key, nil, g.inFlightTTL())
	switch {
	case err != nil:
		return textOutcome{Ledger: err}
	case !ok:
		return textOutcome{InFlight: true}
	}
	defer g.ledger.Release(context.WithoutCancel(ctx), key)
	prev, repeated, err := g.lastSend(ctx, o.caller, repeatKey)
	switch {
	case err != nil:
		return textOutcome{Ledger: err}
	case repeated:
		return textOutcome{Earlier: &prev}
	}
	id, err := send()
	var maybe *client.MaybeSentError
	switch {
	case errors.As(err, &maybe):
		g.noteSend(ctx, tool, o.caller, repeatKey, recentSend{At: g.now(), Unclear: true})
		return textOutcome{Unclear: maybe}
	case err != nil:
		return textOutcome{Failed: err}
	}
	g.noteSend(ctx, tool, o.caller, repeatKey, recentSend{At: g.now(), ID: id})
	return textOutcome{ID: id}
}

// redeem checks token, of kind, for this call and spends it in the
// ledger. repeat says it was issued before an identical send made since:
// it is not spent, and the person must be asked again, told so.
func (c *writeCall[P]) redeem(ctx context.Context, kind byte, token string) (problem tokenProblem, expiry time.Time, repeat bool, err error) {
	problem, expiry, matched, nonce := c.g.seal.check(kind, token, c.caller, c.bound, c.unaware)
	if problem != tokenOK {
		return problem, expiry, false, nil
	}
	problem, err = c.g.spend(ctx, nonce, expiry, matched == 0)
	return problem, expiry, problem == tokenOK && matched == 1, err
}

// spend claims a token's nonce in the ledger until it expires: a token
// confirms one write, whichever replica it reaches. Unless claim, it only
// says whether the token was spent.
func (g *writeGuard) spend(ctx context.Context, nonce string, expiry time.Time, claim bool) (tokenProblem, error) {
	if !claim {
		_, spent, err := g.ledger.Get(ctx, "spent:"+nonce)
		if spent {
			return tokenSpent, err
		}
		return tokenOK, err
	}
	ok, err := g.ledger.Claim(ctx, "spent:"+nonce, nil, expiry.Sub(g.now())+time.Minute)
	switch {
	case err != nil:
		return tokenOK, err
	case !ok:
		return tokenSpent, nil
	}
	return tokenOK, nil
}

// inFlightTTL bounds how long a send being made blocks an identical one,
// should its process die before it says how it ended.
func (g *writeGuard) inFlightTTL() time.Duration { return g.timeout + time.Minute }

// confirmField is the box a person ticks in the client's form.
const confirmField = "confirm"

// confirmSchema is the form the client shows the person: one box to tick.
var confirmSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		confirmField: map[string]any{"type": "boolean", "title": "Yes, do exactly this", "default": false},
	},
	"required": []string{confirmField},
}

// ticked reports whether a form's answer ticked the box.
func ticked(content any) bool {
	m, ok := content.(map[string]any)
	if !ok {
		return false
	}
	v, ok := m[confirmField].(bool)
	return ok && v
}

// elicits is what the client of a request can ask its person.
type elicits struct{ form, url bool }

// canElicit says what the client of ctx's request can ask its person: a
// 2026-07-28 request declaring elicitation, or an older session that
// declared it and can be sent the request (over stdio; stateless HTTP
// cannot carry a request from the server). A declaration without modes is
// the form (MCP 2025-11-25).
func canElicit(ctx context.Context) elicits {
	var capability *mcp.ElicitationCapability
	if info := server.RequestProtocolInfoFromContext(ctx); info != nil && info.Modern {
		if info.ClientCapabilities != nil {
			capability = info.ClientCapabilities.Elicitation
		}
	} else {
		session := server.ClientSessionFromContext(ctx)
		withInfo, ok := session.(server.SessionWithClientInfo)
		if _, can := session.(server.SessionWithElicitation); ok && can {
			capability = withInfo.GetClientCapabilities().Elicitation
		}
	}
	if capability == nil {
		return elicits{}
	}
	return elicits{form: capability.Form != nil || capability.URL == nil, url: capability.URL != nil}
}

// personKey is the context key of the signed-in person a call is made for.
type personKey struct{}

// WithPerson returns a context whose calls are made for the signed-in
// person subject (the OAuth subject): their writes are confirmed, guarded
// against repeats and audited as theirs, not as the key's.
func WithPerson(ctx context.Context, subject string) context.Context {
	return context.WithValue(ctx, personKey{}, subject)
}

// callerOf names who makes a call, for confirmations and the audit line:
// the key's fingerprint, and the signed-in person's subject.
func callerOf(ctx context.Context, a *Account) string {
	caller := a.client.KeyFingerprint()
	if subject, _ := ctx.Value(personKey{}).(string); subject != "" {
		caller += " sub:" + strconv.Quote(subject)
	}
	return caller
}

// firstLine is s up to its first line break.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// canonical is the request as the confirmation binds it: its JSON, with
// every field (exported fields in order, so the same request always reads
// the same).
func canonical(p any) string {
	b, _ := json.Marshal(p)
	return string(b)
}

// describeUnclear says in a few words how an unclear write ended.
func describeUnclear(err *client.MaybeSentError) string {
	var apiErr *client.APIError
	switch {
	case err.Accepted:
		return "it accepted the request, with an answer that could not be read"
	case errors.As(err, &apiErr):
		return fmt.Sprintf("OpenPhone answered %d %s", apiErr.Status, apiErr.Title)
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer in time"
	default:
		return "the connection failed after the request was sent"
	}
}

// repeatWindow is how long a send makes an identical one a repeat.
const repeatWindow = 10 * time.Minute

// A recentSend is a text sent (or perhaps sent) at a time, as the ledger
// keeps it.
type recentSend struct {
	At      time.Time `json:"at"`
	ID      string    `json:"id,omitempty"` // the message's ID, "" when unclear
	Unclear bool      `json:"unclear,omitempty"`
}

// marker names the send a confirmation knew of: a confirmation issued
// before it does not confirm its repeat.
func (s recentSend) marker() string {
	if s.At.IsZero() {
		return ""
	}
	return s.ID + "@" + s.At.UTC().Format(time.RFC3339Nano)
}

// warning says, for the preview, that a send repeats this one.
func (s recentSend) warning(now time.Time) string {
	ago := now.Sub(s.At).Round(time.Minute)
	when := fmt.Sprintf("%v ago", ago)
	if ago < time.Minute {
		when = "less than a minute ago"
	}
	if s.Unclear {
		return "WARNING: an identical text from this line to these numbers was tried " + when + " and may have been sent (OpenPhone's answer was unclear)."
	}
	return "WARNING: this repeats a text sent " + when + " (message " + s.ID + ") from this line to these numbers."
}
