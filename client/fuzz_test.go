package client

import (
	"net/http"
	"testing"
)

// FuzzParseAPIError parses arbitrary error bodies: never a panic, always a
// status and a message.
func FuzzParseAPIError(f *testing.F) {
	for _, seed := range []struct {
		body, contentType string
	}{
		{`{"message":"m","code":"1000400","status":400,"title":"Bad Request","errors":[{"path":"/query/x","message":"bad"}]}`, "application/json"},
		{`{"error":{"message":"m","key":"k","trace":"t"}}`, "application/json"},
		{`{"code":1001403,"errors":null}`, "application/json"},
		{`{"code":{"nested":true},"errors":"x"}`, "application/json"},
		{`<html>502</html>`, "text/html; charset=utf-8"},
		{``, ""},
	} {
		f.Add([]byte(seed.body), seed.contentType, 502)
	}
	f.Fuzz(func(t *testing.T, body []byte, contentType string, status int) {
		if status < 100 || status > 999 {
			return
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {contentType}}}
		e := parseAPIError(resp, body)
		if e.Status != status || e.Error() == "" {
			t.Fatalf("parseAPIError(%q) = %+v", body, e)
		}
	})
}
