package e2e

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// conformanceScenarios are the server scenarios of the MCP conformance
// suite that apply to a stateless server of tools alone: the protocol's
// core, DNS rebinding, and those that call a tool. Not run: those that
// test logging, completions or resources, which this server does not
// offer, those that get the reference server's own prompts (ours are the
// daily jobs, tested in tools/prompts_test.go), and the SSE session scenarios (server-sse-polling,
// server-sse-multiple-streams), which need the session IDs and GET streams
// a stateless server does not have (they report a warning and no check).
// Scenarios that call a tool our server lacks are listed in
// interop/conformance-expected-failures.yml.
var conformanceScenarios = []string{
	"server-initialize", "ping", "tools-list", "dns-rebinding-protection", "json-schema-2020-12",
	"tools-call-simple-text", "tools-call-image", "tools-call-audio", "tools-call-embedded-resource",
	"tools-call-mixed-content", "tools-call-with-logging", "tools-call-error", "tools-call-with-progress",
	"tools-call-sampling", "tools-call-elicitation", "elicitation-sep1034-defaults", "elicitation-sep1330-enums",
}

// TestConformanceSuite runs the official MCP conformance suite, pinned in
// interop/, against the binary serving Streamable HTTP.
func TestConformanceSuite(t *testing.T) {
	node := interopNode(t)
	cli, err := filepath.Abs("interop/node_modules/@modelcontextprotocol/conformance/dist/index.js")
	if err != nil {
		t.Fatal(err)
	}
	expected, _ := filepath.Abs("interop/conformance-expected-failures.yml")
	s := startHTTP(t, noKeyEnv, "--demo")
	for _, scenario := range conformanceScenarios {
		t.Run(scenario, func(t *testing.T) {
			cmd := exec.Command(node, cli, "server", "--url", s.url, "--scenario", scenario, "--expected-failures", expected)
			cmd.Dir = t.TempDir() // where it writes its results
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("conformance scenario %s: %v\n%s", scenario, err, out)
			}
		})
	}
}
