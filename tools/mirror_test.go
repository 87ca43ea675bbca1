package tools

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
)

// TestToolsMirrorTheAPI: each tool's arguments are its endpoint's
// parameters in Quo's OpenAPI document, name for name, no more and no
// fewer; and each published pattern is the document's, but where stricter
// says why not.
func TestToolsMirrorTheAPI(t *testing.T) {
	stricter := map[string]string{
		// The document types a call's participant as any non-empty string;
		// list_calls is passed a conversation's participant, which is E.164.
		"list_calls participants": client.E164Pattern,
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name   string `json:"name"`
				Schema struct {
					Pattern string `json:"pattern"`
					Items   struct {
						Pattern string `json:"pattern"`
					} `json:"items"`
				} `json:"schema"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openphonetest.Spec(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		tool servedTool
		path string
	}{
		{listConversations, "/v1/conversations"}, {listMessages, "/v1/messages"}, {listCalls, "/v1/calls"},
		{getCall, "/v1/calls/{callId}"}, {listPhoneNumbers, "/v1/phone-numbers"}, {listUsers, "/v1/users"},
		{listContacts, "/v1/contacts"}, {getContact, "/v1/contacts/{id}"}, {listTasks, "/v1/tasks"}, {getTask, "/v1/tasks/{taskId}"},
	} {
		st, path := tt.tool.serverTool(serving{}), tt.path
		var schema struct {
			Properties map[string]struct {
				Pattern string `json:"pattern"`
				Items   *struct {
					Pattern string `json:"pattern"`
				} `json:"items"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(st.Tool.RawInputSchema, &schema); err != nil {
			t.Fatal(err)
		}
		var documented []string
		for _, p := range doc.Paths[path]["get"].Parameters {
			documented = append(documented, p.Name)
			published, ok := schema.Properties[p.Name]
			if !ok {
				continue
			}
			if published.Pattern != "" && published.Pattern != p.Schema.Pattern {
				t.Errorf("%s %s: pattern %q, the document's is %q", st.Tool.Name, p.Name, published.Pattern, p.Schema.Pattern)
			}
			if published.Items != nil && published.Items.Pattern != "" && published.Items.Pattern != p.Schema.Items.Pattern &&
				published.Items.Pattern != stricter[st.Tool.Name+" "+p.Name] {
				t.Errorf("%s %s items: pattern %q, the document's is %q", st.Tool.Name, p.Name, published.Items.Pattern, p.Schema.Items.Pattern)
			}
		}
		var names []string
		for name := range schema.Properties {
			names = append(names, name)
		}
		slices.Sort(names)
		slices.Sort(documented)
		if !slices.Equal(names, documented) {
			t.Errorf("%s takes %v; GET %s takes %v", st.Tool.Name, names, path, documented)
		}
	}
}
