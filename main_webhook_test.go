package main

import (
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWebhookKeysConfig: webhook keys are base64, and taken only where
// deliveries can arrive (over HTTP) and be applied (to a store); the
// refusals say what to do, and never echo a key.
func TestWebhookKeysConfig(t *testing.T) {
	for _, name := range envOf {
		t.Setenv(name, "")
	}
	k1, k2 := base64.StdEncoding.EncodeToString([]byte("first key")), base64.StdEncoding.EncodeToString([]byte("second key"))
	storeFlag := "--store=sqlite:" + filepath.Join(t.TempDir(), "store.db")
	for _, tc := range []struct {
		name string
		args []string
		env  string
		keys int    // keys taken; 0: refused
		says string // in the refusal
	}{
		{"http and a store", []string{"--transport=http", storeFlag, "--webhook-keys=" + k1 + "," + k2}, "", 2, ""},
		{"from the environment", []string{"--transport=http", storeFlag}, k1, 1, ""},
		{"not base64", []string{"--transport=http", storeFlag, "--webhook-keys=" + k1 + ",not-a-key!"}, "", 0, "key 2 of the list is not base64"},
		{"over stdio", []string{storeFlag}, k1, 0, "add --transport http"},
		{"store off", []string{"--transport=http", "--store=off"}, k1, 0, "the store, which is off"},
		{"a command", []string{"--store=off", "tools"}, k1, 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("OPENPHONE_WEBHOOK_KEYS", tc.env)
			stderr := captureStderr(t)
			cfg, status := parseConfig(tc.args)
			said := stderr()
			switch {
			case tc.keys == 0 && (cfg != nil || status != 2 || !strings.Contains(said, tc.says)):
				t.Errorf("status %d, said %q; want it refused, saying %q", status, said, tc.says)
			case tc.keys > 0 && (cfg == nil || len(cfg.webhookKeys) != tc.keys):
				t.Errorf("status %d, said %q; want %d keys", status, said, tc.keys)
			}
			if strings.Contains(said, k1) || strings.Contains(said, "not-a-key") {
				t.Errorf("the refusal echoes a key: %q", said)
			}
		})
	}
}

// captureStderr sends os.Stderr to a pipe until the function it returns
// is called, which returns what was written.
func captureStderr(t *testing.T) func() string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() { b, _ := io.ReadAll(r); done <- string(b) }()
	return func() string {
		os.Stderr = old
		w.Close()
		return <-done
	}
}
