package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/openphone-mcp/openphone-mcp/serve/oauth"
)

// identityKey is the context key of a signed-in caller's oauth.Identity.
type identityKey struct{}

// identityAPIKey is the OpenPhone key that keys maps id to: by subject
// ("sub:" and the subject), else by email ("email:" and the email in
// lower case) when the issuer verified it. Subjects and emails are apart,
// so that a subject spelled as someone's email maps to nothing of theirs.
func identityAPIKey(keys func(who string) (string, bool), id oauth.Identity) (string, bool) {
	if keys == nil {
		return "", false
	}
	if k, ok := keys("sub:" + id.Subject); ok {
		return k, true
	}
	if id.Email != "" && id.EmailVerified {
		if k, ok := keys("email:" + strings.ToLower(id.Email)); ok {
			return k, true
		}
	}
	return "", false
}

// checkAccessToken lets through the requests whose access token v
// accepts, with the caller's identity in their context, before their body
// is read. Others are answered as the MCP authorization spec says: 401
// with a challenge that points to the protected-resource metadata
// (error="invalid_token" when a token was sent), 403 with
// error="insufficient_scope" and the scope wanted, 503 while the
// issuer's keys cannot be read.
func checkAccessToken(v *oauth.Verifier, logger *slog.Logger) func(http.Handler) http.Handler {
	challenge := func(extra string) string {
		return fmt.Sprintf(`Bearer resource_metadata=%q%s`, v.MetadataURL(), extra)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token, ok := bearer(r)
			if !ok {
				w.Header().Set("WWW-Authenticate", challenge(""))
				refuse(w, http.StatusUnauthorized, "sign in: this server takes OAuth access tokens (see its protected-resource metadata)")
				return
			}
			id, err := v.Verify(r.Context(), token)
			var scopeErr *oauth.ScopeError
			switch {
			case err != nil && r.Context().Err() != nil:
				return // the caller went away: no one to answer
			case errors.As(err, &scopeErr):
				w.Header().Set("WWW-Authenticate", challenge(fmt.Sprintf(`, error="insufficient_scope", scope=%q`, strings.Join(v.Scopes(), " "))))
				refuse(w, http.StatusForbidden, err.Error())
				return
			case errors.Is(err, oauth.ErrUnavailable):
				logger.Warn("cannot check access tokens", "err", err)
				w.Header().Set("Retry-After", "10")
				refuse(w, http.StatusServiceUnavailable, "the authorization server's keys cannot be read now; try again shortly")
				return
			case err != nil:
				logger.Debug("refused an access token", "err", err)
				w.Header().Set("WWW-Authenticate", challenge(`, error="invalid_token", error_description="the access token is not valid for this server"`))
				refuse(w, http.StatusUnauthorized, "invalid access token")
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), identityKey{}, id)))
		})
	}
}

// serveMetadata serves v's RFC 9728 protected-resource metadata, to any
// origin: it is public. It answers at v.MetadataURLPath() only; other
// paths under the well-known one are not found.
func serveMetadata(v *oauth.Verifier) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.EscapedPath() != v.MetadataURLPath() {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "GET")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "GET only", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v.Metadata())
	}
}
