package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadKeyMap: subjects and emails are apart, each with its prefix;
// an entry with neither is refused with the form to use; emails are kept
// in lower case.
func TestReadKeyMap(t *testing.T) {
	t.Setenv("KEY_ANA", "key-ana")
	t.Setenv("KEY_BOB", "key-bob")
	write := func(body string) string {
		path := filepath.Join(t.TempDir(), "keys.json")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	keys, err := readKeyMap(write(`{"email:Ana@Example.com": {"env": "KEY_ANA"}, "sub:auth0|6512a": {"env": "KEY_BOB"}}`), &environment{})
	if err != nil || len(keys) != 2 || keys["email:ana@example.com"] != "key-ana" || keys["sub:auth0|6512a"] != "key-bob" {
		t.Errorf("keys %v, %v", keys, err)
	}
	for _, bad := range []string{
		`{"ana@example.com": {"env": "KEY_ANA"}}`,
		`{"auth0|6512a": {"env": "KEY_ANA"}}`,
		`{"email:": {"env": "KEY_ANA"}}`,
		`{"sub:": {"env": "KEY_ANA"}}`,
		`{"email:ana@example.com": {"env": "KEY_ANA"}, "email:ANA@example.com": {"env": "KEY_BOB"}}`,
	} {
		_, err := readKeyMap(write(bad), &environment{})
		if err == nil || strings.Contains(err.Error(), "key-") {
			t.Errorf("%s: %v", bad, err)
		} else if !strings.Contains(bad, "ANA") && !strings.Contains(err.Error(), `"sub:" and a subject, or "email:"`) {
			t.Errorf("%s: %v; want the form named", bad, err)
		}
	}
}
