package main

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/openphone-mcp/openphone-mcp/serve"
	"github.com/openphone-mcp/openphone-mcp/webhook"
)

// webhookToTool: a signed message.received delivery posted to a server
// over HTTP, then search_messages for its word on the same server: how
// long from the delivery's start until the tool's answer holds the text,
// 200 times. The server's store was filled by its first sync.
func (b *bench) webhookToTool() error {
	dir, err := os.MkdirTemp("", "openphone-mcp-bench-webhook")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	metrics, err := freeAddr()
	if err != nil {
		return err
	}
	key := []byte("the bench's webhook signing key")
	s, err := spawnHTTP(b.binary, append(slices.Clone(b.env), "OPENPHONE_MAX_RPS=1000", "OPENPHONE_STORE=sqlite:"+filepath.Join(dir, "store.db"),
		"OPENPHONE_SYNC_INTERVAL=1h", "OPENPHONE_MCP_METRICS_ADDR="+metrics, "OPENPHONE_WEBHOOK_KEYS="+base64.StdEncoding.EncodeToString(key)))
	if err != nil {
		return err
	}
	defer s.close()
	if err := firstSync(metrics); err != nil {
		return err
	}
	hook := strings.TrimSuffix(s.url, serve.MCPPath) + serve.WebhookPath
	line, conv := b.ws.Lines[0], b.ws.Conversations[0]
	var took, posted []time.Duration
	for i := range 200 {
		word, id := fmt.Sprintf("hookword%04d", i), fmt.Sprintf("ACbenchhook%04d", i)
		at := time.Now().UTC().Format(time.RFC3339Nano)
		body := fmt.Sprintf(`{"id":"EVbench%04d","object":"event","createdAt":%q,"apiVersion":"v3","type":"message.received","data":{"object":{"id":%q,
			"from":%q,"to":[%q],"text":"the delivery carries %s","direction":"incoming","status":"received","createdAt":%q,"phoneNumberId":%q,"conversationId":%q}}}`,
			i, at, id, conv.Participants[0], line.Number, word, at, line.ID, conv.ID)
		start := time.Now()
		req, _ := http.NewRequest(http.MethodPost, hook, strings.NewReader(body))
		req.Header.Set(webhook.SignatureHeader, webhook.Sign(key, start, []byte(body)))
		resp, err := s.client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("the delivery was answered %s", resp.Status)
		}
		posted = append(posted, time.Since(start))
		answer, err := s.callTool("search_messages", fmt.Sprintf(`{"query":%q}`, word))
		if err != nil {
			return err
		}
		if !strings.Contains(answer, id) {
			return fmt.Errorf("search_messages did not find the delivered text:\n%.500s", answer)
		}
		took = append(took, time.Since(start))
	}
	b.addGoal("a webhook's text, delivered then found by search_messages, median", fmt.Sprintf("%s (p90 %s)", ms(median(took)), ms(percentile(took, 0.9))),
		goal{"within 1 s, every one", slices.Max(took) <= time.Second},
		fmt.Sprintf("HTTP, SQLite store; from the delivery's start to the tool's answer holding it, 200 deliveries; the delivery alone: median %s", ms(median(posted))))
	return nil
}

// callTool calls a tool over HTTP and returns the JSON-RPC answer.
func (h *httpSession) callTool(name, args string) (string, error) {
	req, _ := http.NewRequest(http.MethodPost, h.url, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"`+name+`","arguments":`+args+`}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := h.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("HTTP tools/call %s: %s: %.200s", name, resp.Status, body)
	}
	return string(body), err
}
