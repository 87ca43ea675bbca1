// Package client is a typed client for the OpenPhone (Quo) public API v1.
//
// It knows the API, not its callers: it encodes queries the way the API's
// OpenAPI document implies, authenticates with the raw API key, and turns
// every failure into either a *APIError (OpenPhone answered with an error
// status) or a transport error.
//
//	c, err := client.New(os.Getenv("OPENPHONE_API_KEY"))
//	page, err := c.ListConversations(ctx, client.ListConversationsParams{MaxResults: 20})
package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultBaseURL is the origin of the OpenPhone public API.
const DefaultBaseURL = "https://api.openphone.com"

// Defaults for the limits a Client enforces on every request.
const (
	DefaultTimeout      = 15 * time.Second
	DefaultMaxBodyBytes = 4 << 20
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
}

// An Option configures a Client.
type Option func(*Client) error

// WithBaseURL points the client at another origin, such as a fake API in
// tests. A trailing slash is tolerated.
func WithBaseURL(raw string) Option {
	return func(c *Client) error {
		u, err := url.Parse(strings.TrimRight(raw, "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("base URL %q: want an absolute http(s) origin such as %s", raw, DefaultBaseURL)
		}
		c.baseURL = u
		return nil
	}
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

// New returns a Client that authenticates with apiKey.
func New(apiKey string, opts ...Option) (*Client, error) {
	if apiKey == "" {
		return nil, errors.New("openphone: empty API key")
	}
	base, _ := url.Parse(DefaultBaseURL)
	c := &Client{
		apiKey:       apiKey,
		baseURL:      base,
		httpClient:   http.DefaultClient,
		userAgent:    "openphone-mcp",
		timeout:      DefaultTimeout,
		maxBodyBytes: DefaultMaxBodyBytes,
	}
	for _, opt := range opts {
		if err := opt(c); err != nil {
			return nil, fmt.Errorf("openphone: %w", err)
		}
	}
	return c, nil
}

// get sends GET {base}{path}?{query} and decodes a 2xx JSON body into out.
func (c *Client) get(ctx context.Context, path string, query url.Values, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	u := *c.baseURL
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", c.apiKey)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)

	resp, err := c.httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBodyBytes+1))
	if err != nil {
		return fmt.Errorf("GET %s: reading response: %w", path, err)
	}
	if int64(len(body)) > c.maxBodyBytes {
		return fmt.Errorf("GET %s: response body exceeds %d bytes", path, c.maxBodyBytes)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return parseAPIError(resp, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return &DecodeError{Path: path, ContentType: resp.Header.Get("Content-Type"), Err: err}
	}
	return nil
}

// A DecodeError reports a successful response whose body could not be read
// as the documented JSON.
type DecodeError struct {
	Path        string
	ContentType string
	Err         error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("GET %s: unreadable %s response body: %v", e.Path, e.ContentType, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }
