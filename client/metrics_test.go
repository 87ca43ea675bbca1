package client

import "testing"

func TestRoute(t *testing.T) {
	for _, tc := range []struct{ method, path, want string }{
		{"GET", "/v1/conversations", "GET /v1/conversations"},
		{"GET", "/v1/calls/ACx1", "GET /v1/calls/{id}"},
		{"GET", "/v1/contacts/64b0f1e2a9", "GET /v1/contacts/{id}"},
		{"POST", "/v1/conversations/CN123/mark-as-done", "POST /v1/conversations/{id}/mark-as-done"},
		{"POST", "/v1/tasks/TK9/change-due-date", "POST /v1/tasks/{id}/change-due-date"},
		{"GET", "/v1/call-summaries/AC%2F..%2Fx", "GET /v1/call-summaries/{id}"},
		{"POST", "/v1/webhooks/call-summaries", "POST /v1/webhooks/call-summaries"},
		{"DELETE", "/v1/webhooks/WH12", "DELETE /v1/webhooks/{id}"},
	} {
		if got := route(tc.method, tc.path); got != tc.want {
			t.Errorf("route(%s %s) = %s, want %s", tc.method, tc.path, got, tc.want)
		}
	}
}
