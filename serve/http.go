package serve

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/openphone-mcp/openphone-mcp/serve/oauth"
	"golang.org/x/net/netutil"
)

// Limits and names of the HTTP transport.
const (
	// MCPPath is the MCP endpoint; HealthPath answers 200 to anyone.
	MCPPath    = "/mcp"
	HealthPath = "/healthz"
	// MetricsPath serves the metrics, when the server has them.
	MetricsPath = "/metrics"
	// WebhookPath takes OpenPhone's webhook deliveries, when the server
	// has a handler for them.
	WebhookPath = "/webhooks/openphone"
	// MaxRequestBytes bounds a request body; a larger one gets 413. The
	// largest real request (a tool call with ten participants, say) is a
	// few KiB; the cap keeps what one request can cost to decode small.
	MaxRequestBytes = 32 << 10
	// MaxRequestsInFlight bounds the MCP requests served at once. One
	// beyond it is answered at once as busy.
	MaxRequestsInFlight = 128
	// maxConnections bounds the connections open at once, idle ones
	// included; the listener accepts no more until one closes.
	maxConnections = 1024
	// APIKeyHeader carries a caller's own OpenPhone key, used instead of
	// the server's for that request.
	APIKeyHeader = "X-OpenPhone-Api-Key"
	// maxAccounts bounds the callers' keys whose clients are kept.
	maxAccounts = 256
)

// corsAllowHeaders are the request headers a browser client may send.
const corsAllowHeaders = "Authorization, Content-Type, Accept, Mcp-Protocol-Version, Mcp-Session-Id, Last-Event-ID, " + APIKeyHeader

// HTTPConfig configures the Streamable HTTP transport.
type HTTPConfig struct {
	// Addr is the host:port to listen on, such as 127.0.0.1:8080.
	Addr string
	// AllowedOrigins are the browser origins, besides loopback ones, whose
	// requests are served, such as https://assistant.example.com.
	AllowedOrigins []string
	// AllowedHosts are the Host names, besides loopback ones, that
	// requests may address without an AuthToken: the public name of a
	// reverse proxy in front, such as mcp.example.com. With an AuthToken,
	// any Host is served: the token is what keeps others out.
	AllowedHosts []string
	// AuthToken, when set, is the bearer token every MCP request must
	// carry. It is never sent on to OpenPhone. Whitespace around it is
	// trimmed.
	AuthToken string
	// OAuth, when set, makes the server an OAuth resource server: every
	// MCP request must carry an access token it accepts, and the
	// protected-resource metadata is served. It excludes AuthToken.
	OAuth *oauth.Verifier
	// IdentityKeys maps a signed-in caller to an OpenPhone key of their
	// own, by "sub:" and their subject, or else, when the issuer verified
	// their email, by "email:" and it in lower case; nil maps none.
	// Callers it does not map use the server's key.
	IdentityKeys func(who string) (apiKey string, ok bool)
	// ServerKey says whether the server has an OpenPhone key of its own,
	// for callers that bring none.
	ServerKey bool
	// CallerKeys lets a caller send an OpenPhone key of its own in
	// APIKeyHeader.
	CallerKeys bool
	// NewAccount makes the account of an OpenPhone key that is not the
	// server's: a caller's (APIKeyHeader) or a signed-in person's
	// (IdentityKeys). It is made once per key and kept while the key is in
	// use.
	NewAccount func(apiKey string) (Account, error)
	// Metrics, when set, is served at MetricsPath behind the same checks
	// as MCPPath (a separate listener is the caller's to make).
	Metrics http.Handler
	// Pages, when set, is served at PagesPath to whoever reaches the
	// server, with no token: a person's browser opens them, and a page's
	// own unguessable address is what lets them in. Host is checked as for
	// MCPPath (which, with a token or OAuth, takes any Host); the pages
	// check Origin themselves.
	Pages     http.Handler
	PagesPath string
	// Webhook, when set, is served at WebhookPath to whoever reaches the
	// server, without the token or OAuth that MCPPath asks, and without
	// its Host and Origin checks: OpenPhone sends neither token nor
	// browser headers, and the handler's own signature check (with keys
	// of its own, never the AuthToken) is its door. It bounds its body
	// itself: MaxRequestBytes does not apply.
	Webhook http.Handler
	// RequestContext, when set, gives each MCP request's context what the
	// tools need to know of it: the server's own address as its caller
	// reached it (base, https://mcp.example.com), and the signed-in
	// person's OAuth subject ("" when none).
	RequestContext func(ctx context.Context, base, subject string) context.Context
	// OnAccounts is told how many callers' accounts are kept, as it
	// changes; nil is told nothing.
	OnAccounts func(n int)
	// Grace bounds how long calls in flight may run on at shutdown.
	Grace time.Duration
	// Logger receives the transport's log lines; nil discards them.
	Logger *slog.Logger
}

func (cfg HTTPConfig) token() string { return strings.TrimSpace(cfg.AuthToken) }

// An Account serves the requests that carry one caller's own API key.
type Account interface {
	// Context returns the context that such a request is served with.
	Context(parent context.Context) context.Context
}

// A ConfigError names the HTTPConfig field that cannot be served, and why.
type ConfigError struct {
	Field   string // such as "Addr"
	Value   string // the value refused; "" for a secret
	Problem string // what is wrong, and what would do
	// Needs names another field that would make the value acceptable, or "".
	Needs string
}

func (e *ConfigError) Error() string {
	msg := e.Field
	if e.Value != "" {
		msg += fmt.Sprintf(" %q", e.Value)
	}
	msg += ": " + e.Problem
	if e.Needs != "" {
		msg += " (" + e.Needs + ")"
	}
	return msg
}

// Validate refuses a configuration that would expose the server: a
// non-loopback address without an AuthToken, anyone who reached the port
// could read the workspace. Its errors are *ConfigError.
func (cfg HTTPConfig) Validate() error {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return &ConfigError{Field: "Addr", Value: cfg.Addr, Problem: "want host:port, such as 127.0.0.1:8080"}
	}
	if strings.ContainsFunc(cfg.token(), func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return &ConfigError{Field: "AuthToken", Problem: "the token contains whitespace or control characters; no client can send it in an Authorization header"}
	}
	if cfg.OAuth != nil && cfg.token() != "" {
		return &ConfigError{Field: "OAuth", Problem: "is set with an auth token too: callers sign in with OAuth, or send the static token, not both; choose one"}
	}
	if cfg.token() == "" && cfg.OAuth == nil && !isLoopback(host) {
		return &ConfigError{Field: "Addr", Value: cfg.Addr, Needs: "AuthToken",
			Problem: "listens beyond this machine with no auth token: anyone who reaches the port could read the workspace; listen on 127.0.0.1, or set the auth token, or sign callers in with OAuth"}
	}
	for _, o := range cfg.AllowedOrigins {
		if _, ok := normalizeOrigin(o); !ok {
			return &ConfigError{Field: "AllowedOrigins", Value: o, Problem: "is not an origin such as https://app.example.com"}
		}
	}
	for _, h := range cfg.AllowedHosts {
		if h == "" || strings.ContainsAny(h, "/:@ ") {
			return &ConfigError{Field: "AllowedHosts", Value: h, Problem: "is not a host name such as mcp.example.com (no scheme, port or path)"}
		}
	}
	return nil
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

// NewHTTPHandler returns the handler of the HTTP transport: MCP over
// Streamable HTTP at MCPPath, stateless, so that any replica can answer
// any request; HealthPath; and WebhookPath, when cfg.Webhook is set,
// outside every check of MCPPath. A request to MCPPath passes, in order: the
// Host check, the Origin check (answering CORS preflights of allowed
// origins), the bearer token, the body cap, the cap on requests in flight,
// and the message filter; then the account of its own OpenPhone key, if it
// sends one, is put in its context.
//
// Over stateless HTTP, no session ties a request to its caller: a
// notifications/cancelled is accepted and goes nowhere, so that no caller
// can cancel another's call. A caller cancels a call by closing its
// request.
func NewHTTPHandler(s *server.MCPServer, cfg HTTPConfig) http.Handler {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	// mcp-go's own Host check refuses every request that a reverse proxy
	// on this machine forwards with the public Host; checkHost does it.
	mcpHandler := server.NewStreamableHTTPServer(s, server.WithStateLess(true), server.WithDisableStreaming(true),
		server.WithDisableLocalhostProtection(true))
	accounts := newAccountCache(maxAccounts, cfg.NewAccount, cfg.OnAccounts)
	origins := make([]string, 0, len(cfg.AllowedOrigins))
	for _, o := range cfg.AllowedOrigins {
		if n, ok := normalizeOrigin(o); ok {
			origins = append(origins, n)
		}
	}
	inFlight := make(chan struct{}, MaxRequestsInFlight)
	mux := http.NewServeMux()
	mux.HandleFunc(HealthPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	authenticate := checkToken(cfg.token())
	if cfg.OAuth != nil {
		authenticate = checkAccessToken(cfg.OAuth, logger)
		// The audience's path is the operator's: serveMetadata answers at it.
		mux.HandleFunc(oauth.MetadataPath, serveMetadata(cfg.OAuth))
		mux.HandleFunc(oauth.MetadataPath+"/", serveMetadata(cfg.OAuth))
	}
	guard := func(h http.Handler) http.Handler {
		return checkHost(cfg.AllowedHosts, cfg.token() != "" || cfg.OAuth != nil, checkOrigin(origins, authenticate(h)))
	}
	mux.Handle(MCPPath, guard(readMessage(limitInFlight(inFlight, withAccount(cfg, accounts, logger, mcpHandler)))))
	if cfg.Metrics != nil {
		mux.Handle(MetricsPath, guard(cfg.Metrics))
	}
	if cfg.Pages != nil && cfg.PagesPath != "" {
		// The pages check that a POST comes from themselves: its Origin is
		// this server's own, which checkOrigin (for other sites' scripts)
		// would refuse.
		mux.Handle(cfg.PagesPath, checkHost(cfg.AllowedHosts, cfg.token() != "" || cfg.OAuth != nil, cfg.Pages))
	}
	if cfg.Webhook != nil {
		mux.Handle(WebhookPath, cfg.Webhook)
	}
	return mux
}

// HTTP serves MCP over Streamable HTTP on cfg.Addr until ctx is done. Then
// it stops accepting requests, lets those in flight finish within
// cfg.Grace, and returns.
func HTTP(ctx context.Context, s *server.MCPServer, cfg HTTPConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           NewHTTPHandler(s, cfg),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	if cfg.Logger != nil {
		auth := "none"
		switch {
		case cfg.OAuth != nil:
			auth = "oauth"
		case cfg.token() != "":
			auth = "token"
		}
		cfg.Logger.Info("serving MCP over HTTP", "url", "http://"+ln.Addr().String()+MCPPath, "auth", auth, "caller_keys", cfg.CallerKeys)
		if cfg.Webhook != nil {
			cfg.Logger.Info("taking OpenPhone's webhooks over HTTP", "url", "http://"+ln.Addr().String()+WebhookPath)
		}
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(netutil.LimitListener(ln, maxConnections)) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), cfg.Grace)
	defer cancel()
	err = srv.Shutdown(shutdown)
	if errors.Is(err, context.DeadlineExceeded) {
		srv.Close()
		err = nil
	}
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}

// refuse answers a request that is not served, and closes its connection:
// a client refused once gains nothing by keeping it.
func refuse(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Connection", "close")
	http.Error(w, message, status)
}

// checkHost answers 403 to a request addressed to a Host that is neither
// loopback nor allowed, unless a token is required (DNS rebinding cannot
// bring the token along).
func checkHost(allowed []string, tokenRequired bool, next http.Handler) http.Handler {
	if tokenRequired {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		if !isLoopback(host) && !containsFold(allowed, host) {
			refuse(w, http.StatusForbidden, fmt.Sprintf("Host %q is not served: start the server with --allowed-hosts %s (the name a reverse proxy forwards), or with an auth token", r.Host, host))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func containsFold(list []string, s string) bool {
	for _, item := range list {
		if strings.EqualFold(item, s) {
			return true
		}
	}
	return false
}

// checkOrigin answers 403 to a request whose Origin is present and not
// allowed, as the MCP spec requires against DNS rebinding. Loopback
// origins are allowed; requests without an Origin (not from a browser)
// pass. An allowed origin gets the CORS headers a browser needs, and its
// preflight is answered here, before any token is asked for.
func checkOrigin(allowed []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		if !originAllowed(origin, allowed) {
			refuse(w, http.StatusForbidden, "origin not allowed: start the server with --allowed-origins to allow it")
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "POST, GET, DELETE, OPTIONS")
			h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", "Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate")
		next.ServeHTTP(w, r)
	})
}

// normalizeOrigin writes an origin as browsers send it: scheme and host in
// lower case, without a default port or a trailing slash.
func normalizeOrigin(o string) (string, bool) {
	u, err := url.Parse(strings.TrimRight(o, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.User != nil || u.RawQuery != "" {
		return "", false
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, true
}

func originAllowed(origin string, allowed []string) bool {
	n, ok := normalizeOrigin(origin)
	if !ok {
		return false
	}
	u, _ := url.Parse(n)
	if isLoopback(u.Hostname()) {
		return true
	}
	for _, a := range allowed {
		if a == n {
			return true
		}
	}
	return false
}

// checkToken answers 401 to a request without the bearer token, when one
// is set, before its body is read. The scheme is matched in any case (RFC
// 7235); the comparison takes the same time whatever the guess.
func checkToken(token string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if token == "" {
			return next
		}
		want := sha256.Sum256([]byte(token))
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got, ok := bearer(r)
			sum := sha256.Sum256([]byte(got))
			if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="openphone-mcp"`)
				refuse(w, http.StatusUnauthorized, "missing or wrong bearer token")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// bearer is the request's bearer credential, the scheme in any case.
func bearer(r *http.Request) (string, bool) {
	scheme, got, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	got = strings.TrimSpace(got)
	return got, strings.EqualFold(scheme, "Bearer") && got != ""
}

// A message is what the transport reads of a request's JSON-RPC message.
type message struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
}

type messageKey struct{}

// readMessage reads the body, answering 413 past MaxRequestBytes, and puts
// what it says (method and id) in the request's context. A cancellation is
// answered here, 202, and goes no further (NewHTTPHandler says why).
func readMessage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > MaxRequestBytes {
			refuse(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d KiB", MaxRequestBytes>>10))
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBytes+1))
		switch {
		case err != nil:
			refuse(w, http.StatusBadRequest, "reading the request body failed")
			return
		case len(body) > MaxRequestBytes:
			refuse(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d KiB", MaxRequestBytes>>10))
			return
		}
		var m message
		json.Unmarshal(body, &m) // a batch or garbage is mcp-go's to answer
		if m.Method == string(mcp.MethodNotificationCancelled) {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), messageKey{}, m)))
	})
}

// limitInFlight answers at once, as busy, a request beyond
// MaxRequestsInFlight: a tool call with an isError result the model can
// read, anything else with a JSON-RPC error.
func limitInFlight(slots chan struct{}, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			next.ServeHTTP(w, r)
			return
		default:
		}
		m, _ := r.Context().Value(messageKey{}).(message)
		text := fmt.Sprintf("The server is busy: %d requests are already in flight, and this one was not started. Wait a few seconds, then call again.", MaxRequestsInFlight)
		w.Header().Set("Retry-After", "1")
		if m.Method == string(mcp.MethodToolsCall) {
			answerToolCall(w, m, text)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if len(m.ID) == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": m.ID, "error": map[string]any{"code": -32000, "message": text}})
	})
}

// baseURL is the server's address as the caller of r reached it: its Host,
// over https when r came over TLS or through a proxy that says it did.
func baseURL(r *http.Request) string {
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// answerToolCall answers m, a tool call, with an isError result of text:
// what the model reads.
func answerToolCall(w http.ResponseWriter, m message, text string) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": m.ID, "result": mcp.NewToolResultError(text)})
}

// withAccount puts in the request's context the account of the OpenPhone
// key it is served with: the caller's own (APIKeyHeader, where allowed),
// else the signed-in person's (IdentityKeys), else none, for the server's.
// The header is removed, so that nothing downstream can see or log it. A
// signed-in person with no key, on a server with none, gets a tool call's
// isError that says so.
func withAccount(cfg HTTPConfig, accounts *accountCache, logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimSpace(r.Header.Get(APIKeyHeader))
		r.Header.Del(APIKeyHeader)
		if key != "" && !cfg.CallerKeys {
			http.Error(w, APIKeyHeader+": this server does not take callers' OpenPhone keys", http.StatusBadRequest)
			return
		}
		id, signedIn := r.Context().Value(identityKey{}).(oauth.Identity)
		if key == "" && signedIn {
			key, _ = identityAPIKey(cfg.IdentityKeys, id)
		}
		if m, _ := r.Context().Value(messageKey{}).(message); key == "" && signedIn && !cfg.ServerKey && m.Method == string(mcp.MethodToolsCall) {
			// Listing tools needs no key; calling one does.
			answerToolCall(w, m, fmt.Sprintf("You are signed in (subject %q), but this server has no OpenPhone key for you: none is mapped to your subject or verified email, and the server has none of its own. Ask the server's operator to map you to a key (--oauth-keys); nothing was sent to OpenPhone.", id.Subject))
			return
		}
		if cfg.RequestContext != nil {
			r = r.WithContext(cfg.RequestContext(r.Context(), baseURL(r), id.Subject))
		}
		if key != "" {
			a, err := accounts.get(key)
			if err != nil {
				logger.Warn("refused an OpenPhone key", "err", err)
				http.Error(w, "OpenPhone key: "+err.Error(), http.StatusBadRequest)
				return
			}
			r = r.WithContext(a.Context(r.Context()))
		}
		next.ServeHTTP(w, r)
	})
}
