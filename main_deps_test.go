package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBinaryLeavesOutWhatOnlyTestsNeed holds the binary's start light: the
// fake's checks against the OpenAPI document, with their JSON Schema
// validator and OpenAPI parser, belong to the tests, not the demo.
func TestBinaryLeavesOutWhatOnlyTestsNeed(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	for _, unwanted := range []string{
		"github.com/openphone-mcp/openphone-mcp/client/openphonetest/schemacheck",
		"github.com/pb33f/libopenapi",
		"github.com/pb33f/libopenapi-validator",
		"testing",
	} {
		for _, dep := range deps {
			if dep == unwanted {
				t.Errorf("the binary links %s, which only tests need", unwanted)
			}
		}
	}
}
