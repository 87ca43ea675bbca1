package oauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/sync/singleflight"
)

// signingAlgs are the algorithms a token may be signed with: public-key
// ones only, so none and HS256 (whose "key" would be a public key) are
// refused before any key is looked at.
var signingAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

var joseAlgs = func() []jose.SignatureAlgorithm {
	out := make([]jose.SignatureAlgorithm, len(signingAlgs))
	for i, a := range signingAlgs {
		out[i] = jose.SignatureAlgorithm(a)
	}
	return out
}()

// A keySet is the issuer's JWKS, cached. A token signed with a key it does
// not hold makes it fetch the set again, at most every minRefresh, so that
// a rotated key is found and a flood of made-up key IDs costs one fetch.
// A fetch runs on its own (fetchTimeout), shared by every caller waiting
// for it: a caller that goes away neither cancels it nor counts as its
// failure.
type keySet struct {
	url        string
	client     *http.Client
	minRefresh time.Duration
	now        func() time.Time
	fetches    singleflight.Group

	mu      sync.Mutex // guards what follows
	keys    []jose.JSONWebKey
	fetched time.Time // the last fetch that ended, successful or not
}

// VerifySignature checks raw's signature with the key its kid names,
// whose algorithm must be the one the token's header claims, and returns
// the payload.
func (k *keySet) VerifySignature(ctx context.Context, raw string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(raw, joseAlgs)
	if err != nil {
		return nil, err
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("want one signature")
	}
	header := jws.Signatures[0].Header
	key, err := k.key(ctx, header.KeyID)
	if err != nil {
		return nil, err
	}
	if alg := keyAlgorithm(key); alg != header.Algorithm {
		return nil, fmt.Errorf("the token is signed %s, but its key %q is for %s", header.Algorithm, header.KeyID, alg)
	}
	return jws.Verify(key)
}

// key finds the signing key kid, fetching the set again when it is not
// held (or never was fetched) and the last fetch is old enough. When ctx
// ends first, it returns ctx's error.
func (k *keySet) key(ctx context.Context, kid string) (jose.JSONWebKey, error) {
	k.mu.Lock()
	key, ok := k.find(kid)
	recent := !k.fetched.IsZero() && k.now().Sub(k.fetched) < k.minRefresh
	none := k.keys == nil
	k.mu.Unlock()
	switch {
	case ok:
		return key, nil
	case recent && none:
		return jose.JSONWebKey{}, fmt.Errorf("%w: the key set could not be read less than %v ago", ErrUnavailable, k.minRefresh)
	case recent:
		return jose.JSONWebKey{}, fmt.Errorf("no key %q in the issuer's key set", kid)
	}
	var fetchErr error
	select {
	case res := <-k.fetches.DoChan("", k.fetch):
		fetchErr = res.Err
	case <-ctx.Done():
		return jose.JSONWebKey{}, ctx.Err()
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if key, ok := k.find(kid); ok {
		return key, nil
	}
	switch {
	case fetchErr != nil && k.keys == nil:
		return jose.JSONWebKey{}, fmt.Errorf("%w: %v", ErrUnavailable, fetchErr)
	case fetchErr != nil:
		return jose.JSONWebKey{}, fmt.Errorf("no key %q, and the key set could not be read again: %v", kid, fetchErr)
	}
	return jose.JSONWebKey{}, fmt.Errorf("no key %q in the issuer's key set", kid)
}

// fetch reads the key set, unless another fetch ended less than
// minRefresh ago, under its own timeout.
func (k *keySet) fetch() (any, error) {
	k.mu.Lock()
	recent := !k.fetched.IsZero() && k.now().Sub(k.fetched) < k.minRefresh
	k.mu.Unlock()
	if recent {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	var set jose.JSONWebKeySet
	err := getJSON(ctx, k.client, k.url, &set)
	k.mu.Lock()
	defer k.mu.Unlock()
	k.fetched = k.now()
	if err != nil {
		return nil, err
	}
	k.keys = set.Keys
	return nil, nil
}

// find is the public signing key kid; a token without a kid may use the
// only one. The caller holds k.mu.
func (k *keySet) find(kid string) (jose.JSONWebKey, bool) {
	var signing []jose.JSONWebKey
	for _, key := range k.keys {
		if (key.Use == "" || key.Use == "sig") && key.IsPublic() && keyAlgorithm(key) != "" {
			signing = append(signing, key)
		}
	}
	for _, key := range signing {
		if key.KeyID == kid {
			return key, true
		}
	}
	if kid == "" && len(signing) == 1 {
		return signing[0], true
	}
	return jose.JSONWebKey{}, false
}

// keyAlgorithm is the algorithm a key signs with: the one it names, else
// the one its type implies; "" for a key that is no public signing key.
func keyAlgorithm(key jose.JSONWebKey) string {
	if key.Algorithm != "" {
		return key.Algorithm
	}
	switch pub := key.Key.(type) {
	case *rsa.PublicKey:
		return "RS256"
	case *ecdsa.PublicKey:
		switch pub.Curve {
		case elliptic.P256():
			return "ES256"
		case elliptic.P384():
			return "ES384"
		case elliptic.P521():
			return "ES512"
		}
	case ed25519.PublicKey:
		return "EdDSA"
	}
	return ""
}
