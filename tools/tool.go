package tools

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/contacts"
)

// A tool declares one MCP tool: what the model reads about it, the
// arguments it takes, the request they make, and how the answer reads.
// Everything else is done by handle, the same way for every tool.
//
// In is the tool's arguments as the model sends them: the published
// inputSchema is reflected from its type, tags and JSONSchemaExtend. P is
// the client request that the arguments make, and Out the answer: the text
// is rendered from it, and with structured output it is also the
// structuredContent, whose schema is reflected from its type.
//
// To add a tool, copy the declaration of one that reads alike (list_users
// is the smallest), and add it to NewServer's list.
type tool[In arguments[P], P request, Out any] struct {
	name, title, description string
	// defaults is what the arguments are before decoding: what an argument
	// left out means.
	defaults In
	// call sends the request with the account's client (answer makes the
	// call of a tool that sends one request). The client validates it
	// first and answers a client.ValidationError when it is invalid,
	// sending nothing.
	call func(ctx context.Context, a *Account, p P) (Out, error)
	// sent says what a request asked for, for the message of its failure.
	sent func(p P) sentRequest
	// advice is added to what an error about an argument wants, by the
	// argument's name: where to find a valid value.
	advice map[string]string
	// mentions lists the lines, users and outside numbers the answer
	// names; the legend names them. Nil for an answer that names none.
	mentions func(p P, out Out) mentions
	// render writes what the model reads.
	render func(p P, out Out, l legend) string
}

// A request is a client request: it knows the API's rules for itself.
type request interface{ Validate() error }

// The arguments of a tool make its request. Where the model may name a
// line, lines holds each given line's ID, by the value given.
type arguments[P any] interface {
	request(lines lineIDs) P
}

// namedLines is implemented by the arguments that may name lines (by
// number or name, beside the IDs the API takes).
type namedLines interface {
	// lines returns the line values given, and which of them the API
	// takes as they are.
	lines() (args []lineArg, taken func(string) bool)
}

// mentions are the lines, users and outside numbers an answer names, each
// once, in order of first mention.
type mentions struct{ lines, users, numbers []string }

// A legend is what the look-ups found for an answer's mentions: the names
// of its lines and users, or why there are none; and its numbers'
// contacts.
type legend struct {
	mentions
	names    *names
	err      error
	contacts contacts.View
}

// explained is a failure that a tool has put into words for the model.
type explained string

func (e explained) Error() string { return string(e) }

// serverTool returns t as mcp-go serves it.
func (t tool[In, P, Out]) serverTool(s serving) server.ServerTool {
	return server.ServerTool{
		Tool: s.readOnlyTool(t.name, t.title, t.description, new(In), new(Out)),
		Handler: func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return t.handle(ctx, s, req.Params.Arguments), nil
		},
	}
}

// handle answers one call: it decodes the arguments, resolves line names,
// reads numbers (readNumbers), validates the request once (the client
// does, before it sends), calls the client, looks up the names of what the
// answer mentions, and renders it after its opening (the window, the
// repeats).
func (t tool[In, P, Out]) handle(ctx context.Context, s serving, args any) *mcp.CallToolResult {
	a := s.account(ctx)
	in := t.defaults
	decodeErrs := decodeArguments(args, &in)
	ids, lineNames, lineErrs, lookupErr := resolveLines(ctx, a, in)
	numberErrs, repeated := readNumbers(ctx, a, &in, ids)
	refused := append(append(slices.Clip(decodeErrs), lineErrs...), numberErrs...)
	p := in.request(ids)
	invalid := func(err error) *mcp.CallToolResult {
		errs := combine(refused, validationErrors(err))
		return argumentError(withAdvice(withLineChoices(errs, lineNames, lookupErr), t.advice))
	}
	if len(refused) > 0 || a == nil {
		// Nothing will be sent, so the request is validated here.
		if err := p.Validate(); err != nil || len(refused) > 0 {
			return invalid(err)
		}
		return mcp.NewToolResultError(s.missingKeyMessage())
	}
	out, err := t.call(ctx, a, p)
	if res := s.failure(ctx, err, invalid, t.sent(p)); res != nil {
		return res
	}
	var l legend
	if t.mentions != nil {
		l = a.legend(ctx, t.mentions(p, out))
	}
	return s.result(out, opening(clockOf(ctx)(), in, out, repeated)+t.render(p, out, l))
}

// failure is the result of a call that failed with err, nil when it did
// not: invalid answers a client.ValidationError, an explained failure is
// said as it is, and any other is OpenPhone's, for what sent asked.
func (s serving) failure(ctx context.Context, err error, invalid func(error) *mcp.CallToolResult, sent sentRequest) *mcp.CallToolResult {
	var verr client.ValidationError
	var said explained
	switch {
	case err == nil:
		return nil
	case errors.As(err, &verr):
		return invalid(err)
	case errors.As(err, &said):
		return mcp.NewToolResultError(string(said))
	default:
		return s.upstreamError(ctx, err, sent)
	}
}

// legend looks up the names of what an answer mentions: its lines and
// users, and, at the same time, its numbers' contacts.
func (a *Account) legend(ctx context.Context, m mentions) legend {
	l := legend{mentions: m}
	var wg sync.WaitGroup
	if len(m.numbers) > 0 {
		wg.Go(func() { l.contacts = a.contacts.View(ctx) })
	}
	l.names, l.err = a.dir.lookup(ctx, m.lines, m.users)
	wg.Wait()
	return l
}

// answer is the call of a tool that makes one request: it calls the
// client's method, and makes the tool's answer of what came back.
func answer[P, A, Out any](method func(*client.Client, context.Context, P) (A, error), result func(A) Out) func(context.Context, *Account, P) (Out, error) {
	return func(ctx context.Context, acct *Account, p P) (Out, error) {
		a, err := method(acct.client, ctx, p)
		if err != nil {
			var none Out
			return none, err
		}
		return result(a), nil
	}
}

// resolveLines finds the IDs of the lines that in names by number or name,
// when it may name lines and some value is not an ID; it returns what it
// found, the lines it looked in or why it could not, and the numbers that
// are no line of the workspace.
func resolveLines(ctx context.Context, a *Account, in any) (lineIDs, *names, client.ValidationError, error) {
	named, ok := in.(namedLines)
	if !ok || a == nil {
		return nil, nil, nil, nil
	}
	args, taken := named.lines()
	values := make([]string, len(args))
	for i, arg := range args {
		values[i] = arg.value
	}
	ids, n, err := a.dir.resolve(ctx, values, taken)
	return ids, n, notLines(args, n), err
}
