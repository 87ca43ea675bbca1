package metrics

import (
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
)

func TestRegistry(t *testing.T) {
	r := New()
	r.ToolCall("list_users", "ok", 3*time.Millisecond)
	r.ToolCall("send_message", "confirm", time.Millisecond)
	r.Request("GET /v1/users", 200, 20*time.Millisecond)
	r.Request("GET /v1/calls/{id}", 0, time.Second)
	r.Waited(client.WaitForRateLimit, 100*time.Millisecond)
	r.Waited(client.WaitBeforeRetry, time.Second)
	r.Paused(5 * time.Second)
	r.IndexBuilt(2*time.Second, 1200, nil)
	r.IndexBuilt(time.Second, 50, errors.New("403"))
	r.Accounts(3)
	r.Synced("ok", time.Unix(1700000000, 0))
	r.Synced("elsewhere", time.Time{})
	r.StoreRows("messages", 183)
	r.Backfilled(44)
	r.SyncLeader(true)
	r.SyncLeader(false)
	r.SyncLeader(true)
	r.WebhookEvent("message.received", "applied")
	r.WebhookEvent("other", "ignored")
	r.WebhookSignatureFailure("stale")
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`openphone_mcp_tool_calls_total{outcome="ok",tool="list_users"} 1`,
		`openphone_mcp_tool_calls_total{outcome="confirm",tool="send_message"} 1`,
		`openphone_mcp_upstream_requests_total{route="GET /v1/calls/{id}",status="0"} 1`,
		`openphone_mcp_wait_seconds_count{reason="rate_limit"} 1`,
		`openphone_mcp_wait_seconds_count{reason="retry"} 1`,
		`openphone_mcp_pause_seconds_count 1`,
		`openphone_mcp_contact_index_builds_total{outcome="failed"} 1`,
		`openphone_mcp_contact_index_contacts 1200`,
		`openphone_mcp_caller_accounts 3`,
		`openphone_mcp_store_syncs_total{outcome="ok"} 1`,
		`openphone_mcp_store_syncs_total{outcome="elsewhere"} 1`,
		`openphone_mcp_store_last_sync_timestamp_seconds 1.7e+09`,
		`openphone_mcp_store_rows{kind="messages"} 183`,
		`openphone_mcp_store_backfill_conversations 44`,
		`openphone_mcp_store_sync_leader 1`,
		`openphone_mcp_store_sync_leader_changes_total{change="took"} 2`,
		`openphone_mcp_store_sync_leader_changes_total{change="lost"} 1`,
		`openphone_mcp_webhook_events_total{outcome="applied",type="message.received"} 1`,
		`openphone_mcp_webhook_events_total{outcome="ignored",type="other"} 1`,
		`openphone_mcp_webhook_signature_failures_total{reason="stale"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the metrics lack %s", want)
		}
	}
}
