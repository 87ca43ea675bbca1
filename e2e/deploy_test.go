package e2e

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
	"github.com/openphone-mcp/openphone-mcp/serve"
	"github.com/openphone-mcp/openphone-mcp/webhook"
)

// TestE2EDeployCompose runs the replicas of deploy/compose.yaml as this
// machine allows: each with the service's command and environment, as
// processes on loopback instead of containers, the test's Redis for the
// redis service, and a round-robin balancer for Caddy. They answer
// through the balancer with the token, keep one rate limit, serve metrics
// on their own port, share the test's PostgreSQL for the postgres service,
// and take OpenPhone's webhooks, each applied once.
func TestE2EDeployCompose(t *testing.T) {
	raw, err := os.ReadFile("deploy/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &compose); err != nil {
		t.Fatal(err)
	}
	api := testkit.Demo(t)
	const token = "compose-test-token"
	hookKey := []byte("the webhook signing key of compose")
	settings := map[string]string{"OPENPHONE_API_KEY": api.APIKey, "OPENPHONE_MCP_AUTH_TOKEN": token,
		"OPENPHONE_CONFIRMATION_SECRET": strings.Repeat("s", 64), "POSTGRES_PASSWORD": "unused",
		"OPENPHONE_WEBHOOK_KEYS": base64.StdEncoding.EncodeToString(hookKey)}
	redis, postgres := testkit.RedisURL(t), testkit.PostgresURL(t)
	if svc, ok := compose.Services["postgres"]; !ok || !strings.HasPrefix(svc.Image, "postgres:") {
		t.Errorf("compose.yaml has no postgres service: %+v", svc)
	}
	var replicas []*httpServer
	for name, svc := range compose.Services {
		if !strings.HasPrefix(svc.Image, "ghcr.io/openphone-mcp/") {
			continue
		}
		env := []string{"OPENPHONE_BASE_URL=" + api.URL, "QUO_API_KEY="}
		for k, v := range svc.Environment {
			v = os.Expand(v, func(name string) string { return settings[name] })
			switch k {
			case "OPENPHONE_REDIS_URL":
				v = redis // the compose network's redis:6379
			case "OPENPHONE_STORE":
				if !strings.HasPrefix(v, "postgres://openphone:unused@postgres:5432/") {
					t.Errorf("%s: OPENPHONE_STORE=%s, want the postgres service", name, v)
				}
				v = postgres
			}
			env = append(env, k+"="+v)
		}
		// The container's addresses, on loopback and free ports.
		args := strings.Fields(strings.NewReplacer("0.0.0.0:8080", "127.0.0.1:0", "0.0.0.0:9090", "127.0.0.1:0").Replace(strings.Join(svc.Command, " ")))
		if args[0] != "--transport" {
			t.Fatalf("%s: command %v", name, svc.Command)
		}
		replicas = append(replicas, startHTTPArgs(t, env, args...))
	}
	if len(replicas) != 2 {
		t.Fatalf("%d replicas in compose.yaml, want 2", len(replicas))
	}
	lb := roundRobin(t, replicas)
	if status, _, _ := testkit.Post(t, lb, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, nil); status != http.StatusUnauthorized {
		t.Errorf("without the token: %d", status)
	}
	auth := http.Header{"Authorization": {"Bearer " + token}}
	for i := range 30 {
		_, _, body := testkit.Post(t, lb, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_users","arguments":{}}}`, auth)
		if !strings.Contains(body, "5 users") {
			t.Fatalf("call %d: %s", i, body)
		}
	}
	if most := testkit.MostWithin(testkit.Arrivals(api), time.Second); most > 10 {
		t.Errorf("%d requests within a second", most)
	}
	for _, r := range replicas {
		if !strings.Contains(r.stderr.String(), "sharing the rate limit through its store") || !strings.Contains(r.stderr.String(), "serving metrics") {
			t.Errorf("a replica's log:\n%s", r.stderr.String())
		}
	}

	// Caddy sends OpenPhone's webhooks on to the replicas, and one
	// delivery that reaches both is applied once.
	caddy, err := os.ReadFile("deploy/Caddyfile")
	if err != nil || !regexp.MustCompile(`(?m)^\s*@served path .*`+regexp.QuoteMeta(serve.WebhookPath)).Match(caddy) {
		t.Errorf("the Caddyfile routes no %s (%v):\n%s", serve.WebhookPath, err, caddy)
	}
	waitFor(t, "a replica to fill the store", func() bool {
		time.Sleep(100 * time.Millisecond)
		_, _, body := testkit.Post(t, lb, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search_messages","arguments":{"query":"invoice"}}}`, auth)
		return strings.Contains(body, fromTheStore)
	})
	line := openphonetest.DemoWorkspace().Lines[0]
	body := fmt.Sprintf(`{"id":"EVcompose1","object":"event","createdAt":%[1]q,"apiVersion":"v3","type":"message.received","data":{"object":{"id":"ACcompose1",
		"from":"+14155550177","to":[%[2]q],"text":"compose-webhook-7731 arrived","direction":"incoming","status":"received","createdAt":%[1]q,
		"phoneNumberId":%[3]q,"conversationId":"CNcompose1"}}}`, time.Now().UTC().Format(time.RFC3339Nano), line.Number, line.ID)
	sig := webhook.Sign(hookKey, time.Now(), []byte(body))
	for _, r := range replicas {
		if status, _, reply := testkit.Post(t, strings.TrimSuffix(r.url, serve.MCPPath)+serve.WebhookPath, body, http.Header{webhook.SignatureHeader: {sig}}); status != http.StatusOK {
			t.Fatalf("the delivery: %d %s", status, reply)
		}
	}
	_, _, found := testkit.Post(t, lb, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search_messages","arguments":{"query":"compose-webhook-7731"}}}`, auth)
	if !strings.Contains(found, "ACcompose1") {
		t.Errorf("search_messages after the delivery:\n%s", found)
	}
	outcomes := map[string]int{}
	for _, r := range replicas {
		m := regexp.MustCompile(`"serving metrics" url=(\S+)`).FindStringSubmatch(r.stderr.String())
		if m == nil {
			t.Fatalf("no metrics address in the log:\n%s", r.stderr.String())
		}
		_, metrics := get(t, m[1], nil)
		for _, outcome := range []string{"applied", "duplicate"} {
			if strings.Contains(metrics, `openphone_mcp_webhook_events_total{outcome="`+outcome+`",type="message.received"} 1`) {
				outcomes[outcome]++
			}
		}
	}
	if outcomes["applied"] != 1 || outcomes["duplicate"] != 1 {
		t.Errorf("one delivery to both replicas: %v; want applied by one, a duplicate to the other", outcomes)
	}
}
