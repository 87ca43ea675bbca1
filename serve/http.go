package serve

import (
	"bytes"
	"container/list"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/tools"
)

// Limits and names of the HTTP transport.
const (
	// MCPPath is the MCP endpoint; HealthPath answers 200 to anyone.
	MCPPath    = "/mcp"
	HealthPath = "/healthz"
	// MaxRequestBytes bounds a request body; a larger one gets 413.
	MaxRequestBytes = 1 << 20
	// APIKeyHeader carries a caller's own OpenPhone key, used instead of
	// the server's for that request.
	APIKeyHeader = "X-OpenPhone-Api-Key"
	// maxAccounts bounds the callers' keys whose clients are kept.
	maxAccounts = 256
)

// HTTPConfig configures the Streamable HTTP transport.
type HTTPConfig struct {
	// Addr is the host:port to listen on, such as 127.0.0.1:8080.
	Addr string
	// AllowedOrigins are the browser origins, besides loopback ones, whose
	// requests are served, such as https://assistant.example.com.
	AllowedOrigins []string
	// AuthToken, when set, is the bearer token every MCP request must
	// carry. It is never sent on to OpenPhone.
	AuthToken string
	// NewClient makes the OpenPhone client of a caller's own key, sent in
	// APIKeyHeader. Nil refuses such keys.
	NewClient func(apiKey string) (*client.Client, error)
	// Grace bounds how long calls in flight may run on at shutdown.
	Grace time.Duration
	// Logger receives the transport's log lines; nil discards them.
	Logger *slog.Logger
}

// Validate refuses a configuration that would expose the server: a
// non-loopback address without an AuthToken, anyone who reached the port
// could read the workspace.
func (cfg HTTPConfig) Validate() error {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return fmt.Errorf("--addr %q: want host:port, such as 127.0.0.1:8080", cfg.Addr)
	}
	if cfg.AuthToken == "" && !client.IsLoopback(host) {
		return fmt.Errorf("--addr %q listens beyond this machine, and no --auth-token is set: anyone who reaches the port could read the workspace. Set OPENPHONE_MCP_AUTH_TOKEN (or --auth-token), or listen on 127.0.0.1", cfg.Addr)
	}
	for _, o := range cfg.AllowedOrigins {
		if u, err := url.Parse(o); err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" {
			return fmt.Errorf("--allowed-origins: %q is not an origin such as https://app.example.com", o)
		}
	}
	return nil
}

// NewHTTPHandler returns the handler of the HTTP transport: MCP over
// Streamable HTTP at MCPPath, stateless, so that any replica can answer
// any request; and HealthPath. Before a request reaches MCP, its body is
// capped, its Origin checked, its bearer token compared, and the account
// of its own OpenPhone key, if it sends one, put in its context.
func NewHTTPHandler(s *server.MCPServer, cfg HTTPConfig) http.Handler {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	mcp := server.NewStreamableHTTPServer(s, server.WithStateLess(true), server.WithDisableStreaming(true))
	accounts := newAccountCache(maxAccounts, cfg.NewClient)
	mux := http.NewServeMux()
	mux.HandleFunc(HealthPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	mux.Handle(MCPPath, limitBody(checkOrigin(cfg.AllowedOrigins, checkToken(cfg.AuthToken, withCallerKey(accounts, logger, mcp)))))
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
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	if cfg.Logger != nil {
		cfg.Logger.Info("serving MCP over HTTP", "url", "http://"+ln.Addr().String()+MCPPath, "auth", cfg.AuthToken != "")
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
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

// limitBody answers 413 to a body over MaxRequestBytes, before anything
// reads it whole. A declared length is checked as it stands (net/http reads
// no further); a body of unknown length is read here, up to one byte past
// the cap.
func limitBody(next http.Handler) http.Handler {
	tooLarge := func(w http.ResponseWriter) {
		http.Error(w, fmt.Sprintf("request body over %d MiB", MaxRequestBytes>>20), http.StatusRequestEntityTooLarge)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.ContentLength > MaxRequestBytes:
			tooLarge(w)
			return
		case r.ContentLength < 0 && r.Body != nil:
			body, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBytes+1))
			if err != nil {
				http.Error(w, "reading the request body failed", http.StatusBadRequest)
				return
			}
			if len(body) > MaxRequestBytes {
				tooLarge(w)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		next.ServeHTTP(w, r)
	})
}

// checkOrigin answers 403 to a request whose Origin is present and not
// allowed, as the MCP spec requires against DNS rebinding. Loopback
// origins are allowed; requests without an Origin (not from a browser)
// pass.
func checkOrigin(allowed []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && !originAllowed(origin, allowed) {
			http.Error(w, "origin not allowed: start the server with --allowed-origins to allow it", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func originAllowed(origin string, allowed []string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if (u.Scheme == "http" || u.Scheme == "https") && client.IsLoopback(u.Hostname()) {
		return true
	}
	for _, a := range allowed {
		if strings.EqualFold(strings.TrimRight(a, "/"), origin) {
			return true
		}
	}
	return false
}

// checkToken answers 401 to a request without the bearer token, when one
// is set. The comparison takes the same time whatever the guess.
func checkToken(token string, next http.Handler) http.Handler {
	if token == "" {
		return next
	}
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(got))
		if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="openphone-mcp"`)
			http.Error(w, "missing or wrong bearer token", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// withCallerKey puts in the request's context the account of the
// OpenPhone key the request carries in APIKeyHeader, if any. The header
// is removed, so that nothing downstream can see or log it.
func withCallerKey(accounts *accountCache, logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimSpace(r.Header.Get(APIKeyHeader))
		r.Header.Del(APIKeyHeader)
		if key != "" {
			a, err := accounts.get(key)
			if err != nil {
				logger.Warn("refused a caller's OpenPhone key", "err", err)
				http.Error(w, APIKeyHeader+": "+err.Error(), http.StatusBadRequest)
				return
			}
			r = r.WithContext(tools.WithAccount(r.Context(), a))
		}
		next.ServeHTTP(w, r)
	})
}

// accountCache keeps the accounts of the callers' keys, the most recently
// used maxAccounts of them, so that each key keeps one client with one
// rate limiter and one names cache.
type accountCache struct {
	newClient func(string) (*client.Client, error)
	max       int

	mu    sync.Mutex
	byKey map[[32]byte]*list.Element // sha256 of the key -> element of order
	order *list.List                 // of *cachedAccount, most recent first
}

type cachedAccount struct {
	key     [32]byte
	account *tools.Account
}

func newAccountCache(max int, newClient func(string) (*client.Client, error)) *accountCache {
	return &accountCache{newClient: newClient, max: max, byKey: map[[32]byte]*list.Element{}, order: list.New()}
}

// get returns the account of key, making it on first use. Errors never
// show the key.
func (c *accountCache) get(key string) (*tools.Account, error) {
	sum := sha256.Sum256([]byte(key))
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[sum]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*cachedAccount).account, nil
	}
	if c.newClient == nil {
		return nil, errors.New("this server does not take callers' keys")
	}
	cl, err := c.newClient(key)
	if err != nil {
		return nil, err
	}
	c.byKey[sum] = c.order.PushFront(&cachedAccount{sum, tools.NewAccount(cl)})
	if c.order.Len() > c.max {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.byKey, oldest.Value.(*cachedAccount).key)
	}
	return c.byKey[sum].Value.(*cachedAccount).account, nil
}
