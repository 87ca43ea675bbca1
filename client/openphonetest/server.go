// Package openphonetest provides a fake OpenPhone API server, in the spirit
// of net/http/httptest.
//
// The fake answers as Quo's own OpenAPI document of the API says (Spec
// returns it). Every request is checked against the document, so a request
// the document refuses is refused, with the error body the document gives
// that endpoint; the fake adds what the document leaves to the server (a
// key sent with "Bearer ", unknown or repeated query parameters, arrays
// sent as phoneNumbers[], page tokens it did not issue). Every answer
// conforms to the document. It records every request it receives and can
// be told to misbehave. The --demo mode of openphone-mcp serves its demo
// workspace, so it is product code, not only a test helper.
//
//	srv := openphonetest.NewServer(openphonetest.DemoWorkspace())
//	defer srv.Close()
//	c, _ := client.New(srv.APIKey, client.WithBaseURL(srv.URL))
package openphonetest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// A Server is a fake OpenPhone API listening on a loopback address.
type Server struct {
	// URL is the base URL of the form http://127.0.0.1:port, to pass to
	// client.WithBaseURL.
	URL string
	// APIKey is the key the server accepts, with those AddKey adds. It is
	// random per server.
	APIKey string

	ws  Workspace
	srv *httptest.Server
	mux *http.ServeMux
	// now dates what the server writes (a text sent, a task made): the
	// real clock, or the demo's, which stands still at DemoEpoch.
	now func() time.Time

	mu        sync.Mutex
	requests  []Request // a ring of the last MaxRecorded requests
	received  int       // requests received in all
	faults    []Fault
	cancelled int
	// noInsights makes call summaries and transcripts answer 403, and
	// noMedia voicemails and recordings.
	noInsights, noMedia bool
	sends               []Send
	marks               []Mark
	keys                []string // accepted besides APIKey (AddKey)
	webhooks            []client.Webhook
	webhookSeq          int // the last webhook's number, for the next ID
}

// MaxRecorded bounds the requests a Server keeps: a long --demo session
// must not grow without end.
const MaxRecorded = 1000

// A Request is what the server received, recorded before it answered.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	At     time.Time // when it arrived
	// RemoteAddr is the client's end of the connection: requests that share
	// it came over one connection.
	RemoteAddr string
}

// A Fault replaces the server's next answer, or the next answer on Path.
// Without a Body, the answer is the error body that the document gives
// the endpoint for Status.
type Fault struct {
	// Path limits the fault to requests for it, such as "/v1/users".
	Path string
	// Delay holds the answer back, or until the client gives up on the
	// request; a fault with only a Delay then answers normally.
	Delay time.Duration
	// Drop closes the connection without an answer.
	Drop bool
	// HangBody sends the status line and half the body, then waits until
	// the client gives up.
	HangBody bool
	// AfterHandler lets the request be served first, as if the answer
	// were then lost: a write is done (a text is sent), and the client
	// gets the fault instead of the answer.
	AfterHandler bool
	Status       int
	// Domain answers the document's domain error for Status (a 402
	// "Subscription Expired", a 400 "A2P Registration Not Approved"),
	// rather than its generic one.
	Domain      bool
	Body        string // sent as is when set; ContentType defaults to application/json
	ContentType string
	Header      http.Header
}

// NewServer starts a fake API serving ws, which checks every request
// against the document: import package schemacheck first (testkit does).
// The caller must Close it.
func NewServer(ws Workspace) *Server {
	if compiler == nil {
		panic(`openphonetest: the fake checks requests against the document's JSON Schemas: import _ "github.com/openphone-mcp/openphone-mcp/client/openphonetest/schemacheck"`)
	}
	key := make([]byte, 16)
	rand.Read(key)
	return newServer(ws, "opk_test_"+hex.EncodeToString(key))
}

// DemoAPIKey is the demo's key: the same in every process, so that what a
// write's confirmation is bound to (the key) lines up across runs.
const DemoAPIKey = "opk_demo_not_a_secret"

// NewDemoServer starts a fake API serving DemoWorkspace with DemoAPIKey,
// on the demo's clock: what it writes is dated DemoEpoch, the instant its
// data leads up to. It checks requests against the document's JSON
// Schemas only when package schemacheck is imported, as in tests. The
// caller must Close it.
func NewDemoServer() *Server {
	s := newServer(DemoWorkspace(), DemoAPIKey)
	s.now = func() time.Time { return DemoEpoch }
	return s
}

func newServer(ws Workspace, apiKey string) *Server {
	s := &Server{APIKey: apiKey, ws: ws, mux: http.NewServeMux(), now: time.Now}
	s.handle("GET /v1/conversations", s.listConversations)
	s.handle("GET /v1/phone-numbers", s.listPhoneNumbers)
	s.handle("GET /v1/users", s.listUsers)
	s.handle("GET /v1/messages", s.listMessages)
	s.handle("GET /v1/messages/{id}", s.getMessage)
	s.handle("GET /v1/calls", s.listCalls)
	s.handle("GET /v1/calls/{callId}", s.getCall)
	s.handle("GET /v1/call-summaries/{callId}", s.getCallSummary)
	s.handle("GET /v1/call-transcripts/{id}", s.getCallTranscript)
	s.handle("GET /v1/call-voicemails/{callId}", s.getCallVoicemail)
	s.handle("GET /v1/call-recordings/{callId}", s.getCallRecordings)
	s.handle("GET /v1/contacts", s.listContacts)
	s.handle("GET /v1/contacts/{id}", s.getContact)
	s.handle("POST /v1/contacts", s.createContact)
	s.handle("PATCH /v1/contacts/{id}", s.updateContact)
	s.handle("GET /v1/contact-custom-fields", s.listCustomFields)
	s.handle("POST /v1/messages", s.sendMessage)
	for _, as := range []string{client.MarkRead, client.MarkDone, client.MarkOpen} {
		s.handle("POST /v1/conversations/{conversationId}/mark-as-"+as, s.markConversation(as))
	}
	s.handle("GET /v1/tasks", s.listTasks)
	s.handle("GET /v1/tasks/{taskId}", s.getTask)
	s.handle("POST /v1/tasks", s.createTask)
	for pattern, e := range s.taskEndpoints() {
		s.handle(pattern, e)
	}
	s.handle("GET /v1/webhooks", s.listWebhooks)
	s.handle("GET /v1/webhooks/{id}", s.webhook)
	s.handle("DELETE /v1/webhooks/{id}", s.webhook)
	for _, kind := range client.WebhookKinds {
		s.handle("POST /v1/webhooks/"+string(kind), s.createWebhook)
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { writeNoRoute(s.mux, w, r) })
	s.srv = httptest.NewServer(s.record(s.mux))
	s.URL = s.srv.URL
	return s
}

// An endpoint serves one operation of the document. It reads the request
// and adds to c what the API would refuse in it; only when c holds nothing
// does the Server call the handler it returns. So every 400 comes before
// any look-up that could answer 404, as the API's do.
type endpoint func(r *http.Request, c *checks) http.HandlerFunc

// handle serves the operation pattern ("GET /v1/calls/{callId}", as the
// document writes it) with e, behind the key check and the check of its
// parameters against the document.
func (s *Server) handle(pattern string, e endpoint) {
	op, ok := operations()[pattern]
	if !ok {
		panic("openphonetest: the document has no operation " + pattern)
	}
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if !s.accepts(r.Header.Get("Authorization")) {
			writeError(w, pattern, http.StatusUnauthorized, "Invalid API key. Send the key itself in the Authorization header, without a scheme.")
			return
		}
		var c checks
		checkParams(r, op, &c)
		checkBody(r, op, &c)
		answer := e(r, &c)
		switch {
		case c.refusal != nil:
			c.refusal(w, r)
		case len(c.errs) > 0:
			writeValidationError(w, pattern, c.deduplicated())
		default:
			answer(w, r)
		}
	})
}

// AddKey returns a new random key that the server accepts as well as
// APIKey: a second key of the same workspace, as an OpenPhone workspace
// may have several.
func (s *Server) AddKey() string {
	key := make([]byte, 16)
	rand.Read(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, "opk_test_"+hex.EncodeToString(key))
	return s.keys[len(s.keys)-1]
}

// accepts reports whether key is one of the server's keys.
func (s *Server) accepts(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return key == s.APIKey || slices.Contains(s.keys, key)
}

// SetCallMedia says whether the key may read calls' voicemails and
// recordings; without, both endpoints answer 403.
func (s *Server) SetCallMedia(available bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noMedia = !available
}

// SetCallInsights says whether the workspace's plan has call summaries and
// transcripts (Business and Scale plans do). Without them, both endpoints
// answer 403, as OpenPhone does for other plans.
func (s *Server) SetCallInsights(available bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noInsights = !available
}

// Close shuts the server down, waiting for requests in flight.
func (s *Server) Close() { s.srv.Close() }

// Requests returns a copy of the requests received so far, in order: all
// of them, or the last MaxRecorded.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.received <= MaxRecorded {
		return slices.Clone(s.requests)
	}
	start := s.received % MaxRecorded
	return append(slices.Clone(s.requests[start:]), s.requests[:start]...)
}

// RequestsTo returns the recorded requests for path, such as
// "/v1/conversations", oldest first.
func (s *Server) RequestsTo(path string) []Request {
	return slices.DeleteFunc(s.Requests(), func(r Request) bool { return r.Path != path })
}

// note records r, overwriting the oldest request once MaxRecorded are kept.
// The caller holds s.mu.
func (s *Server) note(r Request) {
	if len(s.requests) < MaxRecorded {
		s.requests = append(s.requests, r)
	} else {
		s.requests[s.received%MaxRecorded] = r
	}
	s.received++
}

// Get sends an authenticated GET for path and query, as a client with the
// right key would, and returns the body as the server wrote it. It is the
// raw answer that summaries are measured against.
func (s *Server) Get(path string, query url.Values) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, s.URL+path+"?"+query.Encode(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", s.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s: %s", path, resp.Status, body)
	}
	return body, err
}

// Inject queues faults: each of the next len(faults) requests gets the next
// fault instead of its normal answer.
func (s *Server) Inject(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, faults...)
}

func (s *Server) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.note(Request{r.Method, r.URL.Path, r.URL.Query(), r.Header.Clone(), time.Now(), r.RemoteAddr})
		var fault *Fault
		if i := slices.IndexFunc(s.faults, func(f Fault) bool { return f.Path == "" || f.Path == r.URL.Path }); i >= 0 {
			fault = &s.faults[i]
			s.faults = slices.Delete(slices.Clone(s.faults), i, i+1)
		}
		s.mu.Unlock()
		if fault == nil {
			next.ServeHTTP(w, r)
			return
		}
		var served *httptest.ResponseRecorder
		if fault.AfterHandler {
			served = httptest.NewRecorder()
			next.ServeHTTP(served, r)
		}
		if fault.Delay > 0 && !s.wait(r, time.After(fault.Delay)) {
			return
		}
		switch {
		case fault.Drop:
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
		case fault.HangBody:
			body := `{"data":[{"id":"CN1","phoneNumberId":"PN1","participants":["+15555550100"]}],"totalItems":1,"nextPageToken":null}`
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, body[:len(body)/2])
			http.NewResponseController(w).Flush()
			s.wait(r, nil)
		case fault.Status != 0 || fault.Body != "":
			_, pattern := s.mux.Handler(r)
			serveFault(w, pattern, *fault)
		case served != nil:
			maps.Copy(w.Header(), served.Header())
			w.WriteHeader(served.Code)
			w.Write(served.Body.Bytes())
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// Cancelled counts the requests whose client gave up while a fault held
// the answer back.
func (s *Server) Cancelled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cancelled
}

// wait waits for done, or until the client gives up on r, which it counts.
func (s *Server) wait(r *http.Request, done <-chan time.Time) bool {
	select {
	case <-done:
		return true
	case <-r.Context().Done():
		s.mu.Lock()
		s.cancelled++
		s.mu.Unlock()
		return false
	}
}

// serveFault answers f, on the endpoint of pattern.
func serveFault(w http.ResponseWriter, pattern string, f Fault) {
	for k, vs := range f.Header {
		w.Header()[k] = vs
	}
	if f.Status == 0 {
		f.Status = http.StatusOK
	}
	if f.Body == "" {
		writeJSON(w, f.Status, errorBody(pattern, f.Status, fmt.Sprintf("injected %d", f.Status), f.Domain))
		return
	}
	ct := f.ContentType
	if ct == "" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(f.Status)
	fmt.Fprint(w, f.Body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// workspace returns what the server serves now. Its lines may change
// (RenameLine); the rest stays as given.
func (s *Server) workspace() Workspace {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ws
}

// Conversations returns the workspace's conversations.
func (s *Server) Conversations() []client.Conversation {
	return slices.Clone(s.workspace().Conversations)
}

// RenameLine gives the line id a new name, as a workspace admin may at
// any time.
func (s *Server) RenameLine(id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ws.Lines = slices.Clone(s.ws.Lines)
	for i := range s.ws.Lines {
		if s.ws.Lines[i].ID == id {
			s.ws.Lines[i].Name = name
		}
	}
}
