package oauth

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

const resource = "https://mcp.example.com/mcp"

func newVerifier(t *testing.T, is *testkit.Issuer, edit func(*Config)) *Verifier {
	t.Helper()
	cfg := Config{Issuer: is.URL, Audience: resource, Scopes: []string{"openphone:read"}, HTTPClient: is.Client(), MinRefresh: time.Hour}
	if edit != nil {
		edit(&cfg)
	}
	v, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerify(t *testing.T) {
	is := testkit.NewIssuer(t)
	is.AddKey(t, "rsa-1", "rsa")
	is.AddKey(t, "ec-1", "ec")
	v := newVerifier(t, is, nil)
	pub := x509.MarshalPKCS1PublicKey(&is.Keys["rsa-1"].(*rsa.PrivateKey).PublicKey)
	for _, tc := range []struct {
		name  string
		token string
		want  error // nil: valid
	}{
		{"RS256", is.Sign(t, "rsa-1", is.Claims(resource, nil)), nil},
		{"ES256", is.Sign(t, "ec-1", is.Claims(resource, nil)), nil},
		{"scp as an array", is.Sign(t, "rsa-1", is.Claims(resource, map[string]any{"scope": nil, "scp": []string{"openphone:read"}})), nil},
		{"expired", is.Sign(t, "rsa-1", is.Claims(resource, map[string]any{"exp": time.Now().Add(-time.Minute).Unix()})), ErrInvalidToken},
		{"expired within the leeway", is.Sign(t, "rsa-1", is.Claims(resource, map[string]any{"exp": time.Now().Add(-10 * time.Second).Unix()})), nil},
		{"not yet valid", is.Sign(t, "rsa-1", is.Claims(resource, map[string]any{"nbf": time.Now().Add(time.Minute).Unix()})), ErrInvalidToken},
		{"another issuer", is.Sign(t, "rsa-1", is.Claims(resource, map[string]any{"iss": "https://evil.example.com"})), ErrInvalidToken},
		{"for another resource (confused deputy)", is.Sign(t, "rsa-1", is.Claims(resource, map[string]any{"aud": []string{"https://other.example.com/mcp"}})), ErrInvalidToken},
		{"no audience", is.Sign(t, "rsa-1", is.Claims(resource, map[string]any{"aud": nil})), ErrInvalidToken},
		{"no subject", is.Sign(t, "rsa-1", is.Claims(resource, map[string]any{"sub": nil})), ErrInvalidToken},
		{"a missing scope", is.Sign(t, "rsa-1", is.Claims(resource, map[string]any{"scope": "openid"})), &ScopeError{}},
		{"alg none", unsigned(is.Claims(resource, nil)), ErrInvalidToken},
		{"HS256 keyed with the public key", hs256(t, pub, is.Claims(resource, nil)), ErrInvalidToken},
		{"not a JWT", "opaque-token", ErrInvalidToken},
	} {
		id, err := v.Verify(t.Context(), tc.token)
		var scopeErr *ScopeError
		switch {
		case tc.want == nil && (err != nil || id.Subject != "user-42" || id.Email != "ana@example.com"):
			t.Errorf("%s: %+v, %v; want it valid", tc.name, id, err)
		case tc.want == ErrInvalidToken && !errors.Is(err, ErrInvalidToken):
			t.Errorf("%s: %v; want an invalid token", tc.name, err)
		case tc.want != nil && tc.want != ErrInvalidToken && (!errors.As(err, &scopeErr) || scopeErr.Missing[0] != "openphone:read"):
			t.Errorf("%s: %v; want the scope openphone:read missing", tc.name, err)
		}
	}
}

// TestKeyRotation: a token signed with a key added since the JWKS was read
// makes it read again, once; made-up key IDs then cost no more fetches
// until MinRefresh has passed.
func TestKeyRotation(t *testing.T) {
	is := testkit.NewIssuer(t)
	is.AddKey(t, "old", "rsa")
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	v := newVerifier(t, is, func(c *Config) { c.MinRefresh = time.Minute; c.Now = clock })
	if _, err := v.Verify(t.Context(), is.Sign(t, "old", is.Claims(resource, nil))); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	is.AddKey(t, "new", "ec")
	if _, err := v.Verify(t.Context(), is.Sign(t, "new", is.Claims(resource, nil))); err != nil {
		t.Fatalf("the rotated key: %v", err)
	}
	is.AddKey(t, "forged", "rsa")
	for range 50 {
		if _, err := v.Verify(t.Context(), is.Sign(t, "forged", is.Claims(resource, nil))); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("a key fetched too recently to look again: %v", err)
		}
	}
	if n := is.JWKSFetches.Load(); n != 2 {
		t.Errorf("%d fetches of the JWKS, want 2", n)
	}
}

// TestDiscovery: an issuer with only an OpenID Connect document is found
// too; one whose document names another issuer is refused, and no token
// is accepted.
func TestDiscovery(t *testing.T) {
	is := testkit.NewIssuer(t)
	is.AddKey(t, "k", "rsa")
	is.OnlyOIDC = true
	if _, err := newVerifier(t, is, nil).Verify(t.Context(), is.Sign(t, "k", is.Claims(resource, nil))); err != nil {
		t.Errorf("OpenID Connect discovery: %v", err)
	}
	is.IssuerName = "https://someone-else.example.com"
	if _, err := newVerifier(t, is, nil).Verify(t.Context(), is.Sign(t, "k", is.Claims(resource, nil))); !errors.Is(err, ErrUnavailable) {
		t.Errorf("a document naming another issuer: %v", err)
	}
}

func TestMetadata(t *testing.T) {
	is := testkit.NewIssuer(t)
	v := newVerifier(t, is, nil)
	if got := v.MetadataURL(); got != "https://mcp.example.com/.well-known/oauth-protected-resource/mcp" {
		t.Errorf("MetadataURL = %s", got)
	}
	m := v.Metadata()
	if m["resource"] != resource || m["authorization_servers"].([]string)[0] != is.URL || m["scopes_supported"].([]string)[0] != "openphone:read" {
		t.Errorf("Metadata = %v", m)
	}
}

// unsigned is claims as a JWT with alg none.
func unsigned(claims map[string]any) string {
	b, _ := json.Marshal(claims)
	return b64(`{"alg":"none","typ":"JWT"}`) + "." + base64.RawURLEncoding.EncodeToString(b) + "."
}

// hs256 is claims signed HS256 with key: the attack on a verifier that
// takes an RSA public key as an HMAC secret.
func hs256(t *testing.T, key []byte, claims map[string]any) string {
	return testkit.SignJWT(t, jose.SigningKey{Algorithm: jose.HS256, Key: key}, "rsa-1", claims)
}

func b64(s string) string {
	return strings.TrimRight(base64.RawURLEncoding.EncodeToString([]byte(s)), "=")
}

// TestTokenType: RFC 9068's at+jwt is required, in any case and with or
// without application/; a token typed JWT (an ID token's type) or not
// typed is refused, unless AllowUntypedTokens takes it.
func TestTokenType(t *testing.T) {
	is := testkit.NewIssuer(t)
	is.AddKey(t, "k1", "rsa")
	strict := newVerifier(t, is, nil)
	lenient := newVerifier(t, is, func(c *Config) { c.AllowUntypedTokens = true })
	key := jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: is.Keys["k1"], KeyID: "k1"}}
	for _, tc := range []struct {
		typ             string // "-": none
		strict, lenient bool
	}{
		{"at+jwt", true, true},
		{"AT+JWT", true, true},
		{"application/at+jwt", true, true},
		{"Application/At+Jwt", true, true},
		{"JWT", false, true},
		{"-", false, true},
		{"id+jwt", false, false},
		{"application/jwt", false, true},
	} {
		opts := (&jose.SignerOptions{}).WithHeader("kid", "k1")
		if tc.typ != "-" {
			opts = opts.WithType(jose.ContentType(tc.typ))
		}
		signer, err := jose.NewSigner(key, opts)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := jwt.Signed(signer).Claims(is.Claims(resource, nil)).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []struct {
			name string
			v    *Verifier
			ok   bool
		}{{"strict", strict, tc.strict}, {"lenient", lenient, tc.lenient}} {
			_, err := v.v.Verify(t.Context(), raw)
			if (err == nil) != v.ok || err != nil && !errors.Is(err, ErrInvalidToken) {
				t.Errorf("typ %s, %s: %v, want ok %v", tc.typ, v.name, err, v.ok)
			}
		}
	}
}

// TestEmailVerified: the identity says whether the issuer verified the
// email, from a boolean or (as some issuers send it) a string.
func TestEmailVerified(t *testing.T) {
	is := testkit.NewIssuer(t)
	is.AddKey(t, "k1", "rsa")
	v := newVerifier(t, is, nil)
	for _, tc := range []struct {
		claim any
		want  bool
	}{{true, true}, {"true", true}, {false, false}, {"false", false}, {nil, false}, {1, false}} {
		id, err := v.Verify(t.Context(), is.Sign(t, "k1", is.Claims(resource, map[string]any{"email_verified": tc.claim})))
		if err != nil || id.EmailVerified != tc.want {
			t.Errorf("email_verified %v: %+v, %v; want %v", tc.claim, id, err, tc.want)
		}
	}
}

// TestCallerCancels: a caller that gives up while the issuer answers
// slowly gets its context's error, not the issuer's; the fetch goes on,
// and the next caller is served by it.
func TestCallerCancels(t *testing.T) {
	is := testkit.NewIssuer(t)
	is.AddKey(t, "k1", "rsa")
	is.SetLatency(200 * time.Millisecond)
	v := newVerifier(t, is, func(c *Config) { c.MinRefresh = time.Minute })
	token := is.Sign(t, "k1", is.Claims(resource, nil))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { _, err := v.Verify(ctx, token); done <- err }()
	for is.DiscoveryFetches.Load() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnavailable) || errors.Is(err, ErrInvalidToken) {
		t.Errorf("the caller that gave up: %v", err)
	}
	if _, err := v.Verify(t.Context(), token); err != nil {
		t.Errorf("the next caller: %v", err)
	}
}
