package e2e

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// TestE2EMetrics: /metrics, behind the same token as /mcp, reports the
// tool calls, the requests to OpenPhone by route and status, and the
// contact index; with --metrics-addr it moves to a listener of its own.
// No label holds a key or an ID.
func TestE2EMetrics(t *testing.T) {
	api := testkit.Demo(t)
	const token = "metrics-test-token"
	s := startHTTP(t, append(apiEnv(api), "OPENPHONE_MCP_AUTH_TOKEN="+token))
	auth := http.Header{"Authorization": {"Bearer " + token}}
	for _, call := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_users","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_conversations","arguments":{"maxResults":3}}}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_call","arguments":{"callId":"ACnope"}}}`,
	} {
		if status, _ := s.postJSON(t, call, auth); status != 200 {
			t.Fatalf("%s: %d", call, status)
		}
	}
	metricsURL := strings.TrimSuffix(s.url, "/mcp") + "/metrics"
	if status, _ := get(t, metricsURL, nil); status != http.StatusUnauthorized {
		t.Errorf("/metrics without the token: %d, want 401", status)
	}
	_, body := get(t, metricsURL, auth)
	for _, want := range []string{
		`openphone_mcp_tool_calls_total{outcome="ok",tool="list_users"} 1`,
		`openphone_mcp_tool_calls_total{outcome="error",tool="get_call"} 1`,
		`openphone_mcp_upstream_requests_total{route="GET /v1/users",status="200"}`,
		`openphone_mcp_upstream_requests_total{route="GET /v1/calls/{id}",status="404"} 1`,
		`openphone_mcp_tool_call_seconds_bucket{tool="list_conversations"`,
		`openphone_mcp_wait_seconds`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, secret := range []string{api.APIKey, token, "ACnope"} {
		if strings.Contains(body, secret) {
			t.Errorf("/metrics holds %q", secret)
		}
	}

	apart := startHTTP(t, append(apiEnv(api), "OPENPHONE_MCP_AUTH_TOKEN="+token, "OPENPHONE_MCP_METRICS_ADDR=127.0.0.1:0"))
	m := regexp.MustCompile(`serving metrics" url=(\S+)`).FindStringSubmatch(apart.stderr.String())
	if m == nil {
		t.Fatalf("no metrics listener in the log:\n%s", apart.stderr.String())
	}
	if status, body := get(t, m[1], nil); status != 200 || !strings.Contains(body, "openphone_mcp_caller_accounts") {
		t.Errorf("the metrics listener: %d", status)
	}
	if status, _ := get(t, strings.TrimSuffix(apart.url, "/mcp")+"/metrics", auth); status != http.StatusNotFound {
		t.Errorf("/metrics beside /mcp with a listener of its own: %d, want 404", status)
	}
}

func get(t *testing.T, url string, h http.Header) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
