package main

import (
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestConfigurationReferenceIsComplete holds docs/configuration.md to the
// binary: every flag it has, with its variable, is in the table, and the
// table names no flag or variable it does not have.
func TestConfigurationReferenceIsComplete(t *testing.T) {
	doc, err := os.ReadFile("docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	table := map[string]string{} // flag → its row
	for _, row := range strings.Split(string(doc), "\n") {
		if m := regexp.MustCompile("^\\|[^|]*\\| `--([a-z-]+)` \\|").FindStringSubmatch(row); m != nil {
			table[m[1]] = row
		}
	}
	for _, name := range printedFlags(t) {
		row, ok := table[name]
		switch {
		case !ok:
			t.Errorf("docs/configuration.md has no row for --%s", name)
		case envOf[name] != "" && !strings.Contains(row, "`"+envOf[name]+"`"):
			t.Errorf("docs/configuration.md's row for --%s does not name its variable %s:\n%s", name, envOf[name], row)
		}
		delete(table, name)
	}
	for name := range table {
		t.Errorf("docs/configuration.md names --%s, which the binary does not have", name)
	}
	for _, env := range regexp.MustCompile("`(OPENPHONE_[A-Z_]+)`").FindAllStringSubmatch(string(doc), -1) {
		known := slices.Contains([]string{"OPENPHONE_API_KEY", "OPENPHONE_CONFIRMATION_SECRET"}, env[1])
		for _, v := range envOf {
			known = known || v == env[1]
		}
		if !known {
			t.Errorf("docs/configuration.md names %s, which the binary does not read", env[1])
		}
	}
}

// printedFlags are the flags the binary's usage lists.
func printedFlags(t *testing.T) []string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = w, w
	done := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); done <- b }()
	parseConfig([]string{"--help"})
	os.Stdout, os.Stderr = stdout, stderr
	w.Close()
	usage := string(<-done)
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z-]+)`).FindAllStringSubmatch(usage, -1) {
		names = append(names, m[1])
	}
	if len(names) < 20 {
		t.Fatalf("the usage lists %d flags:\n%s", len(names), usage)
	}
	return names
}

// TestReadmeStaysShort: the README is read top to bottom by a newcomer;
// the reference is in docs/, and every doc it links exists.
func TestReadmeStaysShort(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(readme), "\n"); n >= 400 {
		t.Errorf("the README has %d lines; keep it under 400 and move reference into docs/", n)
	}
	for _, m := range regexp.MustCompile(`\]\((docs/[a-z-]+\.md)`).FindAllStringSubmatch(string(readme), -1) {
		if _, err := os.Stat(m[1]); err != nil {
			t.Errorf("the README links %s: %v", m[1], err)
		}
	}
}
