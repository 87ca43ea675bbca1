// Command openphone-mcp is an MCP server that lets AI assistants read a
// team's OpenPhone (Quo) conversations.
//
// Run with no arguments, it serves MCP over stdio:
//
//	OPENPHONE_API_KEY=… openphone-mcp
//	openphone-mcp --demo                                  # built-in sandbox workspace, no key
//	openphone-mcp --demo call list_conversations '{"maxResults":3}'
//	openphone-mcp tools                                   # the published tools, as JSON
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"golang.org/x/term"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/contacts"
	"github.com/openphone-mcp/openphone-mcp/ingest"
	"github.com/openphone-mcp/openphone-mcp/internal/statedir"
	"github.com/openphone-mcp/openphone-mcp/ledger"
	"github.com/openphone-mcp/openphone-mcp/metrics"
	"github.com/openphone-mcp/openphone-mcp/serve"
	"github.com/openphone-mcp/openphone-mcp/serve/oauth"
	"github.com/openphone-mcp/openphone-mcp/sharedlimit"
	"github.com/openphone-mcp/openphone-mcp/store"
	"github.com/openphone-mcp/openphone-mcp/tools"
	"github.com/openphone-mcp/openphone-mcp/webhook"
)

// shutdownGrace bounds how long calls in flight may run on after stdin
// closes or a signal arrives.
const shutdownGrace = 10 * time.Second

// stdout and stderr are where the command line answers; tests replace them.
var stdout, stderr io.Writer = osFile{&os.Stdout}, osFile{&os.Stderr}

// osFile writes to the file *f is when written to, as a test may have
// replaced os.Stderr after the program started.
type osFile struct{ f **os.File }

func (w osFile) Write(p []byte) (int, error) { return (*w.f).Write(p) }

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

const usage = `Usage: openphone-mcp [flags] [command]

Commands:
  (none)                  serve MCP over stdio (or HTTP, with --transport http)
  call TOOL [JSON]        call a tool once and print what an assistant would read
                          (exit status 1 when the result is an error)
  tools                   print the published tools with their schemas, as JSON
  help                    print this text (as --help does)
  store status            what the store holds of each workspace, and how fresh it is
  store sync              sync the key's workspace into the store now, then exit
  store forget [WS]       delete a workspace's rows (default: the key's workspace)
  webhooks register --url URL [--label L] [--lines PN1,PN2]
                          register OpenPhone's webhooks to this server's /webhooks/openphone,
                          and print the signing keys to configure
  webhooks list [--show-keys]
                          the webhooks registered, and where they deliver
  webhooks remove ID...|--url URL
                          remove webhooks by ID, or every one that delivers to URL

Environment:
  OPENPHONE_API_KEY       the OpenPhone API key (QUO_API_KEY is read if it is unset)
  OPENPHONE_BASE_URL      API origin (default https://api.openphone.com)
  OPENPHONE_LOG_LEVEL     debug, info, warn or error (default info)
  OPENPHONE_MAX_RPS       requests per second to OpenPhone (default 10)
  OPENPHONE_CALL_TIMEOUT  time limit of one tool call, such as 30s (default 30s)
  OPENPHONE_CONTACTS_REFRESH
                          age at which the contact index is read again, in the background (default 10m)
  OPENPHONE_STRUCTURED_OUTPUT
                          true or 1 adds structuredContent and outputSchemas (default false)
  OPENPHONE_ALLOW_WRITES  true or 1 publishes the tools that text customers, mark conversations
                          and change tasks, each confirmed by a person (default false; --demo:
                          true unless set to false)
  OPENPHONE_TOOLSETS      the sets of tools served, comma-separated: conversations, calls,
                          contacts, tasks, reports, writes (needs --allow-writes), or all
                          (default: every set that reads, and writes with --allow-writes)
  OPENPHONE_WRITE_CONFIRMATION
                          ask (default): a person confirms every write, in the client's form or
                          on the server's confirmation page; code: the model relays a code
                          (trusts the model to ask); off: writes are sent unasked, for
                          unattended agents (see the README for what each risks)
  OPENPHONE_STATE_DIR     where the write ledger (without Redis) and the store are kept (default:
                          the per-user state directory, ~/.local/state/openphone-mcp on Linux)
  OPENPHONE_STORE         sqlite (default: store.db in the state directory), sqlite:PATH or off:
                          a copy of the workspace on disk, kept current by a sync (--demo: a
                          temporary one, deleted at exit)
  OPENPHONE_STORE_DAYS    how many days of activity the store keeps (default 90)
  OPENPHONE_SYNC_INTERVAL how often the store syncs while the server runs (default 60s)
  OPENPHONE_CONFIRMATION_SECRET
                          at least 32 characters that sign confirmation codes; replicas behind
                          one address must share it (default: random, this process only)
  OPENPHONE_MCP_TRANSPORT stdio (default) or http
  OPENPHONE_MCP_ADDR      with http: host:port to listen on (default 127.0.0.1:8080)
  OPENPHONE_MCP_ALLOWED_ORIGINS
                          with http: browser origins allowed besides loopback, comma-separated
  OPENPHONE_MCP_ALLOWED_HOSTS
                          with http: Host names served besides loopback without a token,
                          such as a reverse proxy's public name, comma-separated
  OPENPHONE_MCP_AUTH_TOKEN
                          with http: bearer token every request must carry; required to
                          listen beyond loopback, unless callers sign in with OAuth
  OPENPHONE_MCP_OAUTH_ISSUER, OPENPHONE_MCP_OAUTH_AUDIENCE, OPENPHONE_MCP_OAUTH_SCOPES
                          with http: callers sign in with this authorization server; the
                          audience is this server's URL (https://mcp.example.com/mcp)
  OPENPHONE_MCP_OAUTH_KEYS
                          with OAuth: a JSON file mapping people to OpenPhone keys, by subject
                          or verified email: {"email:ana@example.com": {"env": "VAR"},
                          "sub:auth0|6512a": {"file": "/path"}}
  OPENPHONE_MCP_OAUTH_ALLOW_UNTYPED
                          with OAuth: true also takes access tokens typed JWT or not typed,
                          for issuers that do not type them at+jwt (default false)
  OPENPHONE_REDIS_URL     redis://host:port/db: replicas on one key share its rate limit there
  OPENPHONE_REDIS_FALLBACK_RPS
                          each replica's own rate while the Redis fails (default max-rps ÷ 3)
  OPENPHONE_MCP_METRICS_ADDR
                          serve /metrics on this host:port, without auth (with http, instead
                          of beside /mcp behind its auth)
  OPENPHONE_MCP_CALLER_KEYS
                          with http: true takes a caller's own key in X-OpenPhone-Api-Key
                          (default true, false with OAuth)
  OPENPHONE_WEBHOOK_KEYS  with http and the store: OpenPhone's webhook signing keys (base64, as
                          OpenPhone shows them), comma-separated; deliveries signed with any of
                          them are taken at POST /webhooks/openphone and applied to the store

Flags:
`

func main() {
	os.Exit(run(os.Args[1:]))
}

// run parses the configuration, then serves or runs the command; it
// returns the exit status.
func run(args []string) int {
	cfg, status := parseConfig(args)
	if cfg == nil {
		return status
	}
	return cfg.run()
}

// config is what the command line and the environment ask for.
type config struct {
	command         []string // the command and its arguments; none serves
	demo            bool
	level           slog.Level
	baseURL         string
	apiKey          string
	limiter         *client.Limiter // one for every key the server sees
	redis           *sharedlimit.Redis
	fallbackRPS     float64
	callTimeout     time.Duration
	contactsRefresh time.Duration
	structured      bool
	allowWrites     bool
	writesAllowed   bool     // allowWrites before --toolsets left writes out
	toolsets        []string // tools.Config.Toolsets: nil serves the default
	writesLeftOut   bool     // --allow-writes, but --toolsets leaves writes out
	confirmation    tools.ConfirmationMode
	secret          []byte // OPENPHONE_CONFIRMATION_SECRET
	stateDir        string
	redisURL        string
	storePath       string           // the SQLite file or the PostgreSQL URL; "" when the store is off
	storeExplicit   bool             // the operator chose the store: failing to open it is fatal
	storeOff        string           // why the default store is off, to be logged
	clock           func() time.Time // the demo's; nil is time.Now
	storeDays       int
	syncInterval    time.Duration
	transport       string
	http            serve.HTTPConfig
	metricsAddr     string
	webhookKeys     [][]byte // OpenPhone's signing keys, decoded; nil: no webhooks
	placeholders    []string // variables set to a Claude Desktop placeholder
}

// toolsetList names each toolset and what its tools do, for the help text.
func toolsetList() string {
	var sets []string
	for _, ts := range tools.Toolsets() {
		sets = append(sets, ts.Name+" ("+ts.About+")")
	}
	return strings.Join(sets, ", ")
}

// flagOf names the flags that set serve.HTTPConfig's fields, for its errors.
var flagOf = map[string]string{"Addr": "addr", "AuthToken": "auth-token", "AllowedOrigins": "allowed-origins", "AllowedHosts": "allowed-hosts", "OAuth": "oauth-issuer"}

// envOf names the environment variable that sets each flag; the command
// line overrides it.
var envOf = map[string]string{
	"log-level": "OPENPHONE_LOG_LEVEL", "base-url": "OPENPHONE_BASE_URL",
	"max-rps": "OPENPHONE_MAX_RPS", "call-timeout": "OPENPHONE_CALL_TIMEOUT", "contacts-refresh": "OPENPHONE_CONTACTS_REFRESH",
	"structured-output": "OPENPHONE_STRUCTURED_OUTPUT", "transport": "OPENPHONE_MCP_TRANSPORT",
	"allow-writes": "OPENPHONE_ALLOW_WRITES", "write-confirmation": "OPENPHONE_WRITE_CONFIRMATION", "toolsets": "OPENPHONE_TOOLSETS",
	"addr": "OPENPHONE_MCP_ADDR", "allowed-origins": "OPENPHONE_MCP_ALLOWED_ORIGINS", "auth-token": "OPENPHONE_MCP_AUTH_TOKEN",
	"allowed-hosts": "OPENPHONE_MCP_ALLOWED_HOSTS",
	"oauth-issuer":  "OPENPHONE_MCP_OAUTH_ISSUER", "oauth-audience": "OPENPHONE_MCP_OAUTH_AUDIENCE", "oauth-scopes": "OPENPHONE_MCP_OAUTH_SCOPES",
	"oauth-keys": "OPENPHONE_MCP_OAUTH_KEYS", "oauth-allow-untyped": "OPENPHONE_MCP_OAUTH_ALLOW_UNTYPED", "caller-keys": "OPENPHONE_MCP_CALLER_KEYS", "metrics-addr": "OPENPHONE_MCP_METRICS_ADDR",
	"redis-url": "OPENPHONE_REDIS_URL", "redis-fallback-rps": "OPENPHONE_REDIS_FALLBACK_RPS",
	"state-dir": "OPENPHONE_STATE_DIR", "store": "OPENPHONE_STORE", "store-days": "OPENPHONE_STORE_DAYS", "sync-interval": "OPENPHONE_SYNC_INTERVAL",
	"webhook-keys": "OPENPHONE_WEBHOOK_KEYS",
}

// parseConfig reads the configuration from args and the environment. On
// a mistake, or for --version, it says so and returns a nil config with
// the exit status.
func parseConfig(args []string) (*config, int) {
	flags := flag.NewFlagSet("openphone-mcp", flag.ContinueOnError)
	flags.Usage = func() { fmt.Fprint(flags.Output(), usage); flags.PrintDefaults() }
	flags.SetOutput(stderr)
	demo := flags.Bool("demo", false, "serve a built-in demo workspace instead of OpenPhone (no API key needed)")
	logLevel := flags.String("log-level", "info", "log level: debug, info, warn or error (logs go to stderr)")
	baseURL := flags.String("base-url", client.DefaultBaseURL, "OpenPhone API origin")
	maxRPS := flags.Float64("max-rps", client.DefaultRateLimit, "requests per second to OpenPhone, shared by all calls (OpenPhone allows 10 per key)")
	callTimeout := flags.Duration("call-timeout", tools.DefaultCallTimeout, "time limit of one tool call, retries included")
	contactsRefresh := flags.Duration("contacts-refresh", contacts.DefaultRefresh, "age at which an API key's contact index is read again, in the background")
	structured := flags.Bool("structured-output", false, "publish outputSchemas and answer with structuredContent beside the text, for programmatic clients (several assistants then show the model the JSON instead of the summary)")
	allowWrites := flags.Bool("allow-writes", false, "publish the tools that write (send_message, send_private_texts, mark_conversation, create_task, update_task, create_contact, update_contact); a person confirms each write (default with --demo, unless set to false)")
	toolsets := flags.String("toolsets", "", "the sets of tools served, comma-separated, or all: "+toolsetList()+"; the model reads only their tools' definitions (default: "+strings.Join(tools.DefaultToolsets, ",")+", and writes with --allow-writes; naming writes without --allow-writes is refused)")
	confirmation := flags.String("write-confirmation", "ask", "ask: a person confirms every write, in the client's form or on the server's page; code: the model relays a one-time code (trusts the model to ask); off: writes are sent without asking, for unattended agents")
	stateDir := flags.String("state-dir", "", "where the write ledger (without --redis-url) and the store are kept (default: the per-user state directory)")
	storeSetting := flags.String("store", "sqlite", "a copy of the workspace on disk, kept current by a background sync: sqlite (store.db in the state directory), sqlite:PATH, a PostgreSQL URL shared by replicas (postgres://user:password@host:5432/db), or off (with --demo: a temporary one, deleted at exit)")
	storeDays := flags.Int("store-days", ingest.DefaultDays, "how many days of activity the store keeps")
	syncInterval := flags.Duration("sync-interval", time.Minute, "how often the store syncs while the server runs")
	transport := flags.String("transport", "stdio", "how clients reach the server: stdio, or http (Streamable HTTP, for a team)")
	addr := flags.String("addr", "127.0.0.1:8080", "with --transport http: the host:port to listen on")
	allowedOrigins := flags.String("allowed-origins", "", "with --transport http: browser origins allowed besides loopback ones, comma-separated")
	allowedHosts := flags.String("allowed-hosts", "", "with --transport http and no auth token: Host names served besides loopback ones (a reverse proxy's public name), comma-separated")
	authToken := flags.String("auth-token", "", "with --transport http: the bearer token every request must carry (prefer OPENPHONE_MCP_AUTH_TOKEN: flags show in ps)")
	oauthIssuer := flags.String("oauth-issuer", "", "with --transport http: callers sign in with OAuth at this authorization server (its issuer URL)")
	oauthAudience := flags.String("oauth-audience", "", "with --oauth-issuer: this server's resource URL, which tokens must be issued for, such as https://mcp.example.com/mcp")
	oauthScopes := flags.String("oauth-scopes", "", "with --oauth-issuer: scopes every token must grant, comma- or space-separated")
	oauthKeys := flags.String("oauth-keys", "", `with --oauth-issuer: a JSON file mapping people to OpenPhone keys by subject or verified email: {"email:ana@example.com": {"env": "VAR"}, "sub:auth0|6512a": {"file": "/path"}}`)
	oauthAllowUntyped := flags.Bool("oauth-allow-untyped", false, "with --oauth-issuer: also take access tokens typed JWT or not typed, for issuers that do not type them at+jwt (RFC 9068)")
	callerKeys := flags.Bool("caller-keys", true, "with --transport http: take a caller's own OpenPhone key in "+serve.APIKeyHeader+" (default true; false with --oauth-issuer unless set)")
	redisURL := flags.String("redis-url", "", "share each key's rate limit, pause and lanes with the other replicas through this Redis or Valkey (redis://host:port/db; a Redis Cluster: redis://node:port?cluster=true)")
	fallbackRPS := flags.Float64("redis-fallback-rps", 0, "each replica's own rate per key while the Redis fails (default max-rps ÷ 3: set it to max-rps ÷ your replicas)")
	metricsAddr := flags.String("metrics-addr", "", "serve /metrics on this host:port, without auth (with --transport http the default is beside /mcp, behind its auth)")
	webhookKeys := flags.String("webhook-keys", "", "with --transport http and the store: OpenPhone's webhook signing keys, base64, comma-separated (several while rotating); deliveries are taken at "+serve.WebhookPath+" (prefer OPENPHONE_WEBHOOK_KEYS: flags show in ps)")
	showVersion := flags.Bool("version", false, "print the version and exit")
	fail := func(format string, a ...any) (*config, int) {
		fmt.Fprintf(stderr, "openphone-mcp: "+format+"\n", a...)
		return nil, 2
	}
	environ := &environment{}
	for name, env := range envOf {
		if v := environ.get(env); v != "" {
			if err := flags.Set(name, v); err != nil {
				return fail("%s=%q: %s", env, v, wantedForm(flags.Lookup(name), err))
			}
		}
	}
	flags.SetOutput(io.Discard) // its mistakes are told below, once
	if err := flags.Parse(args); errors.Is(err, flag.ErrHelp) {
		flags.SetOutput(stdout)
		flags.Usage()
		return nil, 0
	} else if err != nil {
		fmt.Fprintf(stderr, "openphone-mcp: %v\n", err)
		flags.SetOutput(stderr)
		flags.Usage()
		return nil, 2
	}
	flags.SetOutput(stderr)
	if flags.Arg(0) == "help" && flags.NArg() == 1 {
		flags.SetOutput(stdout)
		flags.Usage()
		return nil, 0
	}
	if err := checkArgs(flags.Args()); err != nil {
		fmt.Fprintf(stderr, "openphone-mcp: %v\n", err)
		flags.Usage()
		return nil, 2
	}
	if *showVersion {
		fmt.Println(tools.Name, buildVersion())
		return nil, 0
	}
	if cmd := flags.Arg(0); cmd != "" && cmd != "call" && cmd != "tools" && cmd != "store" && cmd != "webhooks" {
		fmt.Fprintf(stderr, "openphone-mcp: unknown command %q (the commands are call, tools, store and webhooks; --help tells more)\n", cmd)
		flags.Usage()
		return nil, 2
	}
	explicit := map[string]bool{}
	flags.Visit(func(f *flag.Flag) { explicit[f.Name] = true }) // the environment's too
	mode, err := tools.ParseConfirmationMode(*confirmation)
	if err != nil {
		return fail("--write-confirmation %v", err)
	}
	// The operator's word on writes holds, --demo's default gives way.
	writes := *allowWrites || *demo && !explicit["allow-writes"]
	if mode != tools.ConfirmAsk && !writes {
		return fail("--write-confirmation %s: writes are off; turn them on with --allow-writes (OPENPHONE_ALLOW_WRITES=true)", *confirmation)
	}
	sets, err := tools.ParseToolsets(*toolsets, writes)
	if err != nil {
		return fail("--toolsets (OPENPHONE_TOOLSETS) %v", err)
	}
	if *toolsets == "" {
		sets = nil // the default, which NewServer knows
	}
	// A list without writes serves none: no ledger to open. The operator
	// who turned writes on is told so; the demo's default gives way quietly.
	writesAllowed := writes
	writesLeftOut := writes && sets != nil && !slices.Contains(sets, tools.WritesToolset)
	if writesLeftOut {
		writes = false
	}
	secret := environ.get("OPENPHONE_CONFIRMATION_SECRET")
	if secret != "" && len(secret) < 32 {
		return fail("OPENPHONE_CONFIRMATION_SECRET: %d characters; want at least 32, such as the output of openssl rand -hex 32", len(secret))
	}
	if *contactsRefresh < time.Minute {
		return fail("--contacts-refresh %v: want at least 1m, such as 10m", *contactsRefresh)
	}
	cfg := &config{command: flags.Args(), demo: *demo, baseURL: *baseURL, callTimeout: *callTimeout, contactsRefresh: *contactsRefresh, structured: *structured, transport: *transport,
		allowWrites: writes, writesAllowed: writesAllowed, writesLeftOut: writesLeftOut && *allowWrites, toolsets: sets, confirmation: mode, secret: []byte(secret), metricsAddr: *metricsAddr, stateDir: *stateDir, redisURL: *redisURL,
		http: serve.HTTPConfig{Addr: *addr, AuthToken: *authToken, AllowedOrigins: splitList(*allowedOrigins), AllowedHosts: splitList(*allowedHosts), Grace: shutdownGrace}}
	switch {
	case *storeSetting == "off":
	case *storeSetting == "sqlite":
		cfg.storePath = store.FileName // in the state directory, below
	case strings.HasPrefix(*storeSetting, "sqlite:") && len(*storeSetting) > len("sqlite:"):
		cfg.storePath = strings.TrimPrefix(*storeSetting, "sqlite:")
	case store.IsPostgres(*storeSetting):
		cfg.storePath = *storeSetting
	default:
		return fail("--store %q: want off, sqlite, sqlite:PATH such as sqlite:/var/lib/openphone-mcp/store.db, or a PostgreSQL URL such as postgres://openphone@db:5432/openphone", store.Describe(*storeSetting))
	}
	if *storeDays < 1 {
		return fail("--store-days %d: want at least 1, such as 90", *storeDays)
	}
	if *syncInterval < 10*time.Second {
		return fail("--sync-interval %v: want at least 10s, such as 60s", *syncInterval)
	}
	cfg.storeDays, cfg.syncInterval, cfg.storeExplicit = *storeDays, *syncInterval, explicit["store"]
	if flags.Arg(0) == "store" && (cfg.storePath == "" || *demo) {
		return fail("store: the store is off; turn it on with --store sqlite (OPENPHONE_STORE=sqlite), without --demo (whose store is temporary)")
	}
	if *demo && cfg.storePath != "" {
		cfg.storePath = demoStore // a temporary one, made at start
	}
	fileLedger := writes && *redisURL == "" && !store.IsPostgres(cfg.storePath)
	needDir := fileLedger || cfg.storePath == store.FileName
	if cfg.stateDir == "" && needDir {
		if cfg.stateDir, err = statedir.Default(); err != nil {
			if cfg.storeExplicit || fileLedger {
				return fail("--state-dir: no per-user state directory here (%v): name one with --state-dir or OPENPHONE_STATE_DIR", err)
			}
			cfg.storePath, cfg.storeOff = "", fmt.Sprintf("no per-user state directory here (%v): name one with --state-dir or OPENPHONE_STATE_DIR", err)
		}
	}
	if cfg.storePath == store.FileName {
		cfg.storePath = filepath.Join(cfg.stateDir, store.FileName)
	}
	cfg.http.CallerKeys = *callerKeys
	if *oauthIssuer != "" || *oauthAudience != "" {
		if *oauthIssuer == "" || *oauthAudience == "" {
			return fail("--oauth-issuer and --oauth-audience go together: the authorization server, and this server's URL that its tokens are issued for")
		}
		v, err := oauth.New(oauth.Config{Issuer: *oauthIssuer, Audience: *oauthAudience, Scopes: strings.Fields(strings.ReplaceAll(*oauthScopes, ",", " ")),
			AllowUntypedTokens: *oauthAllowUntyped})
		if err != nil {
			return fail("--oauth: %v", err)
		}
		cfg.http.OAuth = v
		cfg.http.CallerKeys = *callerKeys && explicit["caller-keys"]
		if *oauthKeys != "" {
			keys, err := readKeyMap(*oauthKeys, environ)
			if err != nil {
				return fail("--oauth-keys %s: %v", *oauthKeys, err)
			}
			cfg.http.IdentityKeys = func(who string) (string, bool) { k, ok := keys[who]; return k, ok }
		}
	} else if *oauthKeys != "" || *oauthScopes != "" || *oauthAllowUntyped {
		return fail("--oauth-keys, --oauth-scopes and --oauth-allow-untyped need --oauth-issuer and --oauth-audience")
	}
	if cfg.http.OAuth != nil && *transport != "http" {
		return fail("--oauth-issuer: callers sign in over HTTP only; add --transport http")
	}
	switch *transport {
	case "stdio":
	case "http":
		var cerr *serve.ConfigError
		if err := cfg.http.Validate(); errors.As(err, &cerr) {
			return fail("%s", describeConfigError(cerr))
		}
	default:
		return fail("--transport %q: want stdio or http", *transport)
	}
	if err := cfg.level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fail("--log-level %q: want debug, info, warn or error", *logLevel)
	}
	if err := client.CheckBaseURL(*baseURL); err != nil {
		return fail("--base-url: %v", err)
	}
	if cfg.limiter, err = client.NewLimiter(*maxRPS); err != nil {
		return fail("--max-rps: %v", err)
	}
	if *redisURL != "" {
		if cfg.redis, err = sharedlimit.New(*redisURL); err != nil {
			return fail("--redis-url: %v", err)
		}
		cfg.fallbackRPS = *fallbackRPS
		if cfg.fallbackRPS == 0 {
			cfg.fallbackRPS = *maxRPS / 3
		}
		if cfg.fallbackRPS <= 0 || cfg.fallbackRPS > *maxRPS {
			return fail("--redis-fallback-rps %v: want more than 0 and at most --max-rps (%v)", cfg.fallbackRPS, *maxRPS)
		}
	}
	if *webhookKeys != "" {
		if cfg.webhookKeys, err = webhook.ParseKeys(*webhookKeys); err != nil {
			return fail("--webhook-keys (OPENPHONE_WEBHOOK_KEYS): %v", err)
		}
		serving := flags.NArg() == 0
		switch {
		case serving && *transport != "http":
			return fail("--webhook-keys: OpenPhone delivers webhooks over HTTP, to %s; add --transport http (over stdio the store's sync is the only source)", serve.WebhookPath)
		case serving && cfg.storePath == "" && cfg.storeOff != "":
			return fail("--webhook-keys: webhooks are applied to the store, which is off: %s", cfg.storeOff)
		case serving && cfg.storePath == "":
			return fail("--webhook-keys: webhooks are applied to the store, which is off (--store off); turn it on with --store sqlite, or drop the keys")
		}
	}
	cfg.apiKey = strings.TrimSpace(cmp.Or(environ.get("OPENPHONE_API_KEY"), environ.get("QUO_API_KEY")))
	cfg.placeholders = environ.placeholders
	return cfg, 0
}

// readKeyMap reads the file that maps a signed-in person to an OpenPhone
// key, kept in an environment variable or a file, and returns the keys by
// "sub:" and a subject, or "email:" and an email in lower case, as
// serve.HTTPConfig.IdentityKeys takes them. Every entry must give a key.
func readKeyMap(path string, environ *environment) (map[string]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var entries map[string]struct {
		Env  string `json:"env"`
		File string `json:"file"`
	}
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, fmt.Errorf(`want a JSON object such as {"email:ana@example.com": {"env": "OPENPHONE_KEY_ANA"}}: %v`, err)
	}
	keys := map[string]string{}
	for who, e := range entries {
		switch kind, id, _ := strings.Cut(who, ":"); {
		case kind == "sub" && id != "":
		case kind == "email" && strings.Contains(id, "@"):
			who = "email:" + strings.ToLower(id)
		default:
			return nil, fmt.Errorf(`%q: want "sub:" and a subject, or "email:" and an email (verified by the issuer), such as "sub:auth0|6512a" or "email:ana@example.com"`, who)
		}
		var key string
		switch {
		case e.Env != "" && e.File == "":
			key = environ.get(e.Env)
		case e.File != "" && e.Env == "":
			b, err := os.ReadFile(e.File)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", who, err)
			}
			key = string(b)
		default:
			return nil, fmt.Errorf(`%s: give one of "env" and "file"`, who)
		}
		if key = strings.TrimSpace(key); key == "" {
			return nil, fmt.Errorf("%s: the key is empty (check %s%s)", who, e.Env, e.File)
		}
		if _, twice := keys[who]; twice {
			return nil, fmt.Errorf("%s: mapped twice (emails are compared in lower case)", who)
		}
		keys[who] = key
	}
	return keys, nil
}

// wantedForm says what form flag f wants, with an example, after err
// refused a value for it: a value's parse error alone ("parse error")
// tells nothing of the form.
func wantedForm(f *flag.Flag, err error) string {
	example := f.DefValue
	if example == "0" || example == "" {
		example = map[string]string{"redis-fallback-rps": "3"}[f.Name]
	}
	var want string
	switch f.Value.(flag.Getter).Get().(type) { // the type alone: a refused value may have been set to zero
	case bool:
		return "want true, 1, false or 0"
	case float64:
		want = "want a number"
	case int:
		want = "want a whole number"
	case time.Duration:
		want = "want a duration: a number and a unit, s, m or h"
		if d, _ := time.ParseDuration(f.DefValue); d > 0 {
			example = strings.Replace(d.String(), "m0s", "m", 1) // 10m, not 10m0s
		}
	default:
		return err.Error()
	}
	if example != "" {
		want += ", such as " + example
	}
	return want
}

// describeConfigError names the flags, and their variables, of what
// serve.HTTPConfig refused.
func describeConfigError(e *serve.ConfigError) string {
	msg := "--" + flagOf[e.Field]
	if e.Value != "" {
		msg += fmt.Sprintf(" %q", e.Value)
	}
	msg += ": " + e.Problem
	if name := flagOf[e.Needs]; name != "" {
		msg += " (--" + name + " or " + envOf[name] + ")"
	}
	return msg
}

// run serves MCP, or runs the command, as cfg says.
func (cfg *config) run() int {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.level}))
	slog.SetDefault(logger)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal starts a graceful shutdown; stopping the
	// notification then lets a second one end the process at once.
	onSignal := context.AfterFunc(ctx, func() {
		stop()
		logger.Info("signal received: answering the calls in flight, then exiting; a second signal exits at once", "grace", shutdownGrace)
	})
	defer func() { onSignal(); stop() }()

	for _, name := range cfg.placeholders {
		logger.Warn("ignoring a placeholder for a setting left empty (Claude Desktop passes an unset optional setting as ${user_config.…}): it counts as unset", "variable", name)
	}
	if cfg.demo {
		fake := openphonetest.NewDemoServer()
		defer fake.Close()
		cfg.apiKey, cfg.baseURL = fake.APIKey, fake.URL
		if len(cfg.secret) == 0 {
			cfg.secret = []byte(demoSecret)
		}
		cfg.clock = func() time.Time { return openphonetest.DemoEpoch }
		if cfg.storePath == demoStore {
			dir, err := os.MkdirTemp("", "openphone-mcp-demo-")
			if err != nil {
				logger.Error("the demo's store cannot be made", "err", err)
				return 1
			}
			defer os.RemoveAll(dir)
			cfg.storePath = filepath.Join(dir, store.FileName)
		}
	}
	if cfg.writesLeftOut {
		logger.Warn("writes are allowed, but --toolsets (OPENPHONE_TOOLSETS) leaves writes out: no tool writes")
	}
	if cfg.storeOff != "" {
		logger.Warn("the store is off: every answer is read live", "why", cfg.storeOff)
	}
	if cfg.redis != nil {
		defer cfg.redis.Close()
		// Share logs whether Redis answers, and each change since.
		if err := cfg.limiter.Share(cfg.redis, cfg.fallbackRPS, logger.With("store", "redis")); err != nil {
			logger.Error("bad configuration", "err", err)
			return 2
		}
	}
	reg := metrics.New()
	newClient := func(key string) (*client.Client, error) {
		return client.New(key, client.WithBaseURL(cfg.baseURL), client.WithUserAgent(tools.Name+"/"+buildVersion()),
			client.WithLimiter(cfg.limiter), client.WithLogger(logger), client.WithMetrics(reg))
	}
	var api *client.Client
	switch {
	case cfg.apiKey == "" && cfg.transport == "http":
		logger.Info("no API key of its own: each caller must send one in the " + serve.APIKeyHeader + " header")
	case cfg.apiKey == "":
		logger.Warn("no API key: set OPENPHONE_API_KEY (or run with --demo); every tool call will say how")
	default:
		var err error
		if api, err = newClient(cfg.apiKey); err != nil {
			logger.Error("bad configuration", "err", err)
			return 2
		}
	}
	cfg.http.ServerKey = api != nil
	toolsConfig := tools.Config{Client: api, CallerKeyHeader: serve.APIKeyHeader, Version: buildVersion(),
		CallTimeout: cfg.callTimeout, Logger: logger, StructuredOutput: cfg.structured, ContactsRefresh: cfg.contactsRefresh, Context: ctx,
		AllowWrites: cfg.allowWrites, Toolsets: cfg.toolsets, Confirmation: cfg.confirmation, ConfirmationSecret: cfg.secret, Metrics: reg}
	toolsConfig.Now, toolsConfig.FixedClock = cfg.clock, cfg.demo
	oneCall := len(cfg.command) > 0 && cfg.command[0] == "call"
	if oneCall {
		toolsConfig.ContactsWait = cfg.callTimeout // the one call there is may wait for every name
		toolsConfig.OneShot = true
	}
	if cfg.allowWrites {
		l, err := cfg.openLedger()
		if err != nil {
			logger.Error("the write ledger cannot be opened: writes are refused until it can", "err", err)
		} else {
			if closer, ok := l.(interface{ Close() error }); ok {
				defer closer.Close()
			}
			toolsConfig.Ledger = l
			logger.Info("writes are on: each is recorded in the write ledger, so that none is made twice", "ledger", l.String())
		}
		toolsConfig.Pages = tools.NewPages()
		cfg.http.Pages, cfg.http.PagesPath = toolsConfig.Pages, tools.PagesPath
	}
	cfg.http.RequestContext = func(ctx context.Context, base, subject string) context.Context {
		if subject != "" {
			ctx = tools.WithPerson(ctx, subject)
		}
		return tools.WithPageBase(ctx, base)
	}
	serving := len(cfg.command) == 0 || cfg.command[0] == ""
	// The tools answer from the store while the sync keeps it current; a
	// call reads the store that a server keeps, or the demo's.
	readsStore := serving || oneCall && (cfg.demo || store.IsPostgres(cfg.storePath) || exists(cfg.storePath))
	if readsStore && cfg.storePath != "" && api != nil {
		st, err := store.Open(ctx, cfg.storePath)
		switch {
		case err != nil && cfg.storeExplicit:
			logger.Error("the store cannot be opened", "store", store.Describe(cfg.storePath), "err", err)
			return 1
		case err != nil:
			logger.Warn("the store cannot be opened: every answer is read live; --store off says so for good", "store", store.Describe(cfg.storePath), "err", err)
		default:
			defer st.Close()
			toolsConfig.Store = st
		}
	}
	if cfg.transport == "http" { // the keys of one workspace share its contact index
		toolsConfig.Contacts = contacts.NewRegistry(ctx, toolsConfig.ContactOptions()...)
	}
	syncer := api
	if cfg.demo && api != nil {
		// The demo's API is in this process: its sync need not keep to
		// OpenPhone's rate, and takes a moment instead of a quarter minute.
		syncer, _ = client.New(cfg.apiKey, client.WithBaseURL(cfg.baseURL), client.WithRateLimit(demoSyncRPS))
	}
	if oneCall && cfg.demo && toolsConfig.Store != nil { // the demo's, synced first
		if _, err := ingest.New(syncer, toolsConfig.Store, cfg.syncOptions()).Sync(ctx); err != nil {
			logger.Warn("the demo's store could not be synced: answers are read live", "err", err)
		}
	}
	mcpServer := tools.NewServer(toolsConfig)
	if cfg.webhookKeys != nil && serving && cfg.transport == "http" {
		if toolsConfig.Store == nil {
			why := "it could not be opened (see above)"
			if api == nil {
				why = "the server has no OpenPhone key of its own (OPENPHONE_API_KEY), whose workspace the store holds"
			}
			logger.Error("webhook keys are set, but there is no store to apply webhooks to: " + why)
			return 1
		}
	}
	var serverSyncer *ingest.Syncer // the sync of a serving process's store
	if serving && toolsConfig.Store != nil {
		serverSyncer = cfg.serverSyncer(syncer, toolsConfig.Store, reg)
	}
	if cfg.webhookKeys != nil && serverSyncer != nil { // the server's own workspace, as its sync tells it, alone
		cfg.http.Webhook = webhook.NewHandler(webhook.Config{Store: toolsConfig.Store, Keys: cfg.webhookKeys, Logger: logger, Metrics: reg,
			Workspace: serverSyncer.Workspace})
	}

	switch cmd := append(cfg.command, "", "", "")[:3]; cmd[0] {
	case "":
		if cfg.demo {
			logger.Info("serving the demo workspace", "api", cfg.baseURL)
		}
		if serverSyncer != nil {
			// The sync ends before the store is closed, giving its lease up
			// for another replica to take over at once.
			syncCtx, stopSync := context.WithCancel(ctx)
			synced := make(chan struct{})
			go func() { defer close(synced); cfg.keepCurrent(syncCtx, serverSyncer, toolsConfig.Store, reg, logger) }()
			defer func() {
				stopSync()
				select {
				case <-synced:
				case <-time.After(10 * time.Second):
					logger.Warn("the store's sync did not stop in 10 s: exiting without it")
				}
			}()
		}
		if cfg.metricsAddr != "" {
			if err := serveMetrics(ctx, cfg.metricsAddr, reg.Handler(), logger); err != nil {
				logger.Error("cannot serve metrics", "addr", cfg.metricsAddr, "err", err)
				return 1
			}
		}
		if cfg.transport == "http" {
			cfg.http.OnAccounts = reg.Accounts
			if cfg.metricsAddr == "" {
				cfg.http.Metrics = reg.Handler()
			}
			return serveHTTP(ctx, mcpServer, cfg.http, func(key string) (serve.Account, error) {
				c, err := newClient(key)
				if err != nil {
					return nil, err
				}
				return tools.NewSharedAccount(c, toolsConfig.Contacts), nil
			}, logger)
		}
		return serveStdio(ctx, mcpServer, logger)
	case "call":
		return call(ctx, mcpServer, cmd[1], cmd[2], terminalPerson(), cfg.writesAllowed)
	case "store":
		return cfg.storeCommand(ctx, api, cmd[1], cmd[2], logger)
	case "webhooks":
		return webhooksCommand(ctx, api, cfg.command[1:], os.Stdout, os.Stderr)
	default: // tools
		return printTools(ctx, mcpServer, logger)
	}
}

// environment reads the variables that configure the server. Claude
// Desktop passes an optional setting the user left empty as the literal
// ${user_config.NAME}; such a value counts as unset, and is noted, so that
// it never reaches OpenPhone as a key or a flag as a value.
type environment struct{ placeholders []string }

func (e *environment) get(name string) string {
	v := os.Getenv(name)
	if strings.HasPrefix(v, "${user_config.") && strings.HasSuffix(v, "}") {
		e.placeholders = append(e.placeholders, name)
		return ""
	}
	return v
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var items []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}

// checkArgs refuses arguments that a command does not take, such as a flag
// written after the command, which flag parsing leaves as an argument.
func checkArgs(args []string) error {
	if len(args) == 0 {
		return nil
	}
	most := map[string]int{"call": 3, "tools": 1, "store": 3}[args[0]]
	if most == 0 || len(args) <= most {
		return nil // an unknown command is reported by parseConfig
	}
	extra := args[most]
	if strings.HasPrefix(extra, "-") {
		return fmt.Errorf("%s: flags go before the command: openphone-mcp %s %s", args[0], extra, strings.Join(args[:most], " "))
	}
	return fmt.Errorf("%s: unexpected argument %q", args[0], extra)
}

func serveHTTP(ctx context.Context, s *server.MCPServer, cfg serve.HTTPConfig, newAccount func(string) (serve.Account, error), logger *slog.Logger) int {
	cfg.Logger, cfg.NewAccount = logger, newAccount
	if err := serve.HTTP(ctx, s, cfg); err != nil {
		logger.Error("HTTP server stopped", "err", err)
		return 1
	}
	logger.Info("HTTP server shut down, exiting")
	return 0
}

// serveMetrics serves h at /metrics on addr, without auth, until ctx is
// done: for a scraper on a private network.
func serveMetrics(ctx context.Context, addr string, h http.Handler, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle(serve.MetricsPath, h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	context.AfterFunc(ctx, func() { srv.Close() })
	logger.Info("serving metrics", "url", "http://"+ln.Addr().String()+serve.MetricsPath)
	return nil
}

func printTools(ctx context.Context, s *server.MCPServer, logger *slog.Logger) int {
	list, err := tools.ListTools(ctx, s)
	if err != nil {
		logger.Error("listing tools", "err", err)
		return 1
	}
	var out bytes.Buffer
	json.Indent(&out, list, "", "  ")
	fmt.Println(out.String())
	return 0
}

func serveStdio(ctx context.Context, s *server.MCPServer, logger *slog.Logger) int {
	logger.Info("serving MCP on stdio", "version", buildVersion())
	errLog := slog.NewLogLogger(logger.Handler(), slog.LevelError)
	if err := serve.Stdio(ctx, s, os.Stdin, os.Stdout, shutdownGrace, errLog); err != nil {
		logger.Error("stdio server stopped", "err", err)
		return 1
	}
	logger.Info("stdio closed, exiting")
	return 0
}

// demoSecret signs the demo's confirmations: the same in every process, so
// that a code from one `--demo call` confirms in the next.
const demoSecret = "openphone-mcp demo: not a secret, for the sandbox only"

// exists reports whether there is a file at path.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// demoStore stands for the demo's store until run makes it: a temporary
// file, deleted at exit.
const demoStore = "(temporary)"

// demoSyncRPS is the rate of the demo's sync.
const demoSyncRPS = 2000

// openLedger opens the write ledger: in the store's PostgreSQL, or else in
// Redis with --redis-url, so that replicas share it; else in a file of the
// state directory.
func (cfg *config) openLedger() (ledger.Ledger, error) {
	switch {
	case store.IsPostgres(cfg.storePath): // the team's store outlives a Redis kept without persistence
		return ledger.OpenPostgres(cfg.storePath)
	case cfg.redisURL != "":
		return ledger.OpenRedis(cfg.redisURL)
	}
	return ledger.OpenFile(cfg.stateDir)
}

// terminalPerson asks the person at the terminal to confirm a write, when
// standard input is a terminal; else nil.
func terminalPerson() func(message string) bool {
	if !term.IsTerminal(int(os.Stdin.Fd())) { // not /dev/null, a pipe or a file
		return nil
	}
	in := bufio.NewReader(os.Stdin)
	return func(message string) bool {
		fmt.Fprintf(os.Stderr, "%s\n\nDo it? [y/N] ", message)
		answer, _ := in.ReadString('\n')
		answer = strings.ToLower(strings.TrimSpace(answer))
		return answer == "y" || answer == "yes"
	}
}

// call runs the tool name once with rawArgs, as the command line's call;
// writesAllowed says whether writes are on, before --toolsets, to say why
// a write tool is missing.
func call(ctx context.Context, s *server.MCPServer, name, rawArgs string, person func(string) bool, writesAllowed bool) int {
	if name == "" {
		fmt.Fprintf(stderr, "openphone-mcp: call needs a tool name, e.g. call list_conversations '{\"maxResults\":3}'; the tools are: %s\n", strings.Join(toolNames(s), ", "))
		return 2
	}
	tool := s.GetTool(name)
	if tool == nil {
		fmt.Fprintf(stderr, "openphone-mcp: call: there is no tool %q; the tools are: %s\n", name, strings.Join(toolNames(s), ", "))
		for _, ts := range tools.Toolsets() {
			switch {
			case !slices.Contains(ts.Tools(), name):
			case ts.Name == tools.WritesToolset && !writesAllowed:
				fmt.Fprintln(stderr, "The tools that change the workspace are published with --allow-writes (OPENPHONE_ALLOW_WRITES=true).")
			default:
				fmt.Fprintf(stderr, "%s is in the toolset %s, which --toolsets (OPENPHONE_TOOLSETS) does not serve.\n", name, ts.Name)
			}
		}
		return 2
	}
	var args map[string]any
	if rawArgs != "" {
		if err := json.Unmarshal([]byte(rawArgs), &args); err != nil || args == nil {
			fmt.Fprintf(stderr, "openphone-mcp: call %s: the arguments must be one JSON object, in single quotes for the shell, such as\n  openphone-mcp call %s '%s'\n", name, name, exampleArgs(tool.Tool))
			if json.Valid([]byte(rawArgs)) {
				fmt.Fprintf(stderr, "%s is JSON, but not an object: {\"name\": value, …}\n", rawArgs)
			} else {
				fmt.Fprintf(stderr, "%q is not JSON: %v\n", rawArgs, err)
			}
			return 2
		}
	}
	res, err := tools.CallToolAsking(ctx, s, name, args, person)
	if err != nil {
		fmt.Fprintf(stderr, "openphone-mcp: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, tools.ResultText(res))
	if res.IsError {
		return 1
	}
	return 0
}

// toolNames are the names of the tools s publishes, sorted.
func toolNames(s *server.MCPServer) []string {
	return slices.Sorted(maps.Keys(s.ListTools()))
}

// exampleArgs writes arguments that tool takes, for an example: its
// required parameters, else its first one, with the value its schema
// gives as an example or default, or a placeholder.
func exampleArgs(tool mcp.Tool) string {
	raw, err := json.Marshal(tool)
	if err != nil {
		return "{}"
	}
	var t struct {
		InputSchema struct {
			Properties map[string]struct {
				Type     string `json:"type"`
				Default  any    `json:"default"`
				Examples []any  `json:"examples"`
			} `json:"properties"`
			Required []string `json:"required"`
		} `json:"inputSchema"`
	}
	json.Unmarshal(raw, &t)
	names := t.InputSchema.Required
	if len(names) == 0 {
		for _, name := range []string{"maxResults", "query", "since"} {
			if _, ok := t.InputSchema.Properties[name]; ok {
				names = []string{name}
				break
			}
		}
	}
	if len(names) == 0 {
		return "{}"
	}
	args := map[string]any{}
	for _, name := range names {
		p := t.InputSchema.Properties[name]
		switch {
		case len(p.Examples) > 0:
			args[name] = p.Examples[0]
		case p.Default != nil:
			args[name] = p.Default
		case p.Type == "integer":
			args[name] = 3
		case p.Type == "array":
			args[name] = []string{"…"}
		default:
			args[name] = "…"
		}
	}
	b, _ := json.Marshal(args)
	return string(b)
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}
