package serve

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
	"github.com/openphone-mcp/openphone-mcp/serve/oauth"
	"github.com/openphone-mcp/openphone-mcp/tools"
)

const testResource = "https://mcp.example.com/mcp"

// oauthFixture serves the demo over HTTP as an OAuth resource server of a
// real (in-test) issuer, with an RS256 key "k1".
func oauthFixture(t *testing.T, ownKey bool, edit func(*HTTPConfig)) (httpFixture, *testkit.Issuer) {
	t.Helper()
	return oauthFixtureFor(t, testResource, ownKey, edit)
}

// oauthFixtureFor is oauthFixture for the resource (the audience) given.
func oauthFixtureFor(t *testing.T, resource string, ownKey bool, edit func(*HTTPConfig)) (httpFixture, *testkit.Issuer) {
	t.Helper()
	is := testkit.NewIssuer(t)
	is.AddKey(t, "k1", "rsa")
	v, err := oauth.New(oauth.Config{Issuer: is.URL, Audience: resource, Scopes: []string{"openphone:read"}, HTTPClient: is.Client()})
	if err != nil {
		t.Fatal(err)
	}
	f := newHTTPFixture(t, ownKey, "", func(c *HTTPConfig, _ *[]client.Option) {
		c.OAuth, c.CallerKeys = v, false
		if edit != nil {
			edit(c)
		}
	})
	return f, is
}

func bearerHeader(token string) http.Header { return http.Header{"Authorization": {"Bearer " + token}} }

// TestOAuthChallenges: without a token, with a bad one, or without the
// scope, a request is refused as the MCP authorization spec says, and the
// challenge points to the metadata.
func TestOAuthChallenges(t *testing.T) {
	f, is := oauthFixture(t, true, nil)
	metadata := `resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"`
	for _, tc := range []struct {
		name      string
		h         http.Header
		status    int
		challenge string
	}{
		{"no token", nil, 401, "Bearer " + metadata},
		{"a token for another resource", bearerHeader(is.Sign(t, "k1", is.Claims("https://other.example.com/mcp", nil))), 401, `error="invalid_token"`},
		{"a token of another issuer", bearerHeader(is.Sign(t, "k1", is.Claims(testResource, map[string]any{"iss": "https://evil.example.com"}))), 401, `error="invalid_token"`},
		{"the static-token kind", bearerHeader("s3cret-token"), 401, `error="invalid_token"`},
		{"no scope", bearerHeader(is.Sign(t, "k1", is.Claims(testResource, map[string]any{"scope": "openid"}))), 403, `error="insufficient_scope", scope="openphone:read"`},
	} {
		status, h, body := post(t, f.url, listUsersCall, tc.h)
		if status != tc.status || !strings.Contains(h.Get("WWW-Authenticate"), tc.challenge) || !strings.Contains(h.Get("WWW-Authenticate"), metadata) {
			t.Errorf("%s: %d, WWW-Authenticate %q, want %d and %s: %s", tc.name, status, h.Get("WWW-Authenticate"), tc.status, tc.challenge, body)
		}
	}
	if n := len(f.api.Requests()); n != 0 {
		t.Errorf("%d requests reached OpenPhone", n)
	}
}

// TestOAuthMetadata: RFC 9728 metadata is served where the challenge
// says, the well-known path followed by the resource's path, whatever that
// path is; the bare well-known path, which would describe the origin,
// answers only for a resource that is the origin.
func TestOAuthMetadata(t *testing.T) {
	for _, tc := range []struct {
		resource, path string
		notFound       []string
	}{
		{testResource, "/.well-known/oauth-protected-resource/mcp", []string{"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/other"}},
		{"https://mcp.example.com/team/openphone", "/.well-known/oauth-protected-resource/team/openphone",
			[]string{"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"}},
		{"https://mcp.example.com", "/.well-known/oauth-protected-resource", []string{"/.well-known/oauth-protected-resource/mcp"}},
	} {
		f, is := oauthFixtureFor(t, tc.resource, true, nil)
		base := strings.TrimSuffix(f.url, MCPPath)
		_, h, _ := post(t, f.url, listUsersCall, nil)
		if want := `resource_metadata="https://mcp.example.com` + tc.path + `"`; !strings.Contains(h.Get("WWW-Authenticate"), want) {
			t.Errorf("%s: WWW-Authenticate %q, want %s", tc.resource, h.Get("WWW-Authenticate"), want)
		}
		resp, err := http.Get(base + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var m struct {
			Resource             string   `json:"resource"`
			AuthorizationServers []string `json:"authorization_servers"`
			ScopesSupported      []string `json:"scopes_supported"`
		}
		if err := json.Unmarshal(raw, &m); err != nil || m.Resource != tc.resource || len(m.AuthorizationServers) != 1 || m.AuthorizationServers[0] != is.URL ||
			len(m.ScopesSupported) != 1 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("%s at %s: %d %s", tc.resource, tc.path, resp.StatusCode, raw)
		}
		for _, path := range tc.notFound {
			resp, err := http.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s at %s: %d, want 404: it would describe another resource", tc.resource, path, resp.StatusCode)
			}
		}
	}
}

// TestOAuthSignedIn: a valid token serves with the server's key; a person
// mapped to a key of their own is served with it; on a server without a
// key of its own, an unmapped person's tool call says so; a caller's key
// header is refused unless allowed.
func TestOAuthSignedIn(t *testing.T) {
	f, is := oauthFixture(t, true, nil)
	token := is.Sign(t, "k1", is.Claims(testResource, nil))
	s := f.connect(t, bearerHeader(token))
	if out, isErr := callText(t, s, "list_users", nil); isErr || !strings.Contains(out, "users") {
		t.Errorf("signed in with the server's key: %s", out)
	}
	if status, _, _ := post(t, f.url, listUsersCall, http.Header{"Authorization": {"Bearer " + token}, APIKeyHeader: {f.api.APIKey}}); status != http.StatusBadRequest {
		t.Errorf("a caller's key with caller keys off: %d, want 400", status)
	}

	var mappedKey string
	g, is2 := oauthFixture(t, false, func(c *HTTPConfig) {
		c.IdentityKeys = func(who string) (string, bool) { return mappedKey, who == "email:ana@example.com" }
	})
	mappedKey = g.api.APIKey
	s = g.connect(t, bearerHeader(is2.Sign(t, "k1", is2.Claims(testResource, map[string]any{"email_verified": true}))))
	if out, isErr := callText(t, s, "list_users", nil); isErr || !strings.Contains(out, "users") {
		t.Errorf("mapped by email: %s", out)
	}
	s = g.connect(t, bearerHeader(is2.Sign(t, "k1", is2.Claims(testResource, map[string]any{"sub": "bob", "email": "bob@example.com"}))))
	if out, isErr := callText(t, s, "list_users", nil); !isErr || !strings.Contains(out, `subject "bob"`) || !strings.Contains(out, "--oauth-keys") {
		t.Errorf("an unmapped person: isError %v: %s", isErr, out)
	}
}

func TestOAuthExcludesTheStaticToken(t *testing.T) {
	v, err := oauth.New(oauth.Config{Issuer: "https://login.example.com", Audience: testResource})
	if err != nil {
		t.Fatal(err)
	}
	if err := (HTTPConfig{Addr: "0.0.0.0:8080", OAuth: v, AuthToken: "t"}).Validate(); err == nil {
		t.Error("OAuth with a static token was accepted")
	}
	if err := (HTTPConfig{Addr: "0.0.0.0:8080", OAuth: v}).Validate(); err != nil {
		t.Errorf("OAuth beyond loopback: %v", err)
	}
}

// TestOAuthPersonReachesTheTools: a signed-in person's subject, and the
// server's address as the caller reached it, reach the tools with each
// request; the confirmation pages are served without a token (a person's
// browser has none).
func TestOAuthPersonReachesTheTools(t *testing.T) {
	var mu sync.Mutex
	var bases, subjects []string
	f, is := oauthFixture(t, true, func(c *HTTPConfig) {
		c.RequestContext = func(ctx context.Context, base, subject string) context.Context {
			mu.Lock()
			defer mu.Unlock()
			bases, subjects = append(bases, base), append(subjects, subject)
			return ctx
		}
		c.Pages, c.PagesPath = tools.NewPages(), tools.PagesPath
	})
	s := f.connect(t, bearerHeader(is.Sign(t, "k1", is.Claims(testResource, map[string]any{"sub": "ana"}))))
	callText(t, s, "list_users", nil)
	mu.Lock()
	if !slices.Contains(subjects, "ana") || !slices.Contains(bases, strings.TrimSuffix(f.url, MCPPath)) {
		t.Errorf("the tools were told bases %q, subjects %q", bases, subjects)
	}
	mu.Unlock()
	resp, err := http.Get(strings.TrimSuffix(f.url, MCPPath) + tools.PagesPath + "no-such-page")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("a page without a token: %d, want the pages' own 404", resp.StatusCode)
	}
}

// TestOAuthKeyNamespaces: a person is mapped to a key by their subject
// ("sub:"), or by their email ("email:") only when the issuer verified it;
// a subject spelled as someone's email, or their email unverified, gets
// nothing of theirs.
func TestOAuthKeyNamespaces(t *testing.T) {
	var ownersKey string
	f, is := oauthFixture(t, false, func(c *HTTPConfig) {
		c.IdentityKeys = func(who string) (string, bool) {
			return ownersKey, who == "email:ana@example.com" || who == "sub:auth0|bob"
		}
	})
	ownersKey = f.api.APIKey
	for _, tc := range []struct {
		name   string
		claims map[string]any
		mapped bool
	}{
		{"ana's email, verified", map[string]any{"sub": "someone", "email": "Ana@Example.com", "email_verified": true}, true},
		{"ana's email, verified as a string", map[string]any{"sub": "someone", "email_verified": "true"}, true},
		{"ana's email, unverified", map[string]any{"sub": "someone-else", "email_verified": false}, false},
		{"ana's email, verification unsaid", map[string]any{"sub": "someone-else"}, false},
		{"a subject spelled as ana's email", map[string]any{"sub": "ana@example.com", "email": nil}, false},
		{"a subject spelled as ana's key entry", map[string]any{"sub": "email:ana@example.com", "email": nil}, false},
		{"bob's subject", map[string]any{"sub": "auth0|bob", "email": nil}, true},
		{"an email spelled as bob's subject", map[string]any{"sub": "mallory", "email": "auth0|bob", "email_verified": true}, false},
	} {
		s := f.connect(t, bearerHeader(is.Sign(t, "k1", is.Claims(testResource, tc.claims))))
		out, isErr := callText(t, s, "list_users", nil)
		if tc.mapped == isErr {
			t.Errorf("%s: isError %v: %s", tc.name, isErr, out)
		}
	}
}

// TestOAuthCallerHangsUp: while the issuer answers slowly, a request with
// a forged token that hangs up at once, during discovery or during the
// JWKS fetch, leaves the fetch running for the others: a valid token is
// served right after, and the issuer was asked once.
func TestOAuthCallerHangsUp(t *testing.T) {
	for _, during := range []string{"discovery", "jwks"} {
		t.Run(during, func(t *testing.T) {
			f, is := oauthFixture(t, true, nil)
			is.SetLatency(300 * time.Millisecond)
			forger, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				t.Fatal(err)
			}
			forged := testkit.SignJWT(t, jose.SigningKey{Algorithm: jose.RS256, Key: forger}, "k1", is.Claims(testResource, nil))
			ctx, hangUp := context.WithCancel(t.Context())
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, f.url, nil) // no body: the server sees the hang-up
			req.Header.Set("Authorization", "Bearer "+forged)
			answered := make(chan struct{})
			go func() {
				defer close(answered)
				if resp, err := http.DefaultClient.Do(req); err == nil {
					resp.Body.Close()
				}
			}()
			fetches := &is.DiscoveryFetches
			if during == "jwks" {
				fetches = &is.JWKSFetches
			}
			for fetches.Load() == 0 {
				select {
				case <-answered:
					t.Fatal("the forged token was answered before the issuer was asked")
				case <-time.After(5 * time.Millisecond):
				}
			}
			hangUp()
			<-answered
			status, _, body := post(t, f.url, listUsersCall, bearerHeader(is.Sign(t, "k1", is.Claims(testResource, nil))))
			if status != http.StatusOK {
				t.Errorf("a valid token after a caller hung up during the %s: %d %s", during, status, body)
			}
			if d, j := is.DiscoveryFetches.Load(), is.JWKSFetches.Load(); d != 1 || j != 1 {
				t.Errorf("the issuer was asked %d times for discovery and %d for its keys, want once each", d, j)
			}
		})
	}
}
