// Command bundle finishes a release in dist/ after GoReleaser has built the
// binaries: it stages the Claude Desktop bundle (manifest, binaries,
// launcher), validates and packs it with the official MCPB CLI into
// dist/openphone-mcp.mcpb, and writes dist/server.json, the MCP Registry
// entry, with the release's version and the bundle's SHA-256.
//
//	go run ./packaging/bundle    # run by packaging/build.sh
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/openphone-mcp/openphone-mcp/tools"
)

const (
	dist     = "dist"
	mcpbCLI  = "packaging/node_modules/@anthropic-ai/mcpb/dist/cli/cli.js"
	stageDir = "dist/mcpb"
	// Bundle is the packed Claude Desktop bundle.
	Bundle = "dist/openphone-mcp.mcpb"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bundle:", err)
		os.Exit(1)
	}
}

// artifact is an entry of GoReleaser's dist/artifacts.json.
type artifact struct {
	Path   string `json:"path"`
	Goos   string `json:"goos"`
	Goarch string `json:"goarch"`
	Type   string `json:"type"`
}

func run() error {
	var meta struct{ Version string }
	if err := readJSON(filepath.Join(dist, "metadata.json"), &meta); err != nil {
		return fmt.Errorf("%w (run GoReleaser first: packaging/build.sh)", err)
	}
	var artifacts []artifact
	if err := readJSON(filepath.Join(dist, "artifacts.json"), &artifacts); err != nil {
		return err
	}

	// The bundle's binaries: darwin's universal one, linux's per arch behind
	// the launcher, windows' amd64 one (Windows on Arm runs it emulated).
	want := map[string]string{
		"darwin/all":    "openphone-mcp-darwin",
		"linux/amd64":   "openphone-mcp-linux-amd64",
		"linux/arm64":   "openphone-mcp-linux-arm64",
		"windows/amd64": "openphone-mcp-windows-amd64.exe",
	}
	if err := os.RemoveAll(stageDir); err != nil {
		return err
	}
	server := filepath.Join(stageDir, "server")
	if err := os.MkdirAll(server, 0o755); err != nil {
		return err
	}
	for _, a := range artifacts {
		name, ok := want[a.Goos+"/"+a.Goarch]
		if !ok || a.Type != "Binary" {
			continue
		}
		if err := copyFile(a.Path, filepath.Join(server, name), 0o755); err != nil {
			return err
		}
		delete(want, a.Goos+"/"+a.Goarch)
	}
	if len(want) > 0 {
		return fmt.Errorf("dist/artifacts.json lacks the binaries %v", want)
	}
	if err := copyFile("packaging/launcher.sh", filepath.Join(server, "openphone-mcp"), 0o755); err != nil {
		return err
	}

	// The manifest: the release's version, and the tools the server
	// publishes.
	var manifest map[string]any
	if err := readJSON("packaging/manifest.json", &manifest); err != nil {
		return err
	}
	manifest["version"] = meta.Version
	published, err := tools.ListTools(context.Background(), tools.NewServer(tools.Config{Version: meta.Version}))
	if err != nil {
		return err
	}
	var list []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	if err := json.Unmarshal(published, &list); err != nil {
		return err
	}
	manifestTools := make([]map[string]string, len(list))
	for i, t := range list {
		// The first paragraph: Claude Desktop shows it in a list.
		first, _, _ := strings.Cut(t.Description, "\n\n")
		manifestTools[i] = map[string]string{"name": t.Name, "description": first}
	}
	manifest["tools"] = manifestTools
	if err := writeJSON(filepath.Join(stageDir, "manifest.json"), manifest); err != nil {
		return err
	}
	for _, f := range []string{"LICENSE", "README.md"} {
		if err := copyFile(f, filepath.Join(stageDir, f), 0o644); err != nil {
			return err
		}
	}

	// Validate and pack with the official CLI.
	if err := node(mcpbCLI, "validate", filepath.Join(stageDir, "manifest.json")); err != nil {
		return err
	}
	if err := node(mcpbCLI, "pack", stageDir, Bundle); err != nil {
		return err
	}
	sum, err := fileSHA256(Bundle)
	if err != nil {
		return err
	}

	// The MCP Registry entry, in step with the release.
	var entry map[string]any
	if err := readJSON("packaging/server.json", &entry); err != nil {
		return err
	}
	entry["version"] = meta.Version
	for _, p := range entry["packages"].([]any) {
		pkg := p.(map[string]any)
		pkg["version"] = meta.Version
		pkg["identifier"] = strings.ReplaceAll(pkg["identifier"].(string), "{version}", meta.Version)
		if pkg["registryType"] == "mcpb" {
			pkg["fileSha256"] = sum
		}
	}
	if err := writeJSON(filepath.Join(dist, "server.json"), entry); err != nil {
		return err
	}
	fmt.Printf("bundle: %s (sha256 %s) and dist/server.json, version %s\n", Bundle, sum, meta.Version)
	return nil
}

// node runs a Node.js script with the node on PATH.
func node(args ...string) error {
	cmd := exec.Command("node", args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("node %s: %w (run npm ci in packaging/ first)", strings.Join(args[1:], " "), err)
	}
	return nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func writeJSON(path string, v any) error {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func copyFile(from, to string, mode os.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	return errors.Join(err, out.Close(), os.Chmod(to, mode))
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
