package serve

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/store"
	"github.com/openphone-mcp/openphone-mcp/webhook"
)

// TestWebhookPath: OpenPhone's deliveries reach WebhookPath without the
// MCP token, past the Host and Origin checks and MCPPath's body cap; the
// signature is their only door, and the MCP token does not open it.
func TestWebhookPath(t *testing.T) {
	const token = "the-mcp-token-of-this-server"
	key := []byte("a webhook signing key of 32 byte")
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ws, err := st.Workspace(context.Background(), []client.PhoneNumber{{ID: "PNsales", Number: "+14155550100"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := newHTTPFixture(t, true, token, func(cfg *HTTPConfig, _ *[]client.Option) {
		cfg.Webhook = webhook.NewHandler(webhook.Config{Store: st, Keys: [][]byte{key}})
	})
	delivery := func(id, text string) string {
		return fmt.Sprintf(`{"id":%q,"object":"event","type":"message.received","data":{"object":{"id":"AC%s","from":"+14155550111","to":"+14155550100",
			"text":%q,"direction":"incoming","status":"received","createdAt":%q,"phoneNumberId":"PNsales","conversationId":"CN1"}}}`,
			id, id, text, time.Now().UTC().Format(time.RFC3339))
	}
	long := strings.Repeat("a long text ", 4*MaxRequestBytes/12) // beyond MCPPath's cap, within the webhook's
	for _, tc := range []struct {
		name   string
		body   string
		header map[string]string
		status int
	}{
		{"signed, no token", delivery("EV1", "hello"), map[string]string{webhook.SignatureHeader: "sign"}, http.StatusOK},
		{"signed, from a browser, another host", delivery("EV2", "hi"),
			map[string]string{webhook.SignatureHeader: "sign", "Origin": "https://evil.example", "Host": "hooks.example.com"}, http.StatusOK},
		{"signed, larger than an MCP request", delivery("EV3", long), map[string]string{webhook.SignatureHeader: "sign"}, http.StatusOK},
		{"the MCP token alone", delivery("EV4", "sneaky"), map[string]string{"Authorization": "Bearer " + token}, http.StatusUnauthorized},
		{"the MCP token as the signature", delivery("EV5", "sneaky"),
			map[string]string{"Authorization": "Bearer " + token, webhook.SignatureHeader: token}, http.StatusUnauthorized},
		{"the MCP token as the key", delivery("EV6", "sneaky"), map[string]string{webhook.SignatureHeader: "sign with token"}, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, f.srv.URL+WebhookPath, strings.NewReader(tc.body))
			for k, v := range tc.header {
				switch {
				case k == "Host":
					req.Host = v
				case v == "sign":
					req.Header.Set(k, webhook.Sign(key, time.Now(), []byte(tc.body)))
				case v == "sign with token":
					req.Header.Set(k, webhook.Sign([]byte(token), time.Now(), []byte(tc.body)))
				default:
					req.Header.Set(k, v)
				}
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("answered %d, want %d", resp.StatusCode, tc.status)
			}
		})
	}
	msgs, err := st.Messages(context.Background(), ws, "CN1")
	if err != nil || len(msgs) != 3 {
		t.Errorf("stored %d messages (%v), want the three signed", len(msgs), err)
	}
	for _, m := range msgs {
		if m.Text == "sneaky" {
			t.Errorf("a delivery without OpenPhone's signature was stored")
		}
	}
	// MCPPath still asks for the token.
	resp, err := http.Post(f.url, "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("MCP without the token answered %d, want 401", resp.StatusCode)
	}
}
