package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// registeredEvents are the events `webhooks register` subscribes the
// receiver to, by kind: what the store keeps. call.ringing is left out:
// a call is stored once it ends.
var registeredEvents = []struct {
	kind   client.WebhookKind
	events []string
}{
	{client.WebhookMessages, []string{"message.received", "message.delivered"}},
	{client.WebhookCalls, []string{"call.completed", "call.recording.completed"}},
	{client.WebhookCallSummaries, []string{"call.summary.completed"}},
	{client.WebhookCallTranscripts, []string{"call.transcript.completed"}},
}

const webhooksUsage = `Usage:
  openphone-mcp webhooks register --url https://HOST/webhooks/openphone [--label L] [--lines PN1,PN2]
  openphone-mcp webhooks list [--show-keys]
  openphone-mcp webhooks remove ID [ID...]
  openphone-mcp webhooks remove --url URL
`

// webhooksCommand runs `webhooks register`, `list` or `remove` with the
// key's client c (nil without a key), and returns the exit status. What it
// did is written to out, for a person; what went wrong to errOut.
func webhooksCommand(ctx context.Context, c *client.Client, args []string, out, errOut io.Writer) int {
	fail := func(status int, format string, a ...any) int {
		fmt.Fprintf(errOut, "openphone-mcp: webhooks"+format+"\n", a...)
		return status
	}
	if len(args) == 0 || args[0] == "" {
		fmt.Fprint(errOut, webhooksUsage)
		return 2
	}
	verb := args[0]
	flags := flag.NewFlagSet("webhooks "+verb, flag.ContinueOnError)
	flags.SetOutput(errOut)
	flags.Usage = func() { fmt.Fprint(errOut, webhooksUsage); flags.PrintDefaults() }
	var hookURL, label, lines *string
	var showKeys *bool
	switch verb {
	case "register":
		hookURL = flags.String("url", "", "the receiver's public https URL, such as https://mcp.example.com/webhooks/openphone")
		label = flags.String("label", "openphone-mcp", "the webhooks' label, as OpenPhone's app shows it")
		lines = flags.String("lines", client.EveryLine, `the lines to report on: their IDs (PN…) or numbers, comma-separated, or * for every line`)
	case "list":
		showKeys = flags.Bool("show-keys", false, "print each webhook's signing key too")
	case "remove":
		hookURL = flags.String("url", "", "remove every webhook that delivers to this URL")
	default:
		fmt.Fprint(errOut, webhooksUsage)
		return fail(2, " %q: want register, list or remove", verb)
	}
	if err := flags.Parse(args[1:]); err != nil {
		return 2
	}
	rest := flags.Args()
	if i := slices.IndexFunc(rest, func(a string) bool { return strings.HasPrefix(a, "-") }); i >= 0 {
		return fail(2, " %s: %s: flags go before the IDs, as in openphone-mcp webhooks %s [flags] ID...", verb, rest[i], verb)
	}
	switch {
	case verb == "register" && len(rest) > 0, verb == "list" && len(rest) > 0:
		return fail(2, " %s: unexpected argument %q", verb, rest[0])
	case verb == "register" && *hookURL == "":
		return fail(2, " register: --url is required: the public https URL of this server's /webhooks/openphone")
	case verb == "remove" && (*hookURL == "") == (len(rest) == 0):
		return fail(2, " remove: give the webhooks' IDs (WH…), or --url URL to remove every webhook for that URL, not both")
	}
	// What can be checked here is, before anything is sent.
	if verb == "register" {
		if err := client.CheckWebhookURL(*hookURL); err != nil {
			return fail(2, " register: --url %q %v", redactedURL(*hookURL), err)
		}
	}
	for _, id := range rest {
		if !client.IsWebhookID(id) {
			return fail(2, " remove: %q is not a webhook ID: want an ID that starts with WH (openphone-mcp webhooks list lists them)", id)
		}
	}
	if c == nil {
		return fail(2, " %s talks to OpenPhone: set OPENPHONE_API_KEY (or run with --demo)", verb)
	}
	w := webhookAdmin{c: c, out: out, errOut: errOut}
	switch verb {
	case "register":
		return w.register(ctx, *hookURL, *label, *lines)
	case "list":
		return w.list(ctx, *showKeys)
	default:
		return w.remove(ctx, rest, *hookURL)
	}
}

// webhookAdmin registers, lists and removes the webhooks of a key's
// workspace (its owner's), and says what it did.
type webhookAdmin struct {
	c           *client.Client
	out, errOut io.Writer
}

func (w webhookAdmin) fail(format string, a ...any) int {
	fmt.Fprintf(w.errOut, "openphone-mcp: webhooks "+format+"\n", a...)
	return 1
}

// register makes sure that a webhook of each of registeredEvents delivers
// to url, creating those that do not, and prints the keys to configure.
func (w webhookAdmin) register(ctx context.Context, url, label, lines string) int {
	resources, err := w.lines(ctx, lines)
	if err != nil {
		return w.fail("register: --lines %q: %v", lines, err)
	}
	existing, err := w.c.ListWebhooks(ctx, client.ListWebhooksParams{})
	if err != nil {
		return w.fail("register: listing the webhooks there are: %v", err)
	}
	// otherLines are the webhooks already registered for other lines than
	// --lines: they are kept, not doubled by another for the same events.
	var keys, notes, otherLines []string
	tw := tabwriter.NewWriter(w.out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w.out, "Webhooks delivering to %s (%s):\n", url, linesText(resources))
	for _, want := range registeredEvents {
		if h, ok := findWebhook(existing, url, want.kind, want.events); ok {
			state := "already registered"
			if !slices.Equal(sorted(h.ResourceIDs), sorted(resources)) {
				state = "already registered, for " + linesText(h.ResourceIDs)
				otherLines = append(otherLines, h.ID)
			}
			if h.Status != client.WebhookEnabled {
				state += ", " + h.Status
				notes = append(notes, fmt.Sprintf("%s is %s: enable it in OpenPhone's app (Settings → Webhooks), or remove it and register again.", h.ID, h.Status))
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", want.kind, h.ID, strings.Join(h.Events, ", "), state)
			keys = append(keys, h.Key)
			continue
		}
		h, err := w.c.CreateWebhook(ctx, client.CreateWebhookParams{Kind: want.kind, URL: url, Events: want.events, Label: label, ResourceIDs: resources})
		if err != nil {
			tw.Flush()
			return w.fail("register: creating the %s webhook: %v\n%s", want.kind, err, registerAgain(err))
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", want.kind, h.ID, strings.Join(h.Events, ", "), "created")
		keys = append(keys, h.Key)
	}
	contacts := slices.IndexFunc(existing, func(h client.Webhook) bool { return h.URL == url && h.Kind() == client.WebhookContacts })
	if contacts >= 0 {
		h := existing[contacts]
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", client.WebhookContacts, h.ID, strings.Join(h.Events, ", "), "registered in OpenPhone's app")
		keys = append(keys, h.Key)
	}
	tw.Flush()
	list := strings.Join(keys, ",")
	fmt.Fprintf(w.out, "\nGive the receiver these signing keys (they are secrets: keep them out of chats and tickets):\n\n  OPENPHONE_WEBHOOK_KEYS=%s\n\nor --webhook-keys %s (the variable is better: flags show in ps).\n", list, list)
	if contacts < 0 {
		fmt.Fprintf(w.out, "\ncontact.updated and contact.deleted cannot be registered through the API: add a webhook for %s\nwith those two events in OpenPhone's app (Settings → Webhooks), then add its key to the same list.\n", url)
	}
	if len(otherLines) > 0 {
		notes = append(notes, fmt.Sprintf("%s were registered for other lines than asked (%s): to change that, remove them (openphone-mcp webhooks remove %s) and register again.",
			strings.Join(otherLines, ", "), linesText(resources), strings.Join(otherLines, " ")))
	}
	for _, n := range notes {
		fmt.Fprintf(w.out, "\nNote: %s\n", n)
	}
	return 0
}

// registerAgain says what to do after a create failed with err.
func registerAgain(err error) string {
	var maybe *client.MaybeSentError
	if errors.As(err, &maybe) {
		return "It may have been created: openphone-mcp webhooks list shows it, and register again reuses it rather than making another."
	}
	return "The webhooks listed above are in place: register again once that is fixed, and it makes only what is missing."
}

// findWebhook is the webhook of kind with exactly events that delivers to
// url, if there is one.
func findWebhook(hooks []client.Webhook, url string, kind client.WebhookKind, events []string) (client.Webhook, bool) {
	i := slices.IndexFunc(hooks, func(h client.Webhook) bool {
		return h.URL == url && h.Kind() == kind && slices.Equal(sorted(h.Events), sorted(events))
	})
	if i < 0 {
		return client.Webhook{}, false
	}
	return hooks[i], true
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// lines reads --lines: "*", or line IDs and numbers, which are looked up.
func (w webhookAdmin) lines(ctx context.Context, flagValue string) ([]string, error) {
	items := splitList(flagValue)
	if len(items) == 0 || slices.Equal(items, []string{client.EveryLine}) {
		return []string{client.EveryLine}, nil
	}
	if slices.Contains(items, client.EveryLine) {
		return nil, errors.New(`"*" means every line: give it alone, or give lines alone`)
	}
	var ids []string
	var numbers map[string]string
	for _, item := range items {
		switch {
		case client.IsPhoneNumberID(item):
			ids = append(ids, item)
		case client.IsE164(item):
			if numbers == nil {
				lines, err := w.c.ListPhoneNumbers(ctx, client.ListPhoneNumbersParams{})
				if err != nil {
					return nil, fmt.Errorf("looking up %s: %w", item, err)
				}
				numbers = map[string]string{}
				for _, l := range lines.Data {
					numbers[l.Number] = l.ID
				}
			}
			id, ok := numbers[item]
			if !ok {
				return nil, fmt.Errorf("no line of this workspace has the number %s (openphone-mcp call list_phone_numbers lists them)", item)
			}
			ids = append(ids, id)
		default:
			return nil, fmt.Errorf("%q is neither a line's ID (PN…) nor an E.164 number (+15555550100)", item)
		}
	}
	return ids, nil
}

// linesText names the lines a webhook reports on.
func linesText(ids []string) string {
	if len(ids) == 0 || slices.Equal(ids, []string{client.EveryLine}) {
		return "every line"
	}
	return "lines " + strings.Join(ids, ", ")
}

// list prints the webhooks of the key's workspace owner.
func (w webhookAdmin) list(ctx context.Context, showKeys bool) int {
	hooks, err := w.c.ListWebhooks(ctx, client.ListWebhooksParams{})
	if err != nil {
		return w.fail("list: %v", err)
	}
	if len(hooks) == 0 {
		fmt.Fprintln(w.out, "No webhooks are registered (for the workspace's owner): openphone-mcp webhooks register --url https://HOST/webhooks/openphone registers them.")
		return 0
	}
	tw := tabwriter.NewWriter(w.out, 0, 4, 2, ' ', 0)
	header := "ID\tKIND\tEVENTS\tURL\tSTATUS\tLINES\tLABEL"
	if showKeys {
		header += "\tKEY"
	}
	fmt.Fprintln(tw, header)
	for _, h := range hooks {
		label := ""
		if h.Label != nil {
			label = *h.Label
		}
		kind := string(h.Kind())
		if kind == "" {
			kind = "?"
		}
		row := strings.Join([]string{h.ID, kind, strings.Join(h.Events, ","), h.URL, h.Status, strings.TrimPrefix(linesText(h.ResourceIDs), "lines "), label}, "\t")
		if showKeys {
			row += "\t" + h.Key
		}
		fmt.Fprintln(tw, row)
	}
	tw.Flush()
	if !showKeys {
		fmt.Fprintln(w.out, "\n--show-keys prints their signing keys too.")
	}
	return 0
}

// remove deletes the webhooks ids, or every webhook that delivers to url.
func (w webhookAdmin) remove(ctx context.Context, ids []string, url string) int {
	if url != "" {
		hooks, err := w.c.ListWebhooks(ctx, client.ListWebhooksParams{})
		if err != nil {
			return w.fail("remove: listing the webhooks there are: %v", err)
		}
		for _, h := range hooks {
			if h.URL == url {
				ids = append(ids, h.ID)
			}
		}
		if len(ids) == 0 {
			fmt.Fprintf(w.out, "No webhook delivers to %s: nothing to remove.\n", url)
			return 0
		}
	}
	status := 0
	for _, id := range ids {
		err := w.c.DeleteWebhook(ctx, id)
		var apiErr *client.APIError
		switch {
		case errors.As(err, &apiErr) && apiErr.Status == 404:
			status = w.fail("remove %s: there is no such webhook (openphone-mcp webhooks list lists them)", id)
		case err != nil:
			status = w.fail("remove %s: %v", id, err)
		default:
			fmt.Fprintf(w.out, "Removed %s.\n", id)
		}
	}
	return status
}

// redactedURL is raw without a password, to be shown.
func redactedURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "(a URL that does not parse)"
}
