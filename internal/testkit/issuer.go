package testkit

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// An Issuer is a real authorization server's public face, in the test:
// discovery (RFC 8414, or only OpenID Connect's), a JWKS, and keys that
// sign tokens.
type Issuer struct {
	*httptest.Server
	mu sync.Mutex
	// Keys are the private keys by kid, those the JWKS lists.
	Keys map[string]any
	// JWKSFetches counts the fetches of the JWKS, and DiscoveryFetches
	// those of either discovery document, as they arrive.
	JWKSFetches, DiscoveryFetches atomic.Int32
	latency                       atomic.Int64 // SetLatency's
	// OnlyOIDC serves only the OpenID Connect discovery document.
	OnlyOIDC bool
	// IssuerName is the issuer its documents name; "" is its URL.
	IssuerName string
}

// NewIssuer starts an Issuer with no keys, closed when the test ends.
func NewIssuer(t testing.TB) *Issuer {
	t.Helper()
	is := &Issuer{Keys: map[string]any{}}
	mux := http.NewServeMux()
	doc := func(w http.ResponseWriter, r *http.Request) {
		is.DiscoveryFetches.Add(1)
		is.delay(r)
		name := is.IssuerName
		if name == "" {
			name = is.URL
		}
		json.NewEncoder(w).Encode(map[string]any{"issuer": name, "jwks_uri": is.URL + "/jwks"})
	}
	mux.HandleFunc("/.well-known/oauth-authorization-server", func(w http.ResponseWriter, r *http.Request) {
		if is.OnlyOIDC {
			http.NotFound(w, r)
			return
		}
		doc(w, r)
	})
	mux.HandleFunc("/.well-known/openid-configuration", doc)
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		is.JWKSFetches.Add(1)
		is.delay(r)
		is.mu.Lock()
		defer is.mu.Unlock()
		var set jose.JSONWebKeySet
		for kid, k := range is.Keys {
			var pub any
			switch k := k.(type) {
			case *rsa.PrivateKey:
				pub = &k.PublicKey
			case *ecdsa.PrivateKey:
				pub = &k.PublicKey
			}
			set.Keys = append(set.Keys, jose.JSONWebKey{Key: pub, KeyID: kid, Use: "sig"})
		}
		json.NewEncoder(w).Encode(set)
	})
	is.Server = httptest.NewServer(mux)
	t.Cleanup(is.Close)
	return is
}

// SetLatency makes the issuer answer each request d after it arrives (or
// when its client goes away), as a slow authorization server does.
func (is *Issuer) SetLatency(d time.Duration) { is.latency.Store(int64(d)) }

func (is *Issuer) delay(r *http.Request) {
	if d := time.Duration(is.latency.Load()); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
	}
}

// AddKey makes a key of the kind ("rsa" or "ec") under kid, listed in the
// JWKS from now on.
func (is *Issuer) AddKey(t testing.TB, kid, kind string) {
	t.Helper()
	var k any
	var err error
	if kind == "rsa" {
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	is.Keys[kid] = k
}

// Sign signs claims with the key kid.
func (is *Issuer) Sign(t testing.TB, kid string, claims map[string]any) string {
	t.Helper()
	is.mu.Lock()
	k := is.Keys[kid]
	is.mu.Unlock()
	alg := jose.RS256
	if _, ok := k.(*ecdsa.PrivateKey); ok {
		alg = jose.ES256
	}
	return SignJWT(t, jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: k, KeyID: kid}}, kid, claims)
}

// SignJWT signs claims as a JWT of type at+jwt with key, naming kid.
func SignJWT(t testing.TB, key jose.SigningKey, kid string, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(key, (&jose.SignerOptions{}).WithType("at+jwt").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// Claims are a valid access token's claims for resource, with extra
// changes (a nil value removes a claim): subject user-42, ana@example.com,
// scope openphone:read, an hour to live.
func (is *Issuer) Claims(resource string, extra map[string]any) map[string]any {
	now := time.Now()
	c := map[string]any{"iss": is.URL, "sub": "user-42", "aud": []string{resource}, "exp": now.Add(time.Hour).Unix(),
		"iat": now.Unix(), "scope": "openphone:read openid", "email": "ana@example.com"}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}
