package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// quickRetries retries at once, so that a test sees every attempt a policy
// would make.
var quickRetries = client.WithRetryPolicy(client.RetryPolicy{MaxAttempts: 4})

func textParams(ws openphonetest.Workspace) client.SendMessageParams {
	return client.SendMessageParams{From: ws.Lines[0].ID, To: []string{"+15555550123"}, Content: "We're open until 6."}
}

// TestSendIsNeverRetriedOnceItMayHaveArrived: once a send's request may
// have reached OpenPhone, whatever then goes wrong, it is not sent again,
// and the error says the outcome is unknown.
func TestSendIsNeverRetriedOnceItMayHaveArrived(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault openphonetest.Fault
		sends int // what OpenPhone did with the one request
	}{
		{"timeout after the body arrived", openphonetest.Fault{AfterHandler: true, Delay: time.Hour}, 1},
		{"connection reset after the body arrived", openphonetest.Fault{AfterHandler: true, Drop: true}, 1},
		{"503 after the send", openphonetest.Fault{AfterHandler: true, Status: http.StatusServiceUnavailable}, 1},
		{"500", openphonetest.Fault{Status: http.StatusInternalServerError}, 0},
		{"502 with Retry-After", openphonetest.Fault{Status: http.StatusBadGateway, Header: http.Header{"Retry-After": {"0"}}}, 0},
		{"an answer that cannot be read", openphonetest.Fault{AfterHandler: true, Status: http.StatusAccepted, Body: "{"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws := openphonetest.DemoWorkspace()
			srv := testkit.Fake(t, ws)
			c := newClient(t, srv, quickRetries, client.WithTimeout(300*time.Millisecond))
			tc.fault.Path = "/v1/messages"
			srv.Inject(tc.fault)
			_, err := c.SendMessage(t.Context(), textParams(ws))
			var maybe *client.MaybeSentError
			if !errors.As(err, &maybe) {
				t.Fatalf("err = %v, want a MaybeSentError", err)
			}
			if n := len(srv.RequestsTo("/v1/messages")); n != 1 {
				t.Errorf("%d requests, want 1: a send is never retried", n)
			}
			if n := len(srv.Sends()); n != tc.sends {
				t.Errorf("%d sends, want %d", n, tc.sends)
			}
		})
	}
}

// TestSendIsRetriedWhereNothingWasSent: a 429 refuses the request, so a
// second attempt cannot send the text twice; it goes out once.
func TestSendIsRetriedWhereNothingWasSent(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	srv := testkit.Fake(t, ws)
	c := newClient(t, srv, quickRetries)
	srv.Inject(openphonetest.Fault{Path: "/v1/messages", Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"0"}}})
	m, err := c.SendMessage(t.Context(), textParams(ws))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(srv.RequestsTo("/v1/messages")); n != 2 || len(srv.Sends()) != 1 || srv.Sends()[0].Message.ID != m.ID {
		t.Errorf("%d requests and sends %+v, want 2 requests and the one send answered", n, srv.Sends())
	}
}

// TestSendRetriesARefusedConnection: a connection refused sent nothing,
// so it is tried again, and the error is not a MaybeSentError.
func TestSendRetriesARefusedConnection(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, err := client.New("key", client.WithBaseURL("http://"+addr), quickRetries)
	if err != nil {
		t.Fatal(err)
	}
	retries := 0
	ctx := client.WithTrace(context.Background(), &client.Trace{Wait: func(w client.Wait) {
		if w.Kind == client.WaitBeforeRetry {
			retries++
		}
	}})
	_, err = c.SendMessage(ctx, client.SendMessageParams{From: "PN1", To: []string{"+15555550123"}, Content: "hi"})
	var maybe *client.MaybeSentError
	if err == nil || errors.As(err, &maybe) || !strings.Contains(err.Error(), "refused") {
		t.Errorf("err = %v, want a refused connection that is not a MaybeSentError", err)
	}
	if retries != 3 {
		t.Errorf("%d retries, want 3 (4 attempts)", retries)
	}
}

// TestRefusedWritesAreRefusals: OpenPhone's 4xx answers to a send are its
// refusals (nothing went out), returned as APIErrors with the document's
// titles.
func TestRefusedWritesAreRefusals(t *testing.T) {
	for _, status := range []int{http.StatusPaymentRequired, http.StatusBadRequest} {
		ws := openphonetest.DemoWorkspace()
		srv := testkit.Fake(t, ws)
		c := newClient(t, srv, quickRetries)
		srv.Inject(openphonetest.Fault{Path: "/v1/messages", Status: status, Domain: true})
		_, err := c.SendMessage(t.Context(), textParams(ws))
		var apiErr *client.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != status || len(srv.RequestsTo("/v1/messages")) != 1 {
			t.Errorf("%d: err = %v", status, err)
		}
		t.Logf("%d: %v", status, err)
	}
}

func TestWritesValidate(t *testing.T) {
	long := strings.Repeat("é", client.MaxMessageLength+1)
	for _, tc := range []struct {
		name  string
		p     interface{ Validate() error }
		param string
	}{
		{"no from", client.SendMessageParams{To: []string{"+15555550123"}, Content: "hi"}, "from"},
		{"from a name", client.SendMessageParams{From: "Sales", To: []string{"+15555550123"}, Content: "hi"}, "from"},
		{"no recipients", client.SendMessageParams{From: "PN1", To: []string{}, Content: "hi"}, "to"},
		{"11 recipients", client.SendMessageParams{From: "PN1", To: make([]string, 11), Content: "hi"}, "to"},
		{"a recipient twice", client.SendMessageParams{From: "PN1", To: []string{"+15555550123", "+15555550123"}, Content: "hi"}, "to[1]"},
		{"a local number", client.SendMessageParams{From: "PN1", To: []string{"415 555 0123"}, Content: "hi"}, "to[0]"},
		{"no content", client.SendMessageParams{From: "PN1", To: []string{"+15555550123"}}, "content"},
		{"blank content", client.SendMessageParams{From: "PN1", To: []string{"+15555550123"}, Content: " \n\t"}, "content"},
		{"1601 characters", client.SendMessageParams{From: "PN1", To: []string{"+15555550123"}, Content: long}, "content"},
		{"inbox status open", client.SendMessageParams{From: "PN1", To: []string{"+15555550123"}, Content: "hi", SetInboxStatus: "open"}, "setInboxStatus"},
		{"mark as closed", client.MarkConversationParams{ConversationID: "CN1", As: "closed"}, "as"},
		{"mark a line", client.MarkConversationParams{ConversationID: "PN1", As: "done"}, "conversationId"},
		{"a task with no link", client.CreateTaskParams{Title: "t"}, "conversationId"},
		{"a task with two links", client.CreateTaskParams{Title: "t", PhoneNumberID: "PN1", ConversationID: "CN1"}, "conversationId"},
		{"a task without a title", client.CreateTaskParams{Title: " ", ConversationID: "CN1"}, "title"},
		{"a due date in words", client.CreateTaskParams{Title: "t", ConversationID: "CN1", DueDate: "Friday"}, "dueDate"},
		{"no changes", client.UpdateTaskParams{TaskID: "TK1"}, "changes"},
		{"assign a name", client.UpdateTaskParams{TaskID: "TK1", Changes: []client.TaskChange{{Assign: "Avery"}}}, "assign"},
		{"a task ID of a conversation", client.GetTaskParams{TaskID: "CN1"}, "taskId"},
		{"a page of 101 tasks", client.ListTasksParams{MaxResults: 101}, "maxResults"},
	} {
		var verr client.ValidationError
		if err := tc.p.Validate(); !errors.As(err, &verr) || verr[0].Param != tc.param {
			t.Errorf("%s: %v, want a problem with %s first", tc.name, err, tc.param)
		}
	}
	if err := (client.SendMessageParams{From: "+15555550100", To: []string{"+15555550123"}, Content: strings.Repeat("é", client.MaxMessageLength)}).Validate(); err != nil {
		t.Errorf("1600 characters: %v", err)
	}
}
