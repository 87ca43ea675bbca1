// Package client is a typed client for the OpenPhone (Quo) public API v1.
//
// It knows the API, not its callers: each request's params validate
// themselves (a ValidationError lists every InvalidParam, each with a
// Kind) and encode the query the way the API's OpenAPI document implies;
// the client authenticates with the raw API key, keeps the key's rate
// limit, retries what may pass, and turns every other failure into a typed
// error (errors.go): an *APIError when OpenPhone answered with an error
// status.
//
//	c, err := client.New(os.Getenv("OPENPHONE_API_KEY"))
//	page, err := c.ListConversations(ctx, client.ListConversationsParams{MaxResults: 20})
package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
)

// DefaultBaseURL is the origin of the OpenPhone public API.
const DefaultBaseURL = "https://api.openphone.com"

// Defaults for the limits a Client enforces.
const (
	DefaultTimeout      = 15 * time.Second // per attempt
	DefaultMaxBodyBytes = 4 << 20
	DefaultRateLimit    = 10 // requests per second: OpenPhone's limit per key
)

// A Client talks to the OpenPhone API with one API key. It is safe for
// concurrent use.
type Client struct {
	apiKey       string
	baseURL      *url.URL
	httpClient   *http.Client
	userAgent    string
	timeout      time.Duration
	maxBodyBytes int64
	limiter      *Limiter
	keyHash      [32]byte // the limiter's name for the key
	metrics      Metrics
	retry        RetryPolicy
	logger       *slog.Logger
	sleep        func(context.Context, time.Duration) error
	onWrite      func(at time.Time) // WithWriteHook
}

// An Option configures a Client.
type Option func(*Client) error

// WithBaseURL points the client at another origin, such as a fake API in
// tests; CheckBaseURL says which origins are taken.
func WithBaseURL(raw string) Option {
	return func(c *Client) error {
		u, err := parseBaseURL(raw)
		c.baseURL = u
		return err
	}
}

// CheckBaseURL reports whether raw is an origin WithBaseURL takes: an
// absolute https origin with no path (a trailing slash is tolerated). Plain
// http:// is accepted only for a loopback host: anywhere else the key would
// cross the network in cleartext.
func CheckBaseURL(raw string) error {
	_, err := parseBaseURL(raw)
	return err
}

func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("base URL %q: want an absolute https origin such as %s", raw, DefaultBaseURL)
	}
	if u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("base URL %q: want the API's origin alone, such as %s; the client adds the /v1/... paths itself", raw, DefaultBaseURL)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("base URL %q: plain http would send the API key in cleartext; use https (http is accepted only for localhost and loopback addresses)", raw)
	}
	return u, nil
}

// isLoopback reports whether host (a name or an IP, without a port) is
// localhost or a loopback address: this machine only.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// WithHTTPClient sets the *http.Client that sends requests.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error { c.httpClient = hc; return nil }
}

// WithUserAgent sets the User-Agent header sent with every request.
func WithUserAgent(ua string) Option {
	return func(c *Client) error { c.userAgent = ua; return nil }
}

// WithTimeout bounds each request, from sending it to reading the whole body.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return fmt.Errorf("timeout %v: must be positive", d)
		}
		c.timeout = d
		return nil
	}
}

// WithMaxBodyBytes caps how much of a response body the client reads.
func WithMaxBodyBytes(n int64) Option {
	return func(c *Client) error {
		if n <= 0 {
			return fmt.Errorf("max body bytes %d: must be positive", n)
		}
		c.maxBodyBytes = n
		return nil
	}
}

// WithRateLimit gives the client a rate limiter of its own, of rps
// requests per second (NewLimiter says how it counts). OpenPhone allows
// 10 per key, shared by everything that uses the key: where several
// Clients may use one key, share a Limiter with WithLimiter instead.
func WithRateLimit(rps float64) Option {
	return func(c *Client) error {
		l, err := NewLimiter(rps)
		if err != nil {
			return err
		}
		c.limiter = l
		return nil
	}
}

// WithLimiter makes the client keep its key's rate limit in l, shared with
// every other Client of l: one window, one queue and one pause per key.
func WithLimiter(l *Limiter) Option {
	return func(c *Client) error {
		if l == nil {
			return errors.New("nil limiter")
		}
		c.limiter = l
		return nil
	}
}

// WithWriteHook calls f with the time each request is written to the
// network, the instant the rate limit counts it by: for metrics, and for
// tests that hold the limit. f must be quick and safe for concurrent use.
func WithWriteHook(f func(at time.Time)) Option {
	return func(c *Client) error { c.onWrite = f; return nil }
}

// WithRetryPolicy sets how failed requests are retried.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *Client) error {
		if p.MaxAttempts < 1 || p.BaseDelay < 0 || p.MaxDelay < 0 {
			return fmt.Errorf("retry policy %+v: want at least 1 attempt and no negative delay", p)
		}
		c.retry = p
		return nil
	}
}

// WithLogger logs each attempt at debug level: method, path, query,
// status and duration, never headers.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) error { c.logger = l; return nil }
}

// New returns a Client that authenticates with apiKey. Whitespace around
// the key, as a paste or a file may leave, is trimmed; a key with
// whitespace or control characters inside is refused, and the error never
// shows the key.
func New(apiKey string, opts ...Option) (*Client, error) {
	apiKey = strings.TrimSpace(apiKey)
	if apiKey == "" {
		return nil, errors.New("openphone: empty API key")
	}
	if strings.ContainsFunc(apiKey, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return nil, errors.New("openphone: the API key contains whitespace or control characters, which no key has: copy it again from OpenPhone Settings → API, with nothing around it")
	}
	base, _ := url.Parse(DefaultBaseURL)
	c := &Client{
		apiKey:       apiKey,
		baseURL:      base,
		httpClient:   &http.Client{Transport: sharedTransport},
		userAgent:    "openphone-mcp",
		timeout:      DefaultTimeout,
		maxBodyBytes: DefaultMaxBodyBytes,
		retry:        DefaultRetryPolicy,
		logger:       slog.New(slog.DiscardHandler),
		sleep:        sleep,
		keyHash:      sha256.Sum256([]byte(apiKey)),
		metrics:      noMetrics{},
	}
	opts = append([]Option{WithRateLimit(DefaultRateLimit)}, opts...)
	for _, opt := range opts {
		if err := opt(c); err != nil {
			return nil, fmt.Errorf("openphone: %w", err)
		}
	}
	return c, nil
}

// KeyFingerprint names the client's API key without revealing it: the
// first 12 hex digits of its SHA-256, for logs and for binding a
// confirmation to the key that asked for it.
func (c *Client) KeyFingerprint() string { return hex.EncodeToString(c.keyHash[:6]) }

// sharedTransport sends the requests of every Client that is given no
// *http.Client of its own, whatever its key: the connections to OpenPhone
// are then bounded by the requests in flight, not by the keys ever seen.
// It is http.DefaultTransport with room to keep a connection per request
// in flight: bursts of parallel calls then reuse connections instead of
// opening (and TLS-handshaking) new ones, which the default of 2 idle
// connections per host would make them do.
var sharedTransport = func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	return t
}()

// get sends GET {base}{path}?{query} and decodes a 2xx JSON body into out,
// within the rate limit, retrying what may pass.
func (c *Client) get(ctx context.Context, path string, query url.Values, out any) error {
	var attempts []string
	fail := func(err error) error {
		outOfTime := errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
		if len(attempts) > 1 || (len(attempts) == 1 && outOfTime) {
			return &RetryError{Attempts: attempts, Err: err}
		}
		return err
	}
	for attempt := 1; ; attempt++ {
		s, err := c.admit(ctx, attempt)
		if err != nil {
			return fail(err)
		}
		err = c.getOnce(ctx, path, query, out, attempt, s)
		if err == nil {
			return nil
		}
		attempts = append(attempts, describeAttempt(err))
		if ctx.Err() != nil { // the caller gave up, or its deadline passed
			return fail(ctx.Err())
		}
		if again, err := c.waitToRetry(ctx, attempt, err); !again {
			return fail(err)
		}
	}
}

// waitToRetry waits, as the retry policy says, before the attempt after
// attempt of a request whose attempt failed with err. It reports whether
// there is to be one, and if not the error to end with: err, or what
// ended the wait.
func (c *Client) waitToRetry(ctx context.Context, attempt int, err error) (bool, error) {
	next, retry := c.retry.retryDelay(attempt, err)
	if next.shared {
		c.limiter.pause(c.keyHash, time.Now().Add(next.delay)) // for every call with this key
		c.metrics.Paused(next.delay)
	}
	if !retry || attempt >= c.retry.MaxAttempts {
		return false, err
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < next.delay {
		return false, err // the wait would outlast the call
	}
	if next.shared {
		return true, nil // the limiter holds the next attempt back until the pause ends
	}
	c.wait(ctx, Wait{Kind: WaitBeforeRetry, Reason: next.reason, Duration: next.delay, Attempt: attempt + 1})
	if err := c.sleep(ctx, next.delay); err != nil {
		return false, err
	}
	return true, nil
}

// A Page is one page of a listing. Data is never nil.
type Page[T any] struct {
	Data []T `json:"data"`
	// TotalItems is documented by OpenPhone as inaccurate: it is not the
	// number of items that paging will return.
	TotalItems int `json:"totalItems"`
	// NextPageToken is nil on the last page (an empty token is taken as
	// none, so that callers paging until nil cannot loop on "").
	NextPageToken *string `json:"nextPageToken"`
}

// query builds the query of a request.
type query url.Values

// set sets key to value, unless value is empty.
func (q query) set(key, value string) {
	if value != "" {
		url.Values(q).Set(key, value)
	}
}

// values is q with the keys that hold no value left out.
func (q query) values() url.Values {
	for key, vs := range q {
		if len(vs) == 0 {
			delete(q, key)
		}
	}
	return url.Values(q)
}

// A listQuery is the query of a listing that knows the API's rules for itself.
type listQuery interface {
	Validate() error
	Query() url.Values
}

// list fetches one page of GET {path}?{q}. It validates q first and sends
// nothing if q is invalid; an answer without its "data" array is a
// DecodeError.
func list[T any](c *Client, ctx context.Context, path string, q listQuery) (*Page[T], error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var page Page[T]
	if err := c.get(ctx, path, q.Query(), &page); err != nil {
		return nil, err
	}
	if page.Data == nil {
		return nil, &DecodeError{Path: path, ContentType: "application/json", Err: errors.New(`no "data" array`)}
	}
	if page.NextPageToken != nil && *page.NextPageToken == "" {
		page.NextPageToken = nil
	}
	return &page, nil
}

// An activity names a call or a message by its ID, for a request's path:
// param is the parameter that carries it, and noun says which it is.
type activity struct{ param, id, noun string }

// getActivity fetches GET {collection}/{id} of a call or a message. The ID
// is checked to be AC… before anything is sent.
func getActivity[T any](c *Client, ctx context.Context, collection string, a activity) (*T, error) {
	var ps problems
	if ps.activityID(a.param, a.id, a.noun); ps != nil {
		return nil, ps.err()
	}
	return getOne[T](c, ctx, collection+"/"+url.PathEscape(a.id))
}

// getOne fetches GET {path}, whose answer holds the resource under "data".
func getOne[T any](c *Client, ctx context.Context, path string) (*T, error) {
	var body struct {
		Data *T `json:"data"`
	}
	if err := c.get(ctx, path, nil, &body); err != nil {
		return nil, err
	}
	if body.Data == nil {
		return nil, &DecodeError{Path: path, ContentType: "application/json", Err: errors.New(`no "data" object`)}
	}
	return body.Data, nil
}

// getOnce makes one attempt of a GET.
func (c *Client) getOnce(ctx context.Context, path string, query url.Values, out any, attempt int, s *slot) error {
	_, err := c.exchange(ctx, http.MethodGet, path, query, nil, out, attempt, s)
	return err
}

// exchange makes one attempt: it sends method path?query with body (JSON,
// or none when nil) and decodes a 2xx JSON answer into out (nil: the
// answer is not read). wrote reports whether the request's headers were
// written: only a request that never was cannot have reached OpenPhone.
//
// s is the request's place in the rate limit: it is marked sent when the
// request's headers are written, and given back if they never are.
func (c *Client) exchange(ctx context.Context, method, path string, query url.Values, body []byte, out any, attempt int, s *slot) (wrote bool, err error) {
	ctx, cancel := context.WithTimeoutCause(ctx, c.timeout, errAttemptTimeout)
	defer cancel()
	// Once a connection is had, the request may have gone out, whatever
	// the error: it counts as sent, when its headers were written or, at
	// the latest, now.
	var connected, wroteHeaders atomic.Bool
	defer func() {
		if connected.Load() {
			s.sent(time.Now())
		} else {
			s.unsent()
		}
		wrote = wroteHeaders.Load()
	}()
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { connected.Store(true) },
		WroteHeaders: func() {
			now := time.Now()
			wroteHeaders.Store(true)
			s.sent(now)
			if c.onWrite != nil {
				c.onWrite(now)
			}
		},
	})
	start := time.Now()
	status := 0
	defer func() {
		c.metrics.Request(route(method, path), status, time.Since(start))
		c.logger.LogAttrs(ctx, slog.LevelDebug, "openphone request", slog.String("method", method), slog.String("path", path),
			slog.String("query", query.Encode()), slog.Int("attempt", attempt), slog.Int("status", status),
			slog.Duration("took", time.Since(start)), slog.Any("err", err))
	}()

	u := *c.baseURL
	u.Path = path
	u.RawQuery = query.Encode()
	var reqBody io.Reader
	if body != nil {
		reqBody = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), reqBody)
	if err != nil {
		return false, err
	}
	req.Header.Set("Authorization", c.apiKey)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := c.httpClient.Do(req)
	if err != nil {
		return false, c.transportError(ctx, method, path, err)
	}
	defer resp.Body.Close()
	status = resp.StatusCode

	answer, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBodyBytes+1))
	if err != nil {
		return false, c.transportError(ctx, method, path, fmt.Errorf("reading response: %w", err))
	}
	if int64(len(answer)) > c.maxBodyBytes {
		return false, &BodyTooLargeError{Path: path, Limit: c.maxBodyBytes}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return false, parseAPIError(resp, answer)
	}
	if out == nil {
		return false, nil
	}
	if err := json.Unmarshal(answer, out); err != nil {
		return false, &DecodeError{Path: path, ContentType: resp.Header.Get("Content-Type"), Err: err}
	}
	return false, nil
}

// transportError names a failed exchange, marking one that ran out of the
// attempt's own time.
func (c *Client) transportError(ctx context.Context, method, path string, err error) error {
	if context.Cause(ctx) == errAttemptTimeout {
		return fmt.Errorf("%s %s: %w after %v", method, path, errAttemptTimeout, c.timeout)
	}
	return fmt.Errorf("%s %s: %w", method, path, err)
}
