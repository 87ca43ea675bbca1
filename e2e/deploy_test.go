package e2e

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// TestE2EDeployCompose runs the replicas of deploy/compose.yaml as this
// machine allows: each with the service's command and environment, as
// processes on loopback instead of containers, the test's Redis for the
// redis service, and a round-robin balancer for Caddy. They answer
// through the balancer with the token, keep one rate limit, and serve
// metrics on their own port.
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
	settings := map[string]string{"OPENPHONE_API_KEY": api.APIKey, "OPENPHONE_MCP_AUTH_TOKEN": token,
		"OPENPHONE_CONFIRMATION_SECRET": strings.Repeat("s", 64)}
	redis := testkit.RedisURL(t)
	var replicas []*httpServer
	for name, svc := range compose.Services {
		if !strings.HasPrefix(svc.Image, "ghcr.io/openphone-mcp/") {
			continue
		}
		env := []string{"OPENPHONE_BASE_URL=" + api.URL, "QUO_API_KEY="}
		for k, v := range svc.Environment {
			v = os.Expand(v, func(name string) string { return settings[name] })
			if k == "OPENPHONE_REDIS_URL" {
				v = redis // the compose network's redis:6379
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
}
