package tools

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// missingKeyMessage answers a call made with no API key.
func (s serving) missingKeyMessage() string {
	msg := `No OpenPhone API key is configured, so nothing was sent. The user must set OPENPHONE_API_KEY (or QUO_API_KEY) in this MCP server's environment, e.g. in the "env" block of the client's MCP configuration, with a key from OpenPhone Settings → API, then restart the server`
	if s.keyHeader != "" {
		msg += "; or, when the server is reached over HTTP, send the key with each request in the " + s.keyHeader + " header"
	}
	return msg + ". To try the tool without a key, start the server with --demo."
}

// argumentError is the result for arguments that failed local validation.
func argumentError(errs client.ValidationError) *mcp.CallToolResult {
	var b strings.Builder
	b.WriteString("Invalid arguments: the request was not sent to OpenPhone. Fix these and call again:")
	for _, p := range errs {
		b.WriteString("\n- ")
		b.WriteString(p.String())
	}
	return mcp.NewToolResultError(b.String())
}

// A sentRequest says what a failed request asked for, for messages about
// it: the IDs it sent, and how a caller can ask for less.
type sentRequest struct {
	lines  []string // phoneNumbers, or the deprecated phoneNumber
	userID string
	// smaller says how to ask for a smaller answer, as a sentence.
	smaller string
	// callerKey names the header that carried the caller's own key, when
	// the key was not the server's.
	callerKey string
	// lineParam names the parameter that carried the lines; "" is
	// phoneNumbers. noLines says what a request without lines was about;
	// "" is every line of the workspace.
	lineParam, noLines string
}

// upstreamError turns a failed request into a result that says what
// happened, what was tried, and what to do about it.
func (s serving) upstreamError(ctx context.Context, err error, ids sentRequest) *mcp.CallToolResult {
	if callerAccount(ctx) != nil {
		ids.callerKey = cmp.Or(s.keyHeader, "API key")
	}
	var apiErr *client.APIError
	var decodeErr *client.DecodeError
	var tooLarge *client.BodyTooLargeError
	var pause *client.PauseError
	var rateLimit *client.RateLimitError
	var msg string
	switch {
	case errors.As(err, &rateLimit):
		msg = fmt.Sprintf("Not sent: this server's own rate limit (%g requests/s per OpenPhone API key, shared by every call with the key) could not fit this call within its time limit; %d requests were queued ahead of it. OpenPhone was not asked and is not at fault. Make fewer calls at once, or wait a few seconds and call again.", rateLimit.RPS, rateLimit.Ahead)
	case errors.As(err, &pause):
		msg = fmt.Sprintf("Not sent: OpenPhone asked this API key to pause for %s more (an earlier answer's Retry-After), longer than this call's time limit. Call again after that.", roundWait(pause.Wait))
	case errors.As(err, &tooLarge):
		msg = fmt.Sprintf("OpenPhone's answer was larger than the %d MiB this server reads. %s", tooLarge.Limit>>20, ids.smaller)
	case errors.As(err, &apiErr):
		msg = describeAPIError(apiErr, ids)
	case errors.As(err, &decodeErr):
		msg = fmt.Sprintf("OpenPhone answered, but not with the documented JSON (%s). This is on OpenPhone's side: try again shortly, and report it if it persists.", newUpstreamQuoter().quote(decodeErr.Err.Error()))
	case errors.Is(err, context.Canceled):
		msg = "The call was cancelled before OpenPhone answered."
	case errors.Is(err, context.DeadlineExceeded):
		msg = strings.TrimSpace("OpenPhone did not answer within this call's time limit. It may be slow or unreachable: try again shortly. " + ids.smaller)
	default:
		msg = fmt.Sprintf("Could not reach OpenPhone: %s. The network or OpenPhone is failing, or OPENPHONE_BASE_URL is wrong: try again shortly.", newUpstreamQuoter().quote(unwrapAll(err).Error()))
	}
	var retryErr *client.RetryError
	if errors.As(err, &retryErr) && len(retryErr.Attempts) > 1 {
		msg += fmt.Sprintf(" Tried %d times: %s.", len(retryErr.Attempts), strings.Join(retryErr.Attempts, ", "))
	}
	return mcp.NewToolResultError(msg)
}

// roundWait writes a wait in whole seconds, at least one.
func roundWait(d time.Duration) string {
	return max(d.Round(time.Second), time.Second).String()
}

// unwrapAll drops the RetryError layer, whose attempts are said apart.
func unwrapAll(err error) error {
	var retryErr *client.RetryError
	if errors.As(err, &retryErr) {
		return retryErr.Err
	}
	return err
}

// Bounds on the text from OpenPhone that one error result quotes, in
// characters: an error body is untrusted and may be any size.
const (
	maxUpstreamString = 300
	maxUpstreamText   = 2000
)

// upstreamQuoter quotes strings from OpenPhone for a message, escaped as
// names are (control, bidi and zero-width characters as escapes), each cut
// to maxUpstreamString characters, and all of them together to
// maxUpstreamText.
type upstreamQuoter struct{ left int }

func newUpstreamQuoter() *upstreamQuoter { return &upstreamQuoter{left: maxUpstreamText} }

// field returns s bare when it is a plain identifier or number (as a
// summary's fields are), else quoted; "" once the budget is spent.
func (q *upstreamQuoter) field(s string) string {
	if q.left >= len(s) && len(s) <= maxUpstreamString && fieldText(s) == s {
		q.left -= len(s)
		return s
	}
	return q.quote(s)
}

// quote returns s quoted, or "" once the budget is spent.
func (q *upstreamQuoter) quote(s string) string {
	if q.left <= 0 {
		return ""
	}
	runes := []rune(s)
	limit := min(maxUpstreamString, q.left)
	cut := len(runes) > limit
	if cut {
		runes = runes[:limit]
	}
	q.left -= len(runes)
	quoted := strconv.Quote(string(runes))
	if cut {
		quoted += fmt.Sprintf(" (cut: %d characters in all)", utf8.RuneCountInString(s))
	}
	return quoted
}

// plainTitle is an error title that can be written bare: a few words.
var plainTitle = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ]{0,59}$`)

func describeAPIError(e *client.APIError, ids sentRequest) string {
	var b strings.Builder
	q := newUpstreamQuoter()
	// A domain error's title names it ("Subscription Expired"), where a
	// generic one repeats the status's text.
	name := http.StatusText(e.Status)
	if plainTitle.MatchString(e.Title) && e.Title != name && e.Title != "Unknown" {
		name = e.Title
	}
	status := fmt.Sprintf("%d %s", e.Status, name)
	detail := "it gave no reason"
	if reason := cmp.Or(e.Message, e.Title); reason != "" {
		detail = q.quote(reason)
	}
	switch {
	case e.Status == http.StatusUnauthorized && ids.callerKey != "":
		fmt.Fprintf(&b, "OpenPhone rejected the API key that this caller sent in the %s header (%s). The user must fix the header in this client's MCP configuration: it must be a current key from OpenPhone Settings → API, the bare key with no \"Bearer \" prefix. The server's own key was not used. Retrying will not help.", ids.callerKey, status)
	case e.Status == http.StatusUnauthorized:
		fmt.Fprintf(&b, "OpenPhone rejected the API key (%s). The user must check OPENPHONE_API_KEY in this server's environment: it must be a current key from OpenPhone Settings → API, set as the bare key with no \"Bearer \" prefix. Retrying will not help.", status)
	case e.Status == http.StatusForbidden && (e.Code == "1001403" || e.Title == "Not Phone Number User"):
		fmt.Fprintf(&b, "OpenPhone refused (%s): the API key's user (or the userId given) is not a member of a line in this request (%s). Use another line, or ask a workspace admin to add the user to it.", status, ids.describeLines())
	case e.Status == http.StatusForbidden:
		fmt.Fprintf(&b, "OpenPhone refused the request (%s): %s. The API key's user lacks access; a workspace admin can grant it.", status, detail)
	case e.Title == "Subscription Expired":
		fmt.Fprintf(&b, "OpenPhone refused (%s): the workspace's subscription has expired, so nothing was done. A workspace owner must renew it in OpenPhone; retrying will not help.", status)
	case e.Title == "Open Tasks Limit Reached":
		fmt.Fprintf(&b, "OpenPhone refused (%s): the workspace has as many open tasks as its plan allows, so nothing was done. Complete some (update_task with completed true), then try again.", status)
	case e.Title == "A2P Registration Not Approved":
		fmt.Fprintf(&b, "OpenPhone refused to send (%s): the line's A2P 10DLC registration, which US carriers require for business texts, is not approved, so nothing was sent. A workspace admin can check it in OpenPhone's Trust Center; retrying will not help.", status)
	case e.Status == http.StatusBadRequest:
		fmt.Fprintf(&b, "OpenPhone rejected the request (%s): %s.", status, detail)
		for i, fe := range e.Errors {
			path, msg := q.field(strings.TrimPrefix(fe.Path, "/query/")), q.quote(fe.Message)
			if msg == "" {
				fmt.Fprintf(&b, "\n- and %d more", len(e.Errors)-i)
				break
			}
			fmt.Fprintf(&b, "\n- %s: %s", path, msg)
		}
		if len(e.Errors) > 0 {
			b.WriteString("\nFix the named parameters and call again.")
		} else {
			b.WriteString("\nCheck the arguments against the tool's description and call again.")
		}
	case e.Status == http.StatusNotFound:
		fmt.Fprintf(&b, "OpenPhone found no such resource (%s): %s. Check the IDs this call sent (%s); an ID from another workspace, or a deleted line or user, is not found.", status, detail, ids.describe())
	case e.Status == http.StatusTooManyRequests:
		fmt.Fprintf(&b, "OpenPhone's rate limit was hit (%s; 10 requests per second per key). Wait a few seconds, then call again.", status)
		if d, ok := e.RetryAfterDuration(time.Now()); ok {
			fmt.Fprintf(&b, " OpenPhone asked for a wait of %s: call again after that.", roundWait(d))
		}
	case e.Status >= 500:
		fmt.Fprintf(&b, "OpenPhone is failing (%s", status)
		if e.NotJSON != "" {
			fmt.Fprintf(&b, ", with a non-JSON %s page, likely from a proxy", e.NotJSON)
		} else if detail != "" {
			fmt.Fprintf(&b, ": %s", detail)
		}
		b.WriteString("). This is on OpenPhone's side or the network's, not the arguments: try again in a minute.")
	default:
		fmt.Fprintf(&b, "OpenPhone refused the request (%s): %s.", status, detail)
	}
	if trace := q.field(e.Trace); e.Trace != "" && trace != "" {
		fmt.Fprintf(&b, " (OpenPhone trace %s)", trace)
	}
	return b.String()
}

func (ids sentRequest) describeLines() string {
	if len(ids.lines) == 0 {
		return cmp.Or(ids.noLines, "all lines of the workspace")
	}
	quoted := make([]string, len(ids.lines))
	for i, l := range ids.lines {
		quoted[i] = fieldText(l)
	}
	return cmp.Or(ids.lineParam, "phoneNumbers") + " " + strings.Join(quoted, ", ")
}

func (ids sentRequest) describe() string {
	var parts []string
	if len(ids.lines) > 0 {
		parts = append(parts, ids.describeLines())
	}
	if ids.userID != "" {
		parts = append(parts, "userId "+fieldText(ids.userID))
	}
	if len(parts) == 0 {
		return "none besides the endpoint"
	}
	return strings.Join(parts, "; ")
}

// isLocal reports a failure of this server's own, before anything was
// sent: the key's rate limit had no place in time, or OpenPhone had asked
// the key to pause.
func isLocal(err error) bool {
	var rl *client.RateLimitError
	var pause *client.PauseError
	return errors.As(err, &rl) || errors.As(err, &pause)
}

// describeFailure says in a few words why a look-up failed.
func describeFailure(err error) string {
	var apiErr *client.APIError
	var rl *client.RateLimitError
	var pause *client.PauseError
	switch {
	case errors.As(err, &apiErr):
		return fmt.Sprintf("OpenPhone answered %d", apiErr.Status)
	case errors.As(err, &rl):
		return "this server's rate limit for the key had no room in time; nothing was sent"
	case errors.As(err, &pause):
		return "OpenPhone asked this API key to pause; nothing was sent"
	}
	var decodeErr *client.DecodeError
	if errors.As(err, &decodeErr) {
		return "OpenPhone's answer could not be read"
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "OpenPhone did not answer in time"
	}
	return "OpenPhone could not be reached"
}

// describeContactsFailure says in a few words why contacts could not be
// read: a 403 is a key (or plan) without access to them.
func describeContactsFailure(err error) string {
	if apiStatus(err) == http.StatusForbidden {
		return "OpenPhone answered 403: this API key may not read contacts"
	}
	return describeFailure(err)
}

// apiStatus is the status OpenPhone answered a failed request with, or 0
// when err is no answer of OpenPhone's.
func apiStatus(err error) int {
	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Status
	}
	return 0
}
