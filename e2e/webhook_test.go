package e2e

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
	"github.com/openphone-mcp/openphone-mcp/serve"
	"github.com/openphone-mcp/openphone-mcp/webhook"
)

// TestE2EWebhookReachesATool: a server with webhook keys takes a signed
// delivery at /webhooks/openphone without its MCP token, and the text it
// brings is found by search_messages as soon as the delivery is answered;
// a delivery signed otherwise is refused and counted. The text is in no
// log line.
func TestE2EWebhookReachesATool(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	api := testkit.Fake(t, ws)
	const token = "webhook-test-token"
	key := []byte("the workspace's webhook signing key")
	path := filepath.Join(t.TempDir(), "store.db")
	s := startHTTP(t, append(apiEnv(api), "OPENPHONE_STORE=sqlite:"+path, "OPENPHONE_MAX_RPS=1000", "OPENPHONE_MCP_AUTH_TOKEN="+token,
		"OPENPHONE_WEBHOOK_KEYS=b3RoZXIga2V5,"+base64.StdEncoding.EncodeToString(key)))
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		cmd := exec.Command(binary, "--store", "sqlite:"+path, "store", "status")
		cmd.Env = append(os.Environ(), noKeyEnv...)
		if out, _ := output(t, cmd); strings.Contains(string(out), "backfill done") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server did not fill its store in a minute")
		}
	}
	hook := strings.TrimSuffix(s.url, serve.MCPPath) + serve.WebhookPath
	const text = "zebra-4471 arrived by webhook"
	body := fmt.Sprintf(`{"id":"EVe2e1","object":"event","apiVersion":"v2","type":"message.received","data":{"object":{"id":"ACe2ewebhook1",
		"from":"+14155550177","to":%q,"body":%q,"direction":"incoming","status":"received","createdAt":%q,"phoneNumberId":%q,"conversationId":"CNe2ewebhook1"}}}`,
		ws.Lines[0].Number, text, time.Now().UTC().Format(time.RFC3339Nano), ws.Lines[0].ID)
	post := func(sig string) int {
		status, _, _ := testkit.Post(t, hook, body, http.Header{webhook.SignatureHeader: {sig}})
		return status
	}
	if status := post(webhook.Sign([]byte(token), time.Now(), []byte(body))); status != http.StatusUnauthorized {
		t.Fatalf("signed with the MCP token: %d, want 401", status)
	}
	if status := post(webhook.Sign(key, time.Now(), []byte(body))); status != http.StatusOK {
		t.Fatalf("signed: %d, want 200", status)
	}
	auth := http.Header{"Authorization": {"Bearer " + token}}
	status, reply := s.postJSON(t, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search_messages","arguments":{"query":"zebra-4471"}}}`, auth)
	if status != http.StatusOK || !strings.Contains(reply, "ACe2ewebhook1") {
		t.Fatalf("search_messages after the delivery: %d\n%s", status, reply)
	}
	_, metrics := get(t, strings.TrimSuffix(s.url, serve.MCPPath)+serve.MetricsPath, auth)
	for _, want := range []string{`openphone_mcp_webhook_events_total{outcome="applied",type="message.received"} 1`,
		`openphone_mcp_webhook_signature_failures_total{reason="bad"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("the metrics lack %s", want)
		}
	}
	if log := s.stderr.String(); strings.Contains(log, "zebra") || strings.Contains(log, base64.StdEncoding.EncodeToString(key)) {
		t.Errorf("the log holds the text or the key:\n%s", log)
	}
}
