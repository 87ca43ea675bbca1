package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/store"
)

// An event is a delivery as read: {id, object: "event", createdAt,
// apiVersion, type, data: {object}}. apiVersion, whatever its value, and
// fields not named here are ignored.
type event struct {
	ID        string   `json:"id"`
	Type      string   `json:"type"`
	CreatedAt flexTime `json:"createdAt"`
	Data      struct {
		Object json.RawMessage `json:"object"`
	} `json:"data"`

	workspace string // found for it, for the log
}

// errNoWorkspace says why an event is left to the sync.
var errNoWorkspace = errors.New("no workspace of the store holds what it names")

// apply reads a signed delivery and applies it; it returns the answer's
// status and text.
func (h *Handler) apply(r *http.Request, body []byte) (int, string) {
	var e event
	if err := json.Unmarshal(trimBOM(body), &e); err != nil || e.ID == "" || e.Type == "" {
		e.Type = "other"
		h.count(&e, Invalid, nil)
		return http.StatusBadRequest, "not a webhook delivery: want {id, type, data: {object}}"
	}
	var (
		applied bool
		err     error
	)
	switch e.Type {
	case MessageReceived, MessageDelivered:
		applied, err = h.message(r, &e)
	case CallCompleted, CallRecordingCompleted:
		applied, err = h.call(r, &e)
	case CallSummaryCompleted, CallTranscriptCompleted:
		applied, err = h.callTexts(r, &e)
	case ContactUpdated, ContactDeleted:
		applied, err = h.contact(r, &e)
	default:
		h.logTypeOnce(e.Type)
		h.count(&e, Ignored, nil)
		return http.StatusOK, "ignored: a type this server does not apply"
	}
	var invalid *invalidError
	switch {
	case errors.As(err, &invalid):
		h.count(&e, Invalid, err)
		return http.StatusBadRequest, "not a delivery this server reads: " + invalid.Error()
	case errors.Is(err, errNoWorkspace) || errors.Is(err, store.ErrNoWorkspace) || errors.Is(err, store.ErrNoConversation):
		h.count(&e, Skipped, err)
		return http.StatusOK, "skipped: the sync will bring it"
	case err != nil:
		h.count(&e, Failed, err)
		return http.StatusInternalServerError, "the store failed; deliver it again"
	case !applied:
		h.count(&e, Duplicate, nil)
		return http.StatusOK, "applied before"
	}
	h.count(&e, Applied, nil)
	h.prune(r)
	return http.StatusOK, "applied"
}

// An invalidError says what a signed delivery lacks.
type invalidError struct{ what string }

func (e *invalidError) Error() string { return e.what }

func invalid(format string, a ...any) error { return &invalidError{fmt.Sprintf(format, a...)} }

// messageObject is a message as deliveries show it: the API's, with to a
// string or a list, and the text in body or text.
type messageObject struct {
	ID             string     `json:"id"`
	From           string     `json:"from"`
	To             stringList `json:"to"`
	Body           *string    `json:"body"`
	Text           *string    `json:"text"`
	PhoneNumberID  string     `json:"phoneNumberId"`
	ConversationID string     `json:"conversationId"`
	Direction      string     `json:"direction"`
	UserID         *string    `json:"userId"`
	Status         string     `json:"status"`
	CreatedAt      flexTime   `json:"createdAt"`
	UpdatedAt      flexTime   `json:"updatedAt"`
}

func (h *Handler) message(r *http.Request, e *event) (bool, error) {
	var o messageObject
	if err := json.Unmarshal(e.Data.Object, &o); err != nil {
		return false, invalid("data.object is not a message: %v", err)
	}
	if o.ID == "" || o.PhoneNumberID == "" {
		return false, invalid("the message has no id or no phoneNumberId")
	}
	ws, err := h.claim(e, func() (string, error) { return h.cfg.Store.WorkspaceOfLine(r.Context(), o.PhoneNumberID) })
	if err != nil {
		return false, err
	}
	m := client.Message{ID: o.ID, From: o.From, To: o.To, PhoneNumberID: &o.PhoneNumberID, Direction: o.Direction,
		UserID: o.UserID, Status: o.Status, CreatedAt: o.CreatedAt.or(e.CreatedAt.or(h.cfg.Now())), UpdatedAt: o.UpdatedAt.ptr()}
	switch {
	case o.Text != nil && *o.Text != "":
		m.Text = *o.Text
	case o.Body != nil:
		m.Text = *o.Body
	}
	if m.Status == "" && e.Type == MessageDelivered {
		m.Status = "delivered"
	}
	if m.Status == "" && e.Type == MessageReceived {
		m.Status = "received"
	}
	if m.Direction == "" && e.Type == MessageReceived {
		m.Direction = "incoming"
	}
	if m.Direction == "" && e.Type == MessageDelivered {
		m.Direction = "outgoing" // what OpenPhone delivers is sent from a line
	}
	if o.ConversationID != "" {
		m.ConversationID = &o.ConversationID
	}
	return h.cfg.Store.ApplyMessage(r.Context(), e.ID, ws, m)
}

// callObject is a call as deliveries show it: the API's, with the
// conversation it belongs to when the delivery names it.
type callObject struct {
	ID             string     `json:"id"`
	PhoneNumberID  string     `json:"phoneNumberId"`
	ConversationID string     `json:"conversationId"`
	UserID         *string    `json:"userId"`
	Direction      string     `json:"direction"`
	Status         string     `json:"status"`
	Participants   stringList `json:"participants"`
	From           string     `json:"from"`
	To             stringList `json:"to"`
	CreatedAt      flexTime   `json:"createdAt"`
	AnsweredAt     flexTime   `json:"answeredAt"`
	CompletedAt    flexTime   `json:"completedAt"`
	UpdatedAt      flexTime   `json:"updatedAt"`
	Duration       float64    `json:"duration"`
	AnsweredBy     *string    `json:"answeredBy"`
	InitiatedBy    *string    `json:"initiatedBy"`
}

func (h *Handler) call(r *http.Request, e *event) (bool, error) {
	var o callObject
	if err := json.Unmarshal(e.Data.Object, &o); err != nil {
		return false, invalid("data.object is not a call: %v", err)
	}
	if o.ID == "" || o.PhoneNumberID == "" {
		return false, invalid("the call has no id or no phoneNumberId")
	}
	ws, err := h.claim(e, func() (string, error) { return h.cfg.Store.WorkspaceOfLine(r.Context(), o.PhoneNumberID) })
	if err != nil {
		return false, err
	}
	participants := []string(o.Participants)
	if len(participants) == 0 { // a delivery that names the two ends instead
		switch o.Direction {
		case "incoming":
			participants = []string{o.From}
		case "outgoing":
			participants = o.To
		}
	}
	c := client.Call{ID: o.ID, PhoneNumberID: o.PhoneNumberID, UserID: o.UserID, Direction: o.Direction, Status: o.Status,
		Participants: participants, CreatedAt: o.CreatedAt.or(e.CreatedAt.or(h.cfg.Now())), AnsweredAt: o.AnsweredAt.ptr(),
		CompletedAt: o.CompletedAt.ptr(), UpdatedAt: o.UpdatedAt.ptr(), Duration: int(math.Round(o.Duration)),
		AnsweredBy: o.AnsweredBy, InitiatedBy: o.InitiatedBy}
	if c.Status == "" {
		c.Status = "completed"
	}
	return h.cfg.Store.ApplyCall(r.Context(), e.ID, ws, o.ConversationID, c)
}

// textsObject is a call's summary or transcript as deliveries show it.
type textsObject struct {
	CallID    string                     `json:"callId"`
	Status    string                     `json:"status"`
	Summary   stringList                 `json:"summary"`
	NextSteps stringList                 `json:"nextSteps"`
	Dialogue  []client.TranscriptSegment `json:"dialogue"`
}

func (h *Handler) callTexts(r *http.Request, e *event) (bool, error) {
	var o textsObject
	if err := json.Unmarshal(e.Data.Object, &o); err != nil {
		return false, invalid("data.object is not a call's summary or transcript: %v", err)
	}
	if o.CallID == "" {
		return false, invalid("the summary or transcript has no callId")
	}
	ws, err := h.claim(e, func() (string, error) { return h.cfg.Store.WorkspaceOfCall(r.Context(), o.CallID) })
	if err != nil {
		return false, err
	}
	// The event says it is completed; a status, when the object has one,
	// says better.
	state := store.TextDone
	switch o.Status {
	case client.InsightInProgress:
		state = store.TextProcessing
	case client.InsightAbsent, client.InsightFailed:
		state = store.TextAbsent
	}
	var t store.CallTexts
	if e.Type == CallSummaryCompleted {
		t.SummaryStatus, t.Summary = state, store.SummaryText(client.CallSummary{CallID: o.CallID, Status: o.Status, Summary: o.Summary, NextSteps: o.NextSteps})
	} else {
		t.TranscriptStatus, t.Transcript = state, store.TranscriptText(client.CallTranscript{CallID: o.CallID, Status: o.Status, Dialogue: o.Dialogue})
	}
	return h.cfg.Store.ApplyCallTexts(r.Context(), e.ID, ws, o.CallID, t)
}

func (h *Handler) contact(r *http.Request, e *event) (bool, error) {
	var c client.Contact
	if err := json.Unmarshal(e.Data.Object, &c); err != nil {
		return false, invalid("data.object is not a contact: %v", err)
	}
	if c.ID == "" {
		return false, invalid("the contact has no id")
	}
	ws, err := h.claim(e, func() (string, error) { return h.contactWorkspace(r, c.ID) })
	if err != nil {
		return false, err
	}
	if e.Type == ContactDeleted {
		return h.cfg.Store.ApplyContactDeleted(r.Context(), e.ID, ws, c.ID)
	}
	return h.cfg.Store.ApplyContact(r.Context(), e.ID, ws, c)
}

// claim finds the event's workspace with find, and holds it to the
// server's own (own).
func (h *Handler) claim(e *event, find func() (string, error)) (string, error) {
	ws, err := find()
	if err == nil {
		err = h.own(ws)
	}
	if err != nil {
		return "", err
	}
	e.workspace = ws
	return ws, nil
}

// own says whether deliveries may change ws: any workspace the store
// holds, or with Config.Workspace only the server's own.
func (h *Handler) own(ws string) error {
	if h.cfg.Workspace == nil {
		return nil
	}
	switch mine := h.cfg.Workspace(); {
	case mine == "":
		return fmt.Errorf("%w: the server's own workspace is not known yet", errNoWorkspace)
	case ws != mine:
		return fmt.Errorf("%w: it names another workspace than the server's own", errNoWorkspace)
	}
	return nil
}

// contactWorkspace is the workspace of the contact id: the one that holds
// it, or else the server's own (Config.Workspace) or the store's only
// one. A contact names no line, so a new contact of a store of several
// workspaces, none the server's, is left to the sync.
func (h *Handler) contactWorkspace(r *http.Request, id string) (string, error) {
	ws, err := h.cfg.Store.WorkspaceOfContact(r.Context(), id)
	if !errors.Is(err, store.ErrNoWorkspace) {
		return ws, err
	}
	if h.cfg.Workspace != nil {
		if mine := h.cfg.Workspace(); mine != "" {
			return mine, nil
		}
		return "", fmt.Errorf("%w: the server's own workspace is not known yet", errNoWorkspace)
	}
	all, err := h.cfg.Store.Workspaces(r.Context())
	switch {
	case err != nil:
		return "", err
	case len(all) != 1:
		return "", fmt.Errorf("%w: a contact new to a store of %d workspaces", errNoWorkspace, len(all))
	}
	return all[0], nil
}

// stringList reads a string or a list of strings (or null).
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = nil
		if one != "" {
			*l = stringList{one}
		}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("want a string or a list of strings")
	}
	*l = list
	return nil
}

// flexTime reads an RFC 3339 time, or Unix milliseconds; anything else,
// null included, is the zero time.
type flexTime struct{ time.Time }

func (t *flexTime) UnmarshalJSON(b []byte) error {
	t.Time = time.Time{}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		if v, err := time.Parse(time.RFC3339Nano, s); err == nil {
			t.Time = v.UTC()
		} else if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
			t.Time = time.UnixMilli(n).UTC()
		}
		return nil
	}
	var n float64
	if err := json.Unmarshal(b, &n); err == nil && n > 0 {
		t.Time = time.UnixMilli(int64(n)).UTC()
	}
	return nil
}

// or is t, or def when t is zero.
func (t flexTime) or(def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t.Time
}

// ptr is &t, or nil when t is zero.
func (t flexTime) ptr() *time.Time {
	if t.IsZero() {
		return nil
	}
	v := t.Time
	return &v
}
