// Package oauth checks the OAuth 2.1 access tokens that callers of the
// HTTP transport present, as an MCP server acting as a resource server
// must: JWTs signed by the configured issuer (its keys found through its
// RFC 8414 or OpenID Connect discovery document), issued for this server
// (RFC 8707: the audience holds its resource URL), in date, and with the
// scopes it requires. The JOSE work is go-jose's, the claim checks
// go-oidc's.
package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"golang.org/x/sync/singleflight"
)

// Defaults of a Verifier.
const (
	// DefaultLeeway is the clock skew allowed on exp and nbf.
	DefaultLeeway = 30 * time.Second
	// DefaultMinRefresh bounds how often the issuer's keys (and its
	// discovery document, after a failure) are fetched again.
	DefaultMinRefresh = 10 * time.Second
)

// Config configures a Verifier.
type Config struct {
	// Issuer is the authorization server's issuer identifier, such as
	// https://login.example.com/realms/team: tokens must carry it as iss.
	Issuer string
	// Audience is this server's resource URL, such as
	// https://mcp.example.com/mcp: a token's aud must hold it.
	Audience string
	// Scopes are the scopes every token must grant; none means any.
	Scopes []string
	// HTTPClient fetches the discovery document and keys; nil is a
	// client with a 10-second timeout.
	HTTPClient *http.Client
	// Leeway is the clock skew allowed; zero is DefaultLeeway.
	Leeway time.Duration
	// MinRefresh bounds the fetches; zero is DefaultMinRefresh.
	MinRefresh time.Duration
	// AllowUntypedTokens accepts access tokens whose JOSE header has no
	// typ, or the generic JWT, besides RFC 9068's at+jwt: for issuers
	// known to type their access tokens so (Keycloak, Microsoft Entra ID,
	// Okta). Off, a token must be typed at+jwt, so that an ID token (typ
	// JWT) is never taken for an access token.
	AllowUntypedTokens bool
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// An Identity is who a valid token speaks for.
type Identity struct {
	Subject string
	Email   string // "" when the token carries none
	// EmailVerified is the token's email_verified: whether the issuer
	// checked that the person owns Email. An unverified email proves
	// nothing: anyone may type any address at some issuers.
	EmailVerified bool
	Scopes        []string
}

// ErrInvalidToken is the error of a token that is not acceptable: not a
// JWT, badly signed, from another issuer, for another resource, expired.
var ErrInvalidToken = errors.New("invalid token")

// ErrUnavailable is the error when the issuer's discovery document or
// keys cannot be read: no token can be checked until they can.
var ErrUnavailable = errors.New("the authorization server's keys cannot be read")

// A ScopeError reports a valid token that lacks required scopes.
type ScopeError struct{ Missing []string }

func (e *ScopeError) Error() string {
	return "the token lacks the scope " + strings.Join(e.Missing, " ")
}

// fetchTimeout bounds each fetch from the issuer. Fetches run on their
// own, not under any caller's request: a caller that goes away cancels
// its own wait, never the fetch that others wait on too.
const fetchTimeout = 10 * time.Second

// A Verifier checks access tokens. It is safe for concurrent use; it
// reads the issuer's discovery document on first use.
type Verifier struct {
	cfg       Config
	discovery singleflight.Group // one discovery at a time, whoever waits

	mu       sync.Mutex // guards what follows
	keys     *keySet
	verifier *oidc.IDTokenVerifier
	tried    time.Time // the last failed discovery
}

// New returns a Verifier for cfg. It fetches nothing yet.
func New(cfg Config) (*Verifier, error) {
	if u, err := url.ParseRequestURI(cfg.Issuer); err != nil || !(u.Scheme == "https" || u.Scheme == "http" && isLoopback(u.Hostname())) {
		return nil, fmt.Errorf("issuer %q: want an https URL, such as https://login.example.com (plain http only on loopback: keys fetched in the clear could be forged)", cfg.Issuer)
	}
	if u, err := url.ParseRequestURI(cfg.Audience); err != nil || u.Host == "" {
		return nil, fmt.Errorf("audience %q: want this server's URL, such as https://mcp.example.com/mcp", cfg.Audience)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = DefaultLeeway
	}
	if cfg.MinRefresh == 0 {
		cfg.MinRefresh = DefaultMinRefresh
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Verifier{cfg: cfg}, nil
}

// Metadata is this resource's RFC 9728 protected-resource metadata.
func (v *Verifier) Metadata() map[string]any {
	m := map[string]any{
		"resource":                 v.cfg.Audience,
		"authorization_servers":    []string{v.cfg.Issuer},
		"bearer_methods_supported": []string{"header"},
		"resource_name":            "openphone-mcp",
	}
	if len(v.cfg.Scopes) > 0 {
		m["scopes_supported"] = v.cfg.Scopes
	}
	return m
}

// MetadataURL is where the metadata is served: the well-known path, then
// the resource's own path (RFC 9728 section 3.1).
func (v *Verifier) MetadataURL() string {
	u, _ := url.Parse(v.cfg.Audience)
	return u.Scheme + "://" + u.Host + v.MetadataURLPath()
}

// MetadataURLPath is MetadataURL's path: MetadataPath alone only for a
// resource that is a bare origin, since the metadata at a well-known URL
// describes the resource it is named after (RFC 9728 section 3.3).
func (v *Verifier) MetadataURLPath() string {
	u, _ := url.Parse(v.cfg.Audience)
	return MetadataPath + strings.TrimSuffix(u.EscapedPath(), "/")
}

// MetadataPath is the well-known path of protected-resource metadata.
const MetadataPath = "/.well-known/oauth-protected-resource"

// Scopes are the scopes every token must grant.
func (v *Verifier) Scopes() []string { return slices.Clone(v.cfg.Scopes) }

// Verify checks raw, an access token, and returns who it speaks for. Its
// errors wrap ErrInvalidToken or ErrUnavailable, or are a *ScopeError.
//
// When ctx ends first, Verify returns ctx's error: the fetches it waited
// on go on for the others, and its leaving counts against nobody.
func (v *Verifier) Verify(ctx context.Context, raw string) (Identity, error) {
	jws, err := jose.ParseSignedCompact(raw, joseAlgs)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if len(jws.Signatures) != 1 {
		return Identity{}, fmt.Errorf("%w: want one signature", ErrInvalidToken)
	}
	header := jws.Signatures[0].Header
	if typ, _ := header.ExtraHeaders[jose.HeaderType].(string); !v.acceptsType(typ) {
		return Identity{}, fmt.Errorf("%w: typ %q, want at+jwt (RFC 9068: an access token, not an ID token)", ErrInvalidToken, typ)
	}
	verifier, keys, err := v.ready(ctx)
	if err != nil {
		return Identity{}, err
	}
	// The key first, so that its errors keep their kind (go-oidc's do not).
	if _, err := keys.key(ctx, header.KeyID); err != nil {
		if ctx.Err() != nil || errors.Is(err, ErrUnavailable) {
			return Identity{}, err
		}
		return Identity{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	token, err := verifier.Verify(ctx, raw)
	if err != nil {
		if ctx.Err() != nil {
			return Identity{}, ctx.Err()
		}
		return Identity{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	var claims struct {
		NotBefore     *float64        `json:"nbf"`
		Email         string          `json:"email"`
		EmailVerified json.RawMessage `json:"email_verified"`
		Scope         string          `json:"scope"`
		Scp           json.RawMessage `json:"scp"`
	}
	if err := token.Claims(&claims); err != nil {
		return Identity{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if claims.NotBefore != nil && v.cfg.Now().Add(v.cfg.Leeway).Before(time.Unix(int64(*claims.NotBefore), 0)) {
		return Identity{}, fmt.Errorf("%w: not valid before %v", ErrInvalidToken, time.Unix(int64(*claims.NotBefore), 0).UTC())
	}
	if token.Subject == "" {
		return Identity{}, fmt.Errorf("%w: no sub", ErrInvalidToken)
	}
	granted := strings.Fields(claims.Scope)
	var scp []string
	if json.Unmarshal(claims.Scp, &scp) == nil {
		granted = append(granted, scp...)
	} else if s := ""; json.Unmarshal(claims.Scp, &s) == nil {
		granted = append(granted, strings.Fields(s)...)
	}
	var missing []string
	for _, s := range v.cfg.Scopes {
		if !slices.Contains(granted, s) {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		return Identity{}, &ScopeError{missing}
	}
	// Some issuers (Amazon Cognito) send the boolean as a string.
	verified := string(claims.EmailVerified) == "true" || string(claims.EmailVerified) == `"true"`
	return Identity{Subject: token.Subject, Email: claims.Email, EmailVerified: verified, Scopes: granted}, nil
}

// acceptsType reports whether typ, a JOSE header's, is an access token's:
// at+jwt or application/at+jwt in any case (RFC 9068 section 2.1), or,
// with AllowUntypedTokens, none or JWT.
func (v *Verifier) acceptsType(typ string) bool {
	if len(typ) > len("application/") && strings.EqualFold(typ[:len("application/")], "application/") {
		typ = typ[len("application/"):]
	}
	return strings.EqualFold(typ, "at+jwt") || v.cfg.AllowUntypedTokens && (typ == "" || strings.EqualFold(typ, "jwt"))
}

// ready returns the claim checker and the key set, reading the discovery
// document first if it has not been read yet (at most every MinRefresh
// after a failure). The reading is shared by every caller that waits on
// it, and is not cancelled when they go.
func (v *Verifier) ready(ctx context.Context) (*oidc.IDTokenVerifier, *keySet, error) {
	v.mu.Lock()
	verifier, keys, tried := v.verifier, v.keys, v.tried
	v.mu.Unlock()
	if verifier != nil {
		return verifier, keys, nil
	}
	if !tried.IsZero() && v.cfg.Now().Sub(tried) < v.cfg.MinRefresh {
		return nil, nil, fmt.Errorf("%w: discovery failed less than %v ago", ErrUnavailable, v.cfg.MinRefresh)
	}
	done := v.discovery.DoChan("", func() (any, error) {
		ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
		defer cancel()
		return nil, v.discoverOnce(ctx)
	})
	select {
	case res := <-done:
		if res.Err != nil {
			return nil, nil, res.Err
		}
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.verifier, v.keys, nil
}

// discoverOnce reads the discovery document, unless it was read (or
// failed) meanwhile, and keeps what it says.
func (v *Verifier) discoverOnce(ctx context.Context) error {
	v.mu.Lock()
	ready, tried := v.verifier != nil, v.tried
	v.mu.Unlock()
	if ready {
		return nil
	}
	if !tried.IsZero() && v.cfg.Now().Sub(tried) < v.cfg.MinRefresh {
		return fmt.Errorf("%w: discovery failed less than %v ago", ErrUnavailable, v.cfg.MinRefresh)
	}
	jwksURL, err := v.discover(ctx)
	v.mu.Lock()
	defer v.mu.Unlock()
	if err != nil {
		v.tried = v.cfg.Now()
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	v.keys = &keySet{url: jwksURL, client: v.cfg.HTTPClient, minRefresh: v.cfg.MinRefresh, now: v.cfg.Now}
	leeway, now := v.cfg.Leeway, v.cfg.Now
	v.verifier = oidc.NewVerifier(v.cfg.Issuer, v.keys, &oidc.Config{
		ClientID:             v.cfg.Audience,
		SupportedSigningAlgs: signingAlgs,
		Now:                  func() time.Time { return now().Add(-leeway) }, // exp with leeway
	})
	return nil
}

// discover reads the issuer's metadata, RFC 8414's then OpenID
// Connect's, and returns its jwks_uri. The document must name the
// configured issuer.
func (v *Verifier) discover(ctx context.Context) (string, error) {
	u, _ := url.Parse(v.cfg.Issuer)
	path := strings.TrimSuffix(u.Path, "/")
	candidates := []string{
		u.Scheme + "://" + u.Host + "/.well-known/oauth-authorization-server" + path,
		strings.TrimSuffix(v.cfg.Issuer, "/") + "/.well-known/openid-configuration",
	}
	var errs []error
	for _, c := range candidates {
		var doc struct {
			Issuer  string `json:"issuer"`
			JWKSURI string `json:"jwks_uri"`
		}
		if err := getJSON(ctx, v.cfg.HTTPClient, c, &doc); err != nil {
			errs = append(errs, err)
			continue
		}
		if doc.Issuer != v.cfg.Issuer {
			return "", fmt.Errorf("%s names the issuer %q, not %q", c, doc.Issuer, v.cfg.Issuer)
		}
		if doc.JWKSURI == "" {
			return "", fmt.Errorf("%s has no jwks_uri", c)
		}
		return doc.JWKSURI, nil
	}
	return "", errors.Join(errs...)
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// getJSON fetches url and decodes its JSON into v.
func getJSON(ctx context.Context, c *http.Client, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v)
}
