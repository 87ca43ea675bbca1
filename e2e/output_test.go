package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// outputCalls are a success and an error of every tool, with the fault the
// fake API injects first (if any).
var outputCalls = []struct {
	name  string
	tool  string
	args  map[string]any
	fault *openphonetest.Fault
}{
	{"list_conversations", "list_conversations", map[string]any{"maxResults": 5}, nil},
	{"list_conversations, bad arguments", "list_conversations", map[string]any{"maxResults": 0}, nil},
	{"list_conversations, upstream error", "list_conversations", nil, &openphonetest.Fault{Status: 500}},
	{"list_phone_numbers", "list_phone_numbers", nil, nil},
	{"list_phone_numbers, bad arguments", "list_phone_numbers", map[string]any{"userId": "jordan"}, nil},
	{"list_users", "list_users", map[string]any{"maxResults": 2}, nil},
	{"list_users, upstream error", "list_users", nil, &openphonetest.Fault{Status: 401}},
	{"list_messages", "list_messages", demoThreadArgs(), nil},
	{"list_messages, bad arguments", "list_messages", map[string]any{"participants": []any{"+1"}}, nil},
	{"list_calls", "list_calls", demoThreadArgs(), nil},
	{"list_calls, upstream error", "list_calls", demoThreadArgs(), &openphonetest.Fault{Status: 404}},
	{"get_call", "get_call", map[string]any{"callId": openphonetest.DemoWorkspace().Calls[0].ID}, nil},
	{"get_call, bad arguments", "get_call", map[string]any{"callId": "x"}, nil},
	{"list_contacts", "list_contacts", map[string]any{"maxResults": 5}, nil},
	{"list_contacts, bad arguments", "list_contacts", map[string]any{"maxResults": 51}, nil},
	{"list_contacts, upstream error", "list_contacts", nil, &openphonetest.Fault{Status: 403}},
	{"get_contact", "get_contact", map[string]any{"id": openphonetest.DemoWorkspace().Contacts[0].ID}, nil},
	{"get_contact, unknown ID", "get_contact", map[string]any{"id": "nope"}, nil},
	{"find_contacts", "find_contacts", map[string]any{"query": "kim"}, nil},
	{"find_contacts, bad arguments", "find_contacts", map[string]any{"query": ""}, nil},
	{"recent_activity", "recent_activity", map[string]any{"since": "2026-11-19T17:00:00Z"}, nil},
	{"recent_activity, bad arguments", "recent_activity", map[string]any{"only": "unread"}, nil},
}

// demoThreadArgs names the thread of the demo's first call.
func demoThreadArgs() map[string]any {
	c := openphonetest.DemoWorkspace().Calls[0]
	return map[string]any{"phoneNumberId": c.PhoneNumberID, "participants": c.Participants}
}

// callEach makes every outputCall and hands each result to check.
func callEach(t *testing.T, c *mcpclient.Client, api *openphonetest.Server, check func(t *testing.T, tool string, res *mcp.CallToolResult)) {
	for _, tt := range outputCalls {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fault != nil {
				f := *tt.fault
				f.Path = "/v1/" + map[string]string{"list_conversations": "conversations", "list_users": "users", "list_calls": "calls", "list_contacts": "contacts"}[tt.tool]
				api.Inject(f)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			req := mcp.CallToolRequest{}
			req.Params.Name, req.Params.Arguments = tt.tool, tt.args
			res, err := c.CallTool(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if wantErr := strings.Contains(tt.name, ","); res.IsError != wantErr {
				t.Fatalf("isError %v, want %v: %s", res.IsError, wantErr, resultText(res))
			}
			check(t, tt.tool, res)
		})
	}
}

// TestE2ETextOnlyByDefault: without --structured-output no tool publishes
// an outputSchema, no result carries structuredContent, and nothing the
// model reads points it at structured data it never gets.
func TestE2ETextOnlyByDefault(t *testing.T) {
	api := testkit.Demo(t)
	c := startClient(t, apiEnv(api))
	list, err := c.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(list)
	if strings.Contains(string(raw), "outputSchema") {
		t.Errorf("tools/list publishes an outputSchema by default: %s", raw)
	}
	if strings.Contains(strings.ToLower(string(raw)), "structured") {
		t.Errorf("a tool definition mentions structured content the model does not get: %s", raw)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	if res, err := c.Initialize(context.Background(), init); err != nil || strings.Contains(strings.ToLower(res.Instructions), "structured") {
		t.Errorf("instructions mention structured content: %v %q", err, res.Instructions)
	}
	callEach(t, c, api, func(t *testing.T, tool string, res *mcp.CallToolResult) {
		if res.StructuredContent != nil {
			t.Errorf("structuredContent in default mode: %v", res.StructuredContent)
		}
		if text := resultText(res); text == "" || strings.Contains(strings.ToLower(text), "structured") {
			t.Errorf("the text is empty or mentions structured content:\n%s", text)
		}
	})
}

// TestE2EStructuredOutput: with --structured-output every tool publishes
// an outputSchema, every successful result's structuredContent validates
// against it, and errors still carry none.
func TestE2EStructuredOutput(t *testing.T) {
	api := testkit.Demo(t)
	c := startClient(t, apiEnv(api), "--structured-output")
	list, err := c.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	schemas := map[string]*jsonschema.Schema{}
	for _, tool := range list.Tools {
		raw, _ := json.Marshal(tool)
		var published struct {
			OutputSchema json.RawMessage `json:"outputSchema"`
		}
		if err := json.Unmarshal(raw, &published); err != nil || len(published.OutputSchema) == 0 {
			t.Fatalf("%s publishes no outputSchema: %s", tool.Name, raw)
		}
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(published.OutputSchema)))
		if err != nil {
			t.Fatal(err)
		}
		compiler := jsonschema.NewCompiler()
		compiler.AssertFormat()
		if err := compiler.AddResource(tool.Name+".json", doc); err != nil {
			t.Fatal(err)
		}
		if schemas[tool.Name], err = compiler.Compile(tool.Name + ".json"); err != nil {
			t.Fatalf("%s: outputSchema does not compile: %v", tool.Name, err)
		}
	}
	callEach(t, c, api, func(t *testing.T, tool string, res *mcp.CallToolResult) {
		if res.IsError {
			if res.StructuredContent != nil {
				t.Errorf("an error result carries structuredContent: %v", res.StructuredContent)
			}
			return
		}
		if res.StructuredContent == nil {
			t.Fatal("no structuredContent with --structured-output")
		}
		raw, _ := json.Marshal(res.StructuredContent)
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(string(raw)))
		if err != nil {
			t.Fatal(err)
		}
		if err := schemas[tool].Validate(v); err != nil {
			t.Errorf("structuredContent does not validate against the outputSchema: %v\n%s", err, raw)
		}
		if resultText(res) == "" {
			t.Error("no text beside the structuredContent")
		}
	})
}
