// Package webhook receives OpenPhone's v1 webhook deliveries and applies
// them to a store.Store, so that a text or a call reaches the tools as it
// happens rather than at the next sync. The sync still runs: it catches
// what a missed delivery lost, and what the store did not know enough to
// apply.
//
// A Handler answers POSTs at the path it is mounted on. Each delivery
// must carry OpenPhone's signature, made with one of the Handler's keys
// less than MaxAge ago; any other is answered 401 and neither read nor
// stored. A signed delivery is applied once by its event ID, however many
// times it arrives and whichever replica receives it (the store records
// the ID with the change), before the 2xx answer, so that a tool reading
// the store after the answer sees it.
//
//	keys, err := webhook.ParseKeys(os.Getenv("OPENPHONE_WEBHOOK_KEYS"))
//	h := webhook.NewHandler(webhook.Config{Store: st, Keys: keys, Logger: logger})
//	mux.Handle("POST /webhooks/openphone", h)
package webhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/openphone-mcp/openphone-mcp/store"
)

// Limits of a delivery.
const (
	// SignatureHeader carries the signature: hmac;1;<ms>;<base64 digest>.
	SignatureHeader = "openphone-signature"
	// MaxAge bounds how far a signature's timestamp may be from this
	// machine's clock, either way: an older delivery is a replay (or a
	// clock gone wrong), and is refused.
	MaxAge = 5 * time.Minute
	// MaxBodyBytes bounds a delivery's body; a larger one gets 413. The
	// largest is a long call's transcript: an hour of speech is some
	// 60 KiB of words, several times that as JSON segments.
	MaxBodyBytes = 2 << 20
	// EventsKept is how long the IDs of applied events are kept. A replay
	// of a signed delivery is stopped by MaxAge; a retry is signed anew,
	// so the IDs must outlive OpenPhone's retries, not only MaxAge.
	EventsKept = 24 * time.Hour
	// MaxInFlight bounds the deliveries read at once: a body is read whole
	// before its signature can be checked, so that anyone with a header of
	// the right shape and time may make one cost MaxBodyBytes, for at most
	// readWait. One that waits slotWait beyond the bound is answered 503,
	// and OpenPhone delivers it again.
	MaxInFlight = 32
	// slotWait is how long a delivery waits for a place among the
	// MaxInFlight, and readWait how long its body may take to arrive.
	slotWait = 2 * time.Second
	readWait = 10 * time.Second
	// pruneEvery is how often the old IDs are pruned, at most.
	pruneEvery = 10 * time.Minute
	// maxTypesLogged bounds the unknown event types remembered, each
	// logged once.
	maxTypesLogged = 64
)

// The event types applied.
const (
	MessageReceived         = "message.received"
	MessageDelivered        = "message.delivered"
	CallCompleted           = "call.completed"
	CallRecordingCompleted  = "call.recording.completed"
	CallSummaryCompleted    = "call.summary.completed"
	CallTranscriptCompleted = "call.transcript.completed"
	ContactUpdated          = "contact.updated"
	ContactDeleted          = "contact.deleted"
)

// Types are the event types applied, in the order of the API's document.
var Types = []string{MessageReceived, MessageDelivered, CallCompleted, CallRecordingCompleted,
	CallSummaryCompleted, CallTranscriptCompleted, ContactUpdated, ContactDeleted}

// The outcomes of a signed delivery, as Metrics are told them.
const (
	Applied   = "applied"   // the store changed
	Duplicate = "duplicate" // applied before, by this replica or another
	Skipped   = "skipped"   // the store does not know its workspace or conversation yet: the sync will
	Ignored   = "ignored"   // a type not applied
	Invalid   = "invalid"   // signed, but not a delivery this package reads (400)
	Failed    = "failed"    // the store failed (500: OpenPhone delivers it again)
)

// The reasons a delivery's signature is refused.
const (
	SignatureMissing = "missing" // no signature header
	SignatureBad     = "bad"     // malformed, or made with none of the keys
	SignatureStale   = "stale"   // made with a key, but more than MaxAge away
)

// Metrics count deliveries. The type is one of Types or "other".
type Metrics interface {
	WebhookEvent(eventType, outcome string)
	WebhookSignatureFailure(reason string)
}

// Config configures a Handler.
type Config struct {
	// Store is where deliveries are applied. Required.
	Store *store.Store
	// Keys are the signing keys, base64-decoded (ParseKeys): a delivery
	// signed with any of them is taken, so that a key can be rotated.
	Keys [][]byte
	// Workspace, when set, is the one workspace deliveries may change:
	// the server's own, whose sync tells it ("" until known: deliveries
	// are then left to the sync). A key signs for its workspace alone, and
	// a delivery naming another workspace's line, call or contact is
	// skipped. nil: any workspace the store holds.
	Workspace func() string
	// Logger receives a line per delivery refused or applied: event IDs,
	// types and outcomes, never a text, a number or a key. nil discards.
	Logger *slog.Logger
	// Metrics, when set, counts deliveries.
	Metrics Metrics
	// Now is the clock of signatures' age; time.Now by default.
	Now func() time.Time
}

// A Handler receives OpenPhone's webhook deliveries. It is safe for
// concurrent use.
type Handler struct {
	cfg      Config
	inFlight chan struct{}

	mu         sync.Mutex // guards what follows
	typesSeen  map[string]bool
	lastPruned time.Time
}

// NewHandler returns a Handler for cfg. It panics without a store or a
// key: a configuration that cannot take a delivery is a mistake of the
// caller's.
func NewHandler(cfg Config) *Handler {
	if cfg.Store == nil || len(cfg.Keys) == 0 {
		panic("webhook: NewHandler needs a store and a key")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Handler{cfg: cfg, inFlight: make(chan struct{}, MaxInFlight), typesSeen: map[string]bool{}}
}

// ParseKeys reads comma-separated signing keys, each base64 as OpenPhone
// shows it. Blanks are dropped; a key that is not base64 is an error that
// says which (by position: keys are never echoed).
func ParseKeys(list string) ([][]byte, error) {
	var keys [][]byte
	for i, k := range strings.Split(list, ",") {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		key, err := base64.StdEncoding.DecodeString(k)
		if err != nil {
			key, err = base64.RawStdEncoding.DecodeString(k)
		}
		if err != nil || len(key) == 0 {
			return nil, fmt.Errorf("key %d of the list is not base64, as OpenPhone shows a webhook's signing key", i+1)
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, errors.New("no key in the list")
	}
	return keys, nil
}

// ServeHTTP takes a delivery: 405 unless POST; 401 unsigned, badly signed
// or stale; 413 too large; 503 when MaxInFlight are being read; 400
// signed but unreadable; 500 when the store fails; 200 otherwise, applied
// or not.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST a webhook delivery here", http.StatusMethodNotAllowed)
		return
	}
	sig := r.Header.Get(SignatureHeader)
	if sig == "" {
		h.refuse(w, SignatureMissing)
		return
	}
	// What can be checked before the body is read is: a header of another
	// shape, or of another time, costs no place and no read.
	parsed, reason := h.parseSignature(sig)
	if reason != "" {
		h.refuse(w, reason)
		return
	}
	wait := time.NewTimer(slotWait)
	defer wait.Stop()
	select {
	case h.inFlight <- struct{}{}:
		defer func() { <-h.inFlight }()
	case <-wait.C:
		w.Header().Set("Retry-After", "1")
		http.Error(w, "busy: deliver it again", http.StatusServiceUnavailable)
		return
	}
	// A body sent slowly gives its place up soon.
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(readWait))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		h.cfg.Logger.Warn("webhook: a delivery larger than the bound refused", "bound", MaxBodyBytes)
		http.Error(w, "the delivery is too large", http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		http.Error(w, "the delivery could not be read", http.StatusBadRequest)
		return
	}
	if !h.signed(parsed, body) {
		h.refuse(w, SignatureBad)
		return
	}
	status, msg := h.apply(r, body)
	http.Error(w, msg, status) // a plain text answer, whatever the status
}

// refuse answers 401 for reason, and counts it.
func (h *Handler) refuse(w http.ResponseWriter, reason string) {
	h.cfg.Logger.Warn("webhook: a delivery refused: its signature is "+reason, "reason", reason)
	if h.cfg.Metrics != nil {
		h.cfg.Metrics.WebhookSignatureFailure(reason)
	}
	w.Header().Set("Connection", "close")
	http.Error(w, "the delivery is not signed with a key of this server", http.StatusUnauthorized)
}

// A signature is a signature header, read.
type signature struct {
	stamp  string // the timestamp as sent, which the digest covers
	digest []byte
}

// parseSignature reads a signature header (hmac;1;<ms>;<base64 digest>)
// and checks its time: "" when it may be good, else the reason to refuse
// it.
func (h *Handler) parseSignature(header string) (signature, string) {
	parts := strings.Split(strings.TrimSpace(header), ";")
	if len(parts) != 4 || parts[0] != "hmac" || parts[1] != "1" {
		return signature{}, SignatureBad
	}
	at, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return signature{}, SignatureBad
	}
	digest, err := base64.StdEncoding.DecodeString(parts[3])
	if err != nil || len(digest) != sha256.Size {
		return signature{}, SignatureBad
	}
	if age := h.cfg.Now().Sub(time.UnixMilli(at)); age > MaxAge || age < -MaxAge {
		return signature{}, SignatureStale
	}
	return signature{parts[2], digest}, ""
}

// signed says whether sig is body's HMAC-SHA256 with one of the keys.
func (h *Handler) signed(sig signature, body []byte) bool {
	ok := false
	for _, key := range h.cfg.Keys { // every key, whichever matches
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(sig.stamp))
		mac.Write([]byte{'.'})
		mac.Write(body)
		if hmac.Equal(mac.Sum(nil), sig.digest) {
			ok = true
		}
	}
	return ok
}

// Sign returns the signature header of body made with key at t, as
// OpenPhone makes it: for tests, and for a fake that delivers webhooks.
func Sign(key []byte, t time.Time, body []byte) string {
	stamp := strconv.FormatInt(t.UnixMilli(), 10)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(stamp + "."))
	mac.Write(body)
	return "hmac;1;" + stamp + ";" + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// metricType is eventType as a metric's label: one of Types, or "other".
func metricType(eventType string) string {
	for _, t := range Types {
		if t == eventType {
			return t
		}
	}
	return "other"
}

// count tells the metrics, and the log, what became of a delivery.
func (h *Handler) count(e *event, outcome string, err error) {
	if h.cfg.Metrics != nil {
		h.cfg.Metrics.WebhookEvent(metricType(e.Type), outcome)
	}
	attrs := []any{"event", e.ID, "type", metricType(e.Type), "outcome", outcome}
	if e.workspace != "" {
		attrs = append(attrs, "workspace", e.workspace)
	}
	switch {
	case outcome == Failed:
		h.cfg.Logger.Error("webhook: a delivery failed", append(attrs, "err", err)...)
	case err != nil:
		h.cfg.Logger.Info("webhook: a delivery left to the sync", append(attrs, "why", err.Error())...)
	default:
		h.cfg.Logger.Debug("webhook: a delivery", attrs...)
	}
}

// logTypeOnce logs an event type not applied, once per process.
func (h *Handler) logTypeOnce(eventType string) {
	h.mu.Lock()
	first := !h.typesSeen[eventType] && len(h.typesSeen) < maxTypesLogged
	if first {
		h.typesSeen[eventType] = true
	}
	h.mu.Unlock()
	if first {
		h.cfg.Logger.Info("webhook: deliveries of this type are not applied (answered 200; logged once)", "type", safeLabel(eventType))
	}
}

// safeLabel is s cut short, with what is not a plain word character
// replaced: an unknown type is logged, and nothing else of the body.
func safeLabel(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.Map(func(r rune) rune {
		if r == '.' || r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '?'
	}, s)
}

// prune forgets old event IDs, at most every pruneEvery.
func (h *Handler) prune(r *http.Request) {
	now := h.cfg.Now()
	h.mu.Lock()
	due := now.Sub(h.lastPruned) >= pruneEvery
	if due {
		h.lastPruned = now
	}
	h.mu.Unlock()
	if due {
		if _, err := h.cfg.Store.PruneWebhookEvents(r.Context(), EventsKept); err != nil {
			h.cfg.Logger.Warn("webhook: old event IDs could not be pruned", "err", err)
		}
	}
}

// trimBOM drops a byte-order mark before the JSON.
func trimBOM(b []byte) []byte { return bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) }
