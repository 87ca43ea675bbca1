package e2e

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

var webhookKeysLine = regexp.MustCompile(`(?m)^\s*OPENPHONE_WEBHOOK_KEYS=(\S+)$`)

// TestE2EWebhooksCommands: webhooks register makes the four webhooks
// through the API and prints the keys OpenPhone made; a second register
// makes nothing and prints the same keys; list shows them, their keys
// only when asked; remove deletes by ID and by URL. The API key is never
// printed, even in debug logs.
func TestE2EWebhooksCommands(t *testing.T) {
	api := testkit.Fake(t, openphonetest.DemoWorkspace())
	const url = "https://mcp.example.com/webhooks/openphone"
	run := func(args ...string) (string, string, int) {
		t.Helper()
		cmd := exec.Command(binary, append([]string{"webhooks"}, args...)...)
		cmd.Env = append(os.Environ(), apiEnv(api)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		code := 0
		if err := cmd.Run(); err != nil {
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatal(err)
			}
			code = exit.ExitCode()
		}
		if strings.Contains(stdout.String()+stderr.String(), api.APIKey) {
			t.Errorf("webhooks %v printed the API key", args)
		}
		return stdout.String(), stderr.String(), code
	}
	creates := func() int {
		n := 0
		for _, kind := range client.WebhookKinds {
			n += len(api.RequestsTo("/v1/webhooks/" + string(kind)))
		}
		return n
	}
	printedKeys := func(out string) []string {
		t.Helper()
		m := webhookKeysLine.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no OPENPHONE_WEBHOOK_KEYS line:\n%s", out)
		}
		return strings.Split(m[1], ",")
	}
	fakeKeys := func() []string {
		var keys []string
		for _, h := range api.Webhooks() {
			keys = append(keys, h.Key)
		}
		return keys
	}

	out, stderr, code := run("register", "--url", url, "--label", "team")
	if code != 0 {
		t.Fatalf("register: exit %d:\n%s\n%s", code, out, stderr)
	}
	made := api.Webhooks()
	if len(made) != 4 || creates() != 4 {
		t.Fatalf("register made %+v in %d requests, want 4 webhooks", made, creates())
	}
	want := map[client.WebhookKind][]string{
		client.WebhookMessages: {"message.received", "message.delivered"}, client.WebhookCalls: {"call.completed", "call.recording.completed"},
		client.WebhookCallSummaries: {"call.summary.completed"}, client.WebhookCallTranscripts: {"call.transcript.completed"},
	}
	for _, h := range made {
		if h.URL != url || !slices.Equal(h.Events, want[h.Kind()]) || h.Label == nil || *h.Label != "team" || !slices.Equal(h.ResourceIDs, []string{"*"}) {
			t.Errorf("made %+v", h)
		}
	}
	if keys := printedKeys(out); !slices.Equal(keys, fakeKeys()) {
		t.Errorf("printed keys %q, the fake made %q", keys, fakeKeys())
	}
	if !strings.Contains(out, "contact.updated and contact.deleted cannot be registered through the API") || !strings.Contains(out, "Settings → Webhooks") {
		t.Errorf("register does not say how to add the contact events:\n%s", out)
	}

	// Again: nothing is made, and the same keys are printed.
	out, stderr, code = run("register", "--url", url)
	if code != 0 || creates() != 4 || len(api.Webhooks()) != 4 || strings.Count(out, "already registered") != 4 {
		t.Fatalf("register again: exit %d, %d creates:\n%s\n%s", code, creates(), out, stderr)
	}
	if keys := printedKeys(out); !slices.Equal(keys, fakeKeys()) {
		t.Errorf("register again printed keys %q, want the same %q", keys, fakeKeys())
	}
	// A webhook for contact events made in the app joins the list.
	contacts := api.AddWebhook(client.Webhook{URL: url, Events: []string{"contact.updated", "contact.deleted"}})
	out, _, code = run("register", "--url", url)
	if keys := printedKeys(out); code != 0 || !slices.Equal(keys, fakeKeys()) || keys[4] != contacts.Key || strings.Contains(out, "cannot be registered") {
		t.Errorf("register with the app's contact webhook: exit %d:\n%s", code, out)
	}

	out, _, code = run("list")
	if code != 0 {
		t.Fatalf("list: exit %d", code)
	}
	for _, h := range api.Webhooks() {
		if !strings.Contains(out, h.ID) || strings.Contains(out, h.Key) {
			t.Errorf("list does not show %s, or shows its key:\n%s", h.ID, out)
		}
	}
	if !strings.Contains(out, url) || !strings.Contains(out, "call-transcripts") || !strings.Contains(out, "enabled") || !strings.Contains(out, "team") {
		t.Errorf("list:\n%s", out)
	}
	if out, _, _ := run("list", "--show-keys"); !strings.Contains(out, made[0].Key) || !strings.Contains(out, contacts.Key) {
		t.Errorf("list --show-keys shows no keys:\n%s", out)
	}

	if out, stderr, code := run("remove", made[0].ID); code != 0 || !strings.Contains(out, "Removed "+made[0].ID) || len(api.Webhooks()) != 4 {
		t.Fatalf("remove %s: exit %d:\n%s\n%s", made[0].ID, code, out, stderr)
	}
	if _, stderr, code := run("remove", made[0].ID); code != 1 || !strings.Contains(stderr, "no such webhook") {
		t.Errorf("remove %s again: exit %d: %s", made[0].ID, code, stderr)
	}
	if out, stderr, code := run("remove", "--url", url); code != 0 || strings.Count(out, "Removed ") != 4 || len(api.Webhooks()) != 0 {
		t.Fatalf("remove --url: exit %d:\n%s\n%s", code, out, stderr)
	}
	if out, _, code := run("list"); code != 0 || !strings.Contains(out, "No webhooks are registered") {
		t.Errorf("list after removing them all: exit %d:\n%s", code, out)
	}

	// What is wrong is said before anything is sent.
	before := len(api.Requests())
	for _, args := range [][]string{
		{"register"},
		{"register", "--url", "http://mcp.example.com/webhooks/openphone"},
		{"register", "--url", "/webhooks/openphone"},
		{"remove"},
		{"remove", "AC123"},
		{"remove", "WH1", "--url", url},
		{"list", "extra"},
		{"rename"},
	} {
		if _, stderr, code := run(args...); code != 2 || !strings.Contains(stderr, "openphone-mcp") {
			t.Errorf("webhooks %q: exit %d, want 2: %s", args, code, stderr)
		}
	}
	if n := len(api.Requests()) - before; n != 0 {
		t.Errorf("%d requests sent for refused commands", n)
	}
}
