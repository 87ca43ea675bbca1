// Package openphonetest provides a fake OpenPhone API server, in the spirit
// of net/http/httptest.
//
// The fake is strict: it answers what the real API answers and rejects what
// the real API rejects (a key sent with "Bearer ", unknown query parameters,
// arrays sent as phoneNumbers[], dates that are not RFC 3339, maxResults out
// of range or missing, page tokens it did not issue), in the documented
// error shape. It records every request it receives and can be told to
// misbehave. The --demo mode of openphone-mcp serves its demo workspace, so
// it is product code, not only a test helper.
//
//	srv := openphonetest.NewServer(openphonetest.DemoWorkspace())
//	defer srv.Close()
//	c, _ := client.New(srv.APIKey, client.WithBaseURL(srv.URL))
package openphonetest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// A Server is a fake OpenPhone API listening on a loopback address.
type Server struct {
	// URL is the base URL of the form http://127.0.0.1:port, to pass to
	// client.WithBaseURL.
	URL string
	// APIKey is the only key the server accepts. It is random per server.
	APIKey string

	ws  Workspace
	srv *httptest.Server

	mu        sync.Mutex
	requests  []Request // a ring of the last MaxRecorded requests
	received  int       // requests received in all
	faults    []Fault
	cancelled int
	// noInsights makes call summaries and transcripts answer 403.
	noInsights bool
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
// Without a Body, the answer is the documented error body for Status.
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
	HangBody    bool
	Status      int
	Body        string // sent as is when set; ContentType defaults to application/json
	ContentType string
	Header      http.Header
}

// NewServer starts a fake API serving ws. The caller must Close it.
func NewServer(ws Workspace) *Server {
	key := make([]byte, 16)
	rand.Read(key)
	s := &Server{APIKey: "opk_test_" + hex.EncodeToString(key), ws: ws}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/conversations", s.listConversations)
	mux.HandleFunc("/v1/phone-numbers", s.listPhoneNumbers)
	mux.HandleFunc("/v1/users", s.listUsers)
	mux.HandleFunc("/v1/messages", s.listMessages)
	mux.HandleFunc("/v1/messages/{id}", s.getMessage)
	mux.HandleFunc("/v1/calls", s.listCalls)
	mux.HandleFunc("/v1/calls/{id}", s.getCall)
	mux.HandleFunc("/v1/call-summaries/{id}", s.getCallSummary)
	mux.HandleFunc("/v1/call-transcripts/{id}", s.getCallTranscript)
	s.srv = httptest.NewServer(s.record(s.authenticate(mux)))
	s.URL = s.srv.URL
	return s
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
			serveFault(w, *fault)
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

func serveFault(w http.ResponseWriter, f Fault) {
	for k, vs := range f.Header {
		w.Header()[k] = vs
	}
	if f.Status == 0 {
		f.Status = http.StatusOK
	}
	if f.Body == "" {
		writeError(w, f.Status, "", fmt.Sprintf("injected %d", f.Status))
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

func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != s.APIKey {
			writeError(w, http.StatusUnauthorized, "", "Invalid API key. Send the key itself in the Authorization header, without a scheme.")
			return
		}
		if r.Method != http.MethodGet {
			writeError(w, http.StatusMethodNotAllowed, "", "Method not allowed")
			return
		}
		next.ServeHTTP(w, r)
	})
}

var (
	e164RE            = regexp.MustCompile(`^\+[1-9]\d{1,14}$`)
	pnRE              = regexp.MustCompile(`^PN(.*)$`)
	conversationQuery = []string{"phoneNumber", "phoneNumbers", "userId", "createdAfter", "createdBefore",
		"excludeInactive", "updatedAfter", "updatedBefore", "maxResults", "pageToken"}
)

// listConversations serves GET /v1/conversations.
func (s *Server) listConversations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	errs := checkKeys(q, conversationQuery, "phoneNumbers")
	reject := func(path, msg string, value any) { errs = append(errs, fieldError{path, msg, value}) }
	maxResults := checkMaxResults(q, 100, &errs)
	lines := q["phoneNumbers"]
	if len(lines) > 100 {
		reject("phoneNumbers", "Expected array with at most 100 items", len(lines))
	}
	for i, n := range lines {
		if !e164RE.MatchString(n) && !pnRE.MatchString(n) {
			reject(fmt.Sprintf("phoneNumbers/%d", i), "Expected E.164 phone number or phone number ID", n)
		}
	}
	if n := q.Get("phoneNumber"); q.Has("phoneNumber") && !e164RE.MatchString(n) && !pnRE.MatchString(n) {
		reject("phoneNumber", "Expected E.164 phone number or phone number ID", n)
	}
	bounds := checkDates(q, &errs, "createdAfter", "createdBefore", "updatedAfter", "updatedBefore")
	if v := q.Get("excludeInactive"); q.Has("excludeInactive") && v != "true" && v != "false" {
		reject("excludeInactive", "Expected boolean", v)
	}
	filter := filterKey(q)
	offset := checkPageToken(q, filter, &errs)
	if len(errs) > 0 {
		writeValidationError(w, errs)
		return
	}

	// phoneNumbers wins over the deprecated phoneNumber.
	if len(lines) == 0 && q.Has("phoneNumber") {
		lines = []string{q.Get("phoneNumber")}
	}
	var onLines map[string]bool // nil: every line
	for _, ref := range lines {
		l, ok := s.ws.lineByRef(ref)
		if !ok {
			writeError(w, http.StatusNotFound, "", fmt.Sprintf("Phone number %s not found", ref))
			return
		}
		if onLines == nil {
			onLines = map[string]bool{}
		}
		onLines[l.ID] = true
	}
	userID := q.Get("userId")
	if !s.userFound(w, userID) {
		return
	}

	var matched []client.Conversation
	for _, c := range s.ws.Conversations {
		switch {
		case onLines != nil && !onLines[c.PhoneNumberID],
			userID != "" && !s.ws.isMember(userID, c.PhoneNumberID),
			!inRange(c.CreatedAt, bounds["createdAfter"], bounds["createdBefore"]),
			!inRange(c.UpdatedAt, bounds["updatedAfter"], bounds["updatedBefore"]),
			q.Get("excludeInactive") == "true" && !isActive(c):
			continue
		}
		matched = append(matched, c)
	}
	slices.SortStableFunc(matched, func(a, b client.Conversation) int {
		return activity(b).Compare(activity(a))
	})

	page := client.ConversationPage{Data: []client.Conversation{}, TotalItems: len(matched)}
	if offset < len(matched) {
		end := min(offset+maxResults, len(matched))
		page.Data = matched[offset:end]
		if end < len(matched) {
			token := encodePageToken(end, filter)
			page.NextPageToken = &token
		}
	}
	writeJSON(w, http.StatusOK, conversationsBody(page))
}

// listPhoneNumbers serves GET /v1/phone-numbers: every line, or the lines
// of userId, each with its users.
func (s *Server) listPhoneNumbers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if errs := checkKeys(q, []string{"userId"}, ""); len(errs) > 0 {
		writeValidationError(w, errs)
		return
	}
	userID := q.Get("userId")
	if !s.userFound(w, userID) {
		return
	}
	data := []map[string]any{}
	for _, l := range s.ws.Lines {
		if userID != "" && !slices.Contains(l.UserIDs, userID) {
			continue
		}
		users := []map[string]any{}
		for _, id := range l.UserIDs {
			if i := slices.IndexFunc(s.ws.Users, func(u User) bool { return u.ID == id }); i >= 0 {
				u := s.ws.Users[i]
				users = append(users, map[string]any{"id": u.ID, "email": u.Email, "firstName": u.FirstName, "lastName": u.LastName, "role": u.Role, "groupId": "GR" + u.ID[2:]})
			}
		}
		data = append(data, map[string]any{
			"id": l.ID, "groupId": "GR" + l.ID[2:], "number": l.Number, "formattedNumber": formatNumber(l.Number), "name": l.Name,
			"symbol": nil, "forward": nil, "portRequestId": nil, "portingStatus": nil, "users": users,
			"createdAt": apiTime(ptr(DemoEpoch.AddDate(-1, 0, 0))), "updatedAt": apiTime(ptr(DemoEpoch.AddDate(0, -1, 0))),
			"restrictions": map[string]any{"messaging": map[string]any{"CA": "unrestricted", "US": "unrestricted", "Intl": "restricted"}},
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

// formatNumber writes a North American number as people do.
func formatNumber(e164 string) string {
	if len(e164) != 12 || !strings.HasPrefix(e164, "+1") {
		return e164
	}
	return fmt.Sprintf("(%s) %s-%s", e164[2:5], e164[5:8], e164[8:])
}

// listUsers serves GET /v1/users, paged.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	errs := checkKeys(q, []string{"maxResults", "pageToken"}, "")
	maxResults := checkMaxResults(q, 50, &errs)
	offset := checkPageToken(q, "users", &errs)
	if len(errs) > 0 {
		writeValidationError(w, errs)
		return
	}
	data := []map[string]any{}
	end := min(offset+maxResults, len(s.ws.Users))
	for _, u := range s.ws.Users[min(offset, end):end] {
		data = append(data, map[string]any{
			"id": u.ID, "email": u.Email, "firstName": u.FirstName, "lastName": u.LastName, "role": u.Role,
			"pictureUrl": nil, "createdAt": apiTime(ptr(DemoEpoch.AddDate(-2, 0, 0))), "updatedAt": apiTime(ptr(DemoEpoch.AddDate(0, -2, 0))),
		})
	}
	var next *string
	if end < len(s.ws.Users) {
		token := encodePageToken(end, "users")
		next = &token
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "totalItems": len(s.ws.Users), "nextPageToken": next})
}

// conversationsBody re-adds the nulls that client.Conversation omits, so the
// fake's bodies have every field the real API sends.
func conversationsBody(page client.ConversationPage) map[string]any {
	data := make([]map[string]any, len(page.Data))
	for i, c := range page.Data {
		data[i] = map[string]any{
			"assignedTo": c.AssignedTo, "createdAt": apiTime(c.CreatedAt), "deletedAt": apiTime(c.DeletedAt), "id": c.ID,
			"lastActivityAt": apiTime(c.LastActivityAt), "lastActivityId": c.LastActivityID, "mutedUntil": apiTime(c.MutedUntil),
			"name": c.Name, "participants": c.Participants, "phoneNumberId": c.PhoneNumberID,
			"snoozedUntil": apiTime(c.SnoozedUntil), "updatedAt": apiTime(c.UpdatedAt),
		}
	}
	return map[string]any{"data": data, "totalItems": page.TotalItems, "nextPageToken": page.NextPageToken}
}

// apiTime writes a timestamp as the live API is seen to: UTC with
// milliseconds, as JavaScript's toISOString does ("2025-01-10T18:22:11.000Z").
func apiTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// isActive is the fake's notion of an active conversation: not deleted, and
// with activity. The real API does not document its own.
func isActive(c client.Conversation) bool { return c.DeletedAt == nil && c.LastActivityAt != nil }

func activity(c client.Conversation) time.Time {
	for _, t := range []*time.Time{c.LastActivityAt, c.UpdatedAt, c.CreatedAt} {
		if t != nil {
			return *t
		}
	}
	return time.Time{}
}

func inRange(t *time.Time, after, before time.Time) bool {
	if after.IsZero() && before.IsZero() {
		return true
	}
	return t != nil && (after.IsZero() || t.After(after)) && (before.IsZero() || t.Before(before))
}

// checkKeys rejects the query parameters an endpoint does not take, and
// repeated ones but for its array parameter.
func checkKeys(q url.Values, allowed []string, array string) []fieldError {
	var errs []fieldError
	for key, values := range q {
		switch {
		case !slices.Contains(allowed, key):
			errs = append(errs, fieldError{key, "Unexpected query parameter", values})
		case key != array && len(values) > 1:
			errs = append(errs, fieldError{key, "Expected a single value", values})
		}
	}
	return errs
}

// checkDates reads the date-time parameters among keys that q has.
func checkDates(q url.Values, errs *[]fieldError, keys ...string) map[string]time.Time {
	bounds := map[string]time.Time{}
	for _, key := range keys {
		if !q.Has(key) {
			continue
		}
		t, err := time.Parse(time.RFC3339, q.Get(key))
		if err != nil {
			*errs = append(*errs, fieldError{key, "Expected date-time string in ISO 8601 format", q.Get(key)})
			continue
		}
		bounds[key] = t
	}
	return bounds
}

// checkMaxResults reads the required maxResults, from 1 to limit.
func checkMaxResults(q url.Values, limit int, errs *[]fieldError) int {
	n, err := strconv.Atoi(q.Get("maxResults"))
	switch {
	case !q.Has("maxResults"):
		*errs = append(*errs, fieldError{"maxResults", "Required", nil})
	case err != nil:
		*errs = append(*errs, fieldError{"maxResults", "Expected integer", q.Get("maxResults")})
	case n < 1 || n > limit:
		*errs = append(*errs, fieldError{"maxResults", fmt.Sprintf("Expected integer between 1 and %d", limit), n})
	}
	return n
}

// checkPageToken reads the offset of a page token issued for filter.
func checkPageToken(q url.Values, filter string, errs *[]fieldError) int {
	if !q.Has("pageToken") {
		return 0
	}
	offset, ok := decodePageToken(q.Get("pageToken"), filter)
	if !ok {
		*errs = append(*errs, fieldError{"pageToken", "Invalid page token for this query", q.Get("pageToken")})
	}
	return offset
}

// userFound answers 404 for a userId the workspace lacks; "" is found.
func (s *Server) userFound(w http.ResponseWriter, userID string) bool {
	if userID == "" || slices.ContainsFunc(s.ws.Users, func(u User) bool { return u.ID == userID }) {
		return true
	}
	writeError(w, http.StatusNotFound, "", fmt.Sprintf("User %s not found", userID))
	return false
}

// filterKey identifies a query's filters, so that a page token is only good
// for the query that issued it.
func filterKey(q url.Values) string {
	f := url.Values{}
	for k, v := range q {
		if k != "pageToken" && k != "maxResults" {
			f[k] = v
		}
	}
	return f.Encode()
}

func encodePageToken(offset int, filter string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(offset) + "|" + filter))
}

func decodePageToken(token, filter string) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, false
	}
	off, f, ok := strings.Cut(string(raw), "|")
	n, err := strconv.Atoi(off)
	return n, ok && err == nil && n > 0 && f == filter
}

type fieldError struct {
	Path    string `json:"path"`
	Message string `json:"message"`
	Value   any    `json:"value"`
}

// errorCodes are OpenPhone's codes for the statuses the fake answers with.
var errorCodes = map[int]string{
	400: "1000400", 401: "1000401", 402: "1000402", 403: "1001403", 404: "1000404",
	405: "1000405", 409: "1000409", 422: "1000422", 429: "1000429", 500: "1001500",
}

func writeValidationError(w http.ResponseWriter, errs []fieldError) {
	body := errorBody(http.StatusBadRequest, "", "Invalid query parameters")
	for i := range errs {
		errs[i].Path = "/query/" + errs[i].Path
	}
	body["errors"] = errs
	writeJSON(w, http.StatusBadRequest, body)
}

// writeError answers in the documented error shape. An empty title is the
// status text.
func writeError(w http.ResponseWriter, status int, title, message string) {
	writeJSON(w, status, errorBody(status, title, message))
}

func errorBody(status int, title, message string) map[string]any {
	if title == "" {
		title = http.StatusText(status)
	}
	code, ok := errorCodes[status]
	if !ok {
		code = fmt.Sprintf("1000%d", status)
	}
	return map[string]any{
		"message": message, "code": code, "status": status, "title": title,
		"docs": "https://openphone.com/docs", "trace": "trace-" + strconv.FormatInt(time.Now().UnixNano(), 36),
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
