package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// A write declares a tool that changes the workspace. It is published only
// when writes are on, and what it would do is sent only once a person has
// confirmed the exact effect: through elicitation where the client can
// ask, else with a one-time code the model passes back after showing the
// person the preview (or, for unattended agents, never asked, when the
// operator turned confirmation off).
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
}

// confirmable is implemented by a write's arguments: confirm is the
// confirmation code of a previous call, "" for none.
type confirmable interface{ confirmCode() string }

// confirmInput is the argument every write takes beside its own.
type confirmInput struct {
	Confirm string `json:"confirm,omitempty" jsonschema:"description=Only after the person said yes to the preview a previous call answered: the code that came with it."`
}

func (c confirmInput) confirmCode() string { return c.Confirm }

// A writeGuard is what every write is served with: the seal of its
// confirmations, the texts recently sent, and where audit lines go.
type writeGuard struct {
	seal *seal
	// unattended skips confirmation (OPENPHONE_WRITE_CONFIRMATION=off).
	unattended bool
	recent     recentSends
	audit      *slog.Logger
	now        func() time.Time
}

func newWriteGuard(cfg Config) *writeGuard {
	now := time.Now
	if cfg.writeClock != nil {
		now = cfg.writeClock
	}
	return &writeGuard{
		seal: newSeal(cfg.ConfirmationSecret, now), unattended: cfg.Unattended, audit: cfg.Logger, now: now,
		recent: recentSends{sent: map[string]recentSend{}, inFlight: map[string]bool{}},
	}
}

// serverTool returns w as mcp-go serves it.
func (w write[In, P]) serverTool(s serving) server.ServerTool {
	t := mcp.NewToolWithRawSchema(w.name, w.description, reflectSchema(new(In)))
	t.Annotations = w.annotations
	t.Annotations.Title = w.title
	return server.ServerTool{
		Tool: t,
		Handler: func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return w.handle(ctx, s, req), nil
		},
	}
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
	caller := a.client.KeyFingerprint()
	audit := func(outcome, confirmedBy string, attrs ...slog.Attr) {
		attrs = append([]slog.Attr{slog.String("tool", w.name), slog.String("outcome", outcome),
			slog.String("confirmed_by", confirmedBy), slog.String("caller", caller)}, append(pl.audit, attrs...)...)
		g.audit.LogAttrs(ctx, slog.LevelInfo, "write", attrs...)
	}
	repeat, repeated := g.recent.lookup(caller, pl.repeatKey, g.now())
	preview := pl.preview
	if repeated {
		preview = repeat.warning(g.now()) + " " + preview
	}
	// A confirmation is bound to the request and to the identical send it
	// knew of: one issued before a send (unaware of it) does not confirm
	// its repeat.
	binding := w.name + "\n" + canonical(pl.request) + "\n"
	bound, unaware := binding+repeat.marker(), binding

	var confirmedBy string
	switch answer := server.ElicitationResponse(req.Params.InputResponses, "confirm"); {
	case g.unattended:
		if repeated {
			audit("refused: repeat", "unattended")
			return mcp.NewToolResultError("Nothing was sent: " + repeat.warning(g.now()) + " With confirmation off, a repeat is never sent. If it must go again, the person can send it, or you can wait until the 10 minutes have passed.")
		}
		confirmedBy = "unattended"
	case answer != nil:
		problem, expiry, matched := g.seal.check(kindState, req.Params.RequestState, caller, bound, unaware)
		if problem == tokenOK && matched == 1 {
			return w.ask(ctx, g, caller, bound, preview) // a repeat since it was asked: ask again, saying so
		}
		if problem != tokenOK {
			audit("confirmation "+problem.String(), "elicitation")
			return mcp.NewToolResultError(confirmationProblem(problem, expiry, w.name, true))
		}
		switch answer.Action {
		case mcp.ElicitationResponseActionAccept:
			confirmedBy = "elicitation"
		case mcp.ElicitationResponseActionDecline:
			audit("declined", "elicitation")
			return mcp.NewToolResultText("The person declined: nothing was done. Do not try again unless they ask.")
		default:
			audit("cancelled", "elicitation")
			return mcp.NewToolResultText("The person dismissed the confirmation without answering: nothing was done. Ask them in the chat before trying again.")
		}
	case in.confirmCode() != "":
		problem, expiry, matched := g.seal.check(kindCode, in.confirmCode(), caller, bound, unaware)
		if problem == tokenOK && matched == 1 {
			return w.ask(ctx, g, caller, bound, preview) // a repeat since the code was issued: ask again, saying so
		}
		if problem != tokenOK {
			audit("confirmation "+problem.String(), "code")
			return mcp.NewToolResultError(confirmationProblem(problem, expiry, w.name, false))
		}
		confirmedBy = "code"
	default:
		return w.ask(ctx, g, caller, bound, preview)
	}

	if pl.repeatKey != "" {
		if !g.recent.begin(caller, pl.repeatKey) {
			audit("refused: identical send in flight", confirmedBy)
			return mcp.NewToolResultError("Nothing was sent: an identical text from this line to these numbers is being sent right now. Check with list_messages in a few seconds.")
		}
		defer g.recent.end(caller, pl.repeatKey)
		// An identical send may have ended between the look-up above and
		// now: then this one is a repeat the person has not confirmed.
		if now, ok := g.recent.lookup(caller, pl.repeatKey, g.now()); ok && now.marker() != repeat.marker() {
			return w.ask(ctx, g, caller, binding+now.marker(), now.warning(g.now())+" "+pl.preview)
		}
	}
	text, id, err := w.do(ctx, a, pl.request)
	var maybe *client.MaybeSentError
	switch {
	case errors.As(err, &maybe):
		g.recent.note(caller, pl.repeatKey, recentSend{at: g.now(), unclear: true})
		audit("unclear", confirmedBy, slog.String("error", describeUnclear(maybe)))
		return mcp.NewToolResultError(fmt.Sprintf("Unclear whether it was done: OpenPhone's answer did not say (%s). It was not tried again, so that nothing happens twice. %s", describeUnclear(maybe), pl.check))
	case err != nil:
		outcome := "failed"
		if errors.As(err, new(explained)) {
			outcome = "failed part way" // some of its requests were made
		}
		audit(outcome, confirmedBy, slog.Int("status", apiStatus(err)))
		return s.failure(ctx, err, invalid, sentRequest{})
	}
	g.recent.note(caller, pl.repeatKey, recentSend{at: g.now(), id: id})
	audit("done", confirmedBy, slog.String("id", id))
	return mcp.NewToolResultText(text)
}

// ask answers a call that needs the person's yes: an elicitation, where
// the client can ask, else the preview and a one-time code.
func (w write[In, P]) ask(ctx context.Context, g *writeGuard, caller, bound, preview string) *mcp.CallToolResult {
	if canElicit(ctx) {
		state := g.seal.issue(kindState, caller, bound)
		return server.NewInputRequestBuilder(state).Elicit("confirm", mcp.ElicitationParams{
			Message:         preview,
			RequestedSchema: map[string]any{"type": "object", "properties": map[string]any{}},
		}).ToolResult()
	}
	code := g.seal.issue(kindCode, caller, bound)
	return mcp.NewToolResultText(fmt.Sprintf("Not done yet: a person must confirm it first. Show them exactly this:\n\n%s\n\nIf they say yes, call %s again with the same arguments and confirm %q (valid %d minutes, once). If they say no or want a change, do not use this code.", preview, w.name, code, int(ConfirmationTTL.Minutes())))
}

// canElicit reports whether the client of ctx's request can ask its user:
// a 2026-07-28 request declaring elicitation, or an older session that
// declared it and can be sent the request (over stdio; stateless HTTP
// cannot carry a request from the server).
func canElicit(ctx context.Context) bool {
	if info := server.RequestProtocolInfoFromContext(ctx); info != nil && info.Modern {
		return info.ClientCapabilities != nil && info.ClientCapabilities.Elicitation != nil
	}
	session := server.ClientSessionFromContext(ctx)
	withInfo, ok := session.(server.SessionWithClientInfo)
	_, elicits := session.(server.SessionWithElicitation)
	return ok && elicits && withInfo.GetClientCapabilities().Elicitation != nil
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

// recentSends remembers, per caller, the texts sent in the last
// repeatWindow, and those being sent now.
type recentSends struct {
	mu       sync.Mutex
	sent     map[string]recentSend
	inFlight map[string]bool
}

// A recentSend is a text sent (or perhaps sent) at a time.
type recentSend struct {
	at      time.Time
	id      string // the message's ID, "" when unclear
	unclear bool
}

// lookup returns the send identical to key within repeatWindow, if any.
func (r *recentSends) lookup(caller, key string, now time.Time) (recentSend, bool) {
	if key == "" {
		return recentSend{}, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, s := range r.sent {
		if now.Sub(s.at) >= repeatWindow {
			delete(r.sent, k)
		}
	}
	s, ok := r.sent[caller+"\n"+key]
	return s, ok
}

// note records a send of key.
func (r *recentSends) note(caller, key string, s recentSend) {
	if key == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent[caller+"\n"+key] = s
}

// begin marks key as being sent, unless it already is.
func (r *recentSends) begin(caller, key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.inFlight[caller+"\n"+key] {
		return false
	}
	r.inFlight[caller+"\n"+key] = true
	return true
}

func (r *recentSends) end(caller, key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.inFlight, caller+"\n"+key)
}

// marker names the send a confirmation knew of: a confirmation issued
// before it does not confirm its repeat.
func (s recentSend) marker() string {
	if s.at.IsZero() {
		return ""
	}
	return s.id + "@" + s.at.UTC().Format(time.RFC3339Nano)
}

// warning says, for the preview, that a send repeats this one.
func (s recentSend) warning(now time.Time) string {
	ago := now.Sub(s.at).Round(time.Minute)
	when := fmt.Sprintf("%v ago", ago)
	if ago < time.Minute {
		when = "less than a minute ago"
	}
	if s.unclear {
		return "WARNING: an identical text from this line to these numbers was tried " + when + " and may have been sent (OpenPhone's answer was unclear)."
	}
	return "WARNING: this repeats a text sent " + when + " (message " + s.id + ") from this line to these numbers."
}
