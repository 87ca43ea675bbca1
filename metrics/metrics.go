// Package metrics reports what openphone-mcp does in Prometheus's format,
// for an operator: tool calls, requests to OpenPhone, rate-limit waits and
// pauses, contact index builds, and the callers' accounts kept. A
// Registry is the tools' and the client's Metrics. No label holds a key,
// an ID or anything personal: tools, outcomes, routes with {id} in place
// of IDs, and statuses.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// A Registry holds the server's metrics.
type Registry struct {
	reg             *prometheus.Registry
	toolCalls       *prometheus.CounterVec
	toolSeconds     *prometheus.HistogramVec
	upstream        *prometheus.CounterVec
	upstreamSeconds *prometheus.HistogramVec
	waits           *prometheus.HistogramVec
	pauses          prometheus.Histogram
	indexBuilds     *prometheus.CounterVec
	indexSeconds    prometheus.Histogram
	indexContacts   prometheus.Gauge
	accounts        prometheus.Gauge
	syncs           *prometheus.CounterVec
	lastSync        prometheus.Gauge
	storeRows       *prometheus.GaugeVec
	backfill        prometheus.Gauge
	syncLeader      prometheus.Gauge
	leaderChanges   *prometheus.CounterVec
	webhookEvents   *prometheus.CounterVec
	webhookRefusals *prometheus.CounterVec
}

// New returns a Registry with every metric at zero, and the Go runtime's
// and the process's own.
func New() *Registry {
	r := &Registry{
		reg: prometheus.NewRegistry(),
		toolCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "openphone_mcp_tool_calls_total",
			Help: "Tool calls, by tool and outcome: ok, error (an isError result), confirm (a question to the person), declined (the person said no), failed (a protocol error)."}, []string{"tool", "outcome"}),
		toolSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "openphone_mcp_tool_call_seconds",
			Help: "How long tool calls took, by tool.", Buckets: prometheus.ExponentialBuckets(0.005, 2.5, 10)}, []string{"tool"}),
		upstream: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "openphone_mcp_upstream_requests_total",
			Help: "Requests to OpenPhone, by route (IDs as {id}) and status (0: no answer)."}, []string{"route", "status"}),
		upstreamSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "openphone_mcp_upstream_request_seconds",
			Help: "How long requests to OpenPhone took, by route.", Buckets: prometheus.ExponentialBuckets(0.01, 2.5, 9)}, []string{"route"}),
		waits: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "openphone_mcp_wait_seconds",
			Help: "Waits before requests to OpenPhone, by reason: rate_limit (this server's limit per key) or retry (backing off).", Buckets: prometheus.ExponentialBuckets(0.01, 2.5, 9)}, []string{"reason"}),
		pauses: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "openphone_mcp_pause_seconds",
			Help: "Pauses OpenPhone asked of a key (429 with Retry-After).", Buckets: prometheus.ExponentialBuckets(1, 2, 7)}),
		indexBuilds: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "openphone_mcp_contact_index_builds_total",
			Help: "Builds of contact indexes, by outcome: ok or failed."}, []string{"outcome"}),
		indexSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "openphone_mcp_contact_index_build_seconds",
			Help: "How long contact index builds took.", Buckets: prometheus.ExponentialBuckets(0.5, 2, 10)}),
		indexContacts: prometheus.NewGauge(prometheus.GaugeOpts{Name: "openphone_mcp_contact_index_contacts",
			Help: "Contacts read by the last contact index build."}),
		accounts: prometheus.NewGauge(prometheus.GaugeOpts{Name: "openphone_mcp_caller_accounts",
			Help: "Accounts of callers' own OpenPhone keys kept by the HTTP transport."}),
		syncs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "openphone_mcp_store_syncs_total",
			Help: "Syncs of the store, by outcome: ok, failed, or elsewhere (another process holds the workspace's lease)."}, []string{"outcome"}),
		lastSync: prometheus.NewGauge(prometheus.GaugeOpts{Name: "openphone_mcp_store_last_sync_timestamp_seconds",
			Help: "When the store last synced, in Unix seconds: the sync's lag is time() minus this."}),
		storeRows: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "openphone_mcp_store_rows",
			Help: "What the store holds of the server's workspace, by kind: lines, users, contacts, conversations, messages, calls."}, []string{"kind"}),
		backfill: prometheus.NewGauge(prometheus.GaugeOpts{Name: "openphone_mcp_store_backfill_conversations",
			Help: "Conversations the store's backfill has read so far."}),
		syncLeader: prometheus.NewGauge(prometheus.GaugeOpts{Name: "openphone_mcp_store_sync_leader",
			Help: "1 while this process syncs the store (holds the workspace's lease), 0 while another does or none."}),
		leaderChanges: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "openphone_mcp_store_sync_leader_changes_total",
			Help: "Changes of the process that syncs the store, seen by this one: took (it began to sync the workspace) or lost (another took it over)."}, []string{"change"}),
		webhookEvents: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "openphone_mcp_webhook_events_total",
			Help: "Signed webhook deliveries from OpenPhone, by type (the types applied, or other) and outcome: applied, duplicate (applied before, here or by another replica), skipped (the store does not know its workspace or conversation yet: left to the sync), ignored (a type not applied), invalid (signed but unreadable), failed (the store failed)."}, []string{"type", "outcome"}),
		webhookRefusals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "openphone_mcp_webhook_signature_failures_total",
			Help: "Webhook deliveries refused for their signature, by reason: missing, bad (malformed or no key matches) or stale (older or newer than the bound)."}, []string{"reason"}),
	}
	r.reg.MustRegister(r.toolCalls, r.toolSeconds, r.upstream, r.upstreamSeconds, r.waits, r.pauses,
		r.indexBuilds, r.indexSeconds, r.indexContacts, r.accounts, r.syncs, r.lastSync, r.storeRows, r.backfill,
		r.syncLeader, r.leaderChanges, r.webhookEvents, r.webhookRefusals,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

// Handler serves the metrics.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{})
}

// ToolCall reports a tool call.
func (r *Registry) ToolCall(tool, outcome string, took time.Duration) {
	r.toolCalls.WithLabelValues(tool, outcome).Inc()
	r.toolSeconds.WithLabelValues(tool).Observe(took.Seconds())
}

// IndexBuilt reports a contact index's build.
func (r *Registry) IndexBuilt(took time.Duration, contacts int, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "failed"
	}
	r.indexBuilds.WithLabelValues(outcome).Inc()
	r.indexSeconds.Observe(took.Seconds())
	if err == nil {
		r.indexContacts.Set(float64(contacts))
	}
}

// Request reports a request to OpenPhone.
func (r *Registry) Request(route string, status int, took time.Duration) {
	r.upstream.WithLabelValues(route, strconv.Itoa(status)).Inc()
	r.upstreamSeconds.WithLabelValues(route).Observe(took.Seconds())
}

// Waited reports a wait before a request.
func (r *Registry) Waited(kind client.WaitKind, d time.Duration) {
	reason := "rate_limit"
	if kind == client.WaitBeforeRetry {
		reason = "retry"
	}
	r.waits.WithLabelValues(reason).Observe(d.Seconds())
}

// Paused reports a pause OpenPhone asked for.
func (r *Registry) Paused(d time.Duration) { r.pauses.Observe(d.Seconds()) }

// Synced reports a sync of the store that ended with outcome (ok, failed
// or elsewhere), at when it ended when ok.
func (r *Registry) Synced(outcome string, at time.Time) {
	r.syncs.WithLabelValues(outcome).Inc()
	if outcome == "ok" {
		r.lastSync.Set(float64(at.UnixMilli()) / 1000)
	}
}

// StoreRows reports how many rows of kind the store holds.
func (r *Registry) StoreRows(kind string, n int) { r.storeRows.WithLabelValues(kind).Set(float64(n)) }

// Backfilled reports how many conversations the backfill has read.
func (r *Registry) Backfilled(n int) { r.backfill.Set(float64(n)) }

// SyncLeader reports that this process began (leads) or ceased to sync
// the store.
func (r *Registry) SyncLeader(leads bool) {
	if leads {
		r.syncLeader.Set(1)
		r.leaderChanges.WithLabelValues("took").Inc()
		return
	}
	r.syncLeader.Set(0)
	r.leaderChanges.WithLabelValues("lost").Inc()
}

// Accounts reports how many callers' accounts are kept.
func (r *Registry) Accounts(n int) { r.accounts.Set(float64(n)) }

// WebhookEvent reports a signed webhook delivery of eventType (one of the
// types applied, or "other": the caller bounds it) and what became of it.
func (r *Registry) WebhookEvent(eventType, outcome string) {
	r.webhookEvents.WithLabelValues(eventType, outcome).Inc()
}

// WebhookSignatureFailure reports a webhook delivery refused for its
// signature, for reason: missing, bad or stale.
func (r *Registry) WebhookSignatureFailure(reason string) {
	r.webhookRefusals.WithLabelValues(reason).Inc()
}
