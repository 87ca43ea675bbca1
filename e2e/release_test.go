package e2e

// Release tests: what packaging/build.sh puts in dist/ (the binaries, the
// Claude Desktop bundle, the MCP Registry entry), and the Dockerfile. The
// dist/ tests skip when nothing was built (CI builds it first and fails
// them instead).

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
	"github.com/openphone-mcp/openphone-mcp/tools"
)

// registrySchemaSHA256 pins the vendored copy of
// https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json.
const registrySchemaSHA256 = "3fba09590c99f61735d234822279f4223fab9e300c0a81e81c91ab62a4114de0"

// releaseVersion returns the version of the release built in dist/,
// skipping the test when there is none.
func releaseVersion(t *testing.T) string {
	t.Helper()
	var meta struct{ Version string }
	b, err := os.ReadFile("dist/metadata.json")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no release in dist/: packaging/build.sh must run first (%v)", err)
		}
		t.Skip("no release in dist/: run packaging/build.sh")
	}
	if err := json.Unmarshal(b, &meta); err != nil || meta.Version == "" {
		t.Fatalf("dist/metadata.json: %v %s", err, b)
	}
	return meta.Version
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// publishedToolNames are the tools the server publishes, sorted.
func publishedToolNames(t *testing.T) []string {
	t.Helper()
	raw, err := tools.ListTools(context.Background(), tools.NewServer(tools.Config{}))
	if err != nil {
		t.Fatal(err)
	}
	return toolNames(raw)
}

// toolNames lists, sorted, the names in the JSON array of tools that the
// tools command prints.
func toolNames(raw []byte) []string {
	var list []struct{ Name string }
	json.Unmarshal(raw, &list)
	var names []string
	for _, tool := range list {
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	return names
}

func TestReleaseBinaries(t *testing.T) {
	version := releaseVersion(t)
	for _, target := range []string{"linux_amd64_v1", "linux_arm64_v8.0", "darwin_amd64_v1", "darwin_arm64_v8.0", "windows_amd64_v1", "windows_arm64_v8.0"} {
		name := "openphone-mcp"
		if strings.HasPrefix(target, "windows") {
			name += ".exe"
		}
		if _, err := os.Stat(filepath.Join("dist", "openphone-mcp_"+target, name)); err != nil {
			t.Errorf("no %s binary: %v", target, err)
		}
	}
	if _, err := os.Stat("dist/openphone-mcp-darwin_darwin_all/openphone-mcp"); err != nil {
		t.Errorf("no universal darwin binary: %v", err)
	}

	// Every archive is in checksums.txt, with its SHA-256.
	sums, err := os.ReadFile("dist/checksums.txt")
	if err != nil {
		t.Fatal(err)
	}
	archives, _ := filepath.Glob("dist/openphone-mcp_" + version + "_*")
	if len(archives) != 6 {
		t.Errorf("%d archives, want 6: %v", len(archives), archives)
	}
	for _, a := range archives {
		if want := sha256File(t, a) + "  " + filepath.Base(a); !strings.Contains(string(sums), want) {
			t.Errorf("checksums.txt lacks %q", want)
		}
	}

	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the linux/amd64 binary runs only on linux/amd64")
	}
	bin := "dist/openphone-mcp_linux_amd64_v1/openphone-mcp"
	out, code := output(t, exec.Command(bin, "--version"))
	if code != 0 || strings.TrimSpace(string(out)) != "openphone-mcp "+version {
		t.Errorf("--version: exit %d, %q; want the stamped version %s", code, out, version)
	}
	out, code = output(t, exec.Command(bin, "tools"))
	names := toolNames(out)
	if code != 0 || !slices.Equal(names, publishedToolNames(t)) {
		t.Errorf("tools: exit %d, %v", code, names)
	}
}

// unzipBundle extracts the .mcpb into a temporary directory, keeping the
// files' modes, and returns the directory and the manifest.
func unzipBundle(t *testing.T) (string, map[string]any) {
	t.Helper()
	zr, err := zip.OpenReader("dist/openphone-mcp.mcpb")
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	dir := t.TempDir()
	for _, f := range zr.File {
		path := filepath.Join(dir, filepath.FromSlash(f.Name))
		if !strings.HasPrefix(path, dir+string(os.PathSeparator)) {
			t.Fatalf("bundle entry %q escapes the directory", f.Name)
		}
		if f.FileInfo().IsDir() {
			continue
		}
		if strings.HasPrefix(f.Name, "server/") && f.Mode()&0o111 == 0 {
			t.Errorf("%s lost its run bits in the bundle: %v", f.Name, f.Mode())
		}
		os.MkdirAll(filepath.Dir(path), 0o755)
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, f.Mode().Perm())
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(out, rc)
		rc.Close()
		out.Close()
	}
	var manifest map[string]any
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatalf("the bundle has no manifest: %v", err)
	}
	if err := json.Unmarshal(b, &manifest); err != nil {
		t.Fatal(err)
	}
	return dir, manifest
}

func TestReleaseBundle(t *testing.T) {
	version := releaseVersion(t)
	dir, manifest := unzipBundle(t)

	cli, _ := filepath.Abs("packaging/node_modules/@anthropic-ai/mcpb/dist/cli/cli.js")
	if out, err := exec.Command("node", cli, "validate", filepath.Join(dir, "manifest.json")).CombinedOutput(); err != nil {
		t.Errorf("mcpb validate: %v\n%s", err, out)
	}
	if manifest["version"] != version || manifest["manifest_version"] != "0.3" {
		t.Errorf("manifest version %v (spec %v), want %s (0.3)", manifest["version"], manifest["manifest_version"], version)
	}
	var names []string
	for _, tool := range manifest["tools"].([]any) {
		names = append(names, tool.(map[string]any)["name"].(string))
	}
	slices.Sort(names)
	if !slices.Equal(names, publishedToolNames(t)) {
		t.Errorf("the manifest lists tools %v; the server publishes %v", names, publishedToolNames(t))
	}
	key := manifest["user_config"].(map[string]any)["api_key"].(map[string]any)
	if key["sensitive"] != true || key["required"] != true {
		t.Errorf("user_config.api_key: %v, want sensitive and required", key)
	}
	for _, bin := range []string{"openphone-mcp", "openphone-mcp-darwin", "openphone-mcp-linux-amd64", "openphone-mcp-linux-arm64", "openphone-mcp-windows-amd64.exe"} {
		if _, err := os.Stat(filepath.Join(dir, "server", bin)); err != nil {
			t.Errorf("the bundle lacks server/%s", bin)
		}
	}

	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the bundle's server is started only on linux/amd64 here")
	}
	// Start the server as Claude Desktop would on Linux: the manifest's
	// command and env, with ${__dirname} and the user's settings filled in;
	// base_url left unset, as its placeholder.
	api := testkit.Demo(t)
	config := manifest["server"].(map[string]any)["mcp_config"].(map[string]any)
	substitute := strings.NewReplacer("${__dirname}", dir, "${user_config.api_key}", api.APIKey).Replace
	command := substitute(config["command"].(string))
	env := []string{"QUO_API_KEY=", "OPENPHONE_LOG_LEVEL=debug"}
	for k, v := range config["env"].(map[string]any) {
		env = append(env, k+"="+substitute(v.(string)))
	}
	// The fake API is plain http on loopback: point the unset base_url at it
	// through the flag the placeholder leaves free.
	c, res := startCommand(t, "claude-desktop-like", command, append(os.Environ(), env...), "--base-url", api.URL)
	if res.ServerInfo.Version != version {
		t.Fatalf("initialize: %+v; want version %s", res, version)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = "list_users"
	call, err := c.CallTool(ctx, req)
	if err != nil || call.IsError || !strings.Contains(resultText(call), "5 users") {
		t.Errorf("list_users through the bundle's server: %v %s", err, resultText(call))
	}
}

func TestReleaseRegistryEntry(t *testing.T) {
	if got := sha256File(t, "packaging/server.schema.json"); got != registrySchemaSHA256 {
		t.Fatalf("packaging/server.schema.json has sha256 %s, not the pinned copy of the 2025-12-11 schema", got)
	}
	version := releaseVersion(t)
	schemaDoc, err := jsonschema.UnmarshalJSON(mustOpen(t, "packaging/server.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	compiler := jsonschema.NewCompiler()
	compiler.AssertFormat()
	const schemaURL = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
	if err := compiler.AddResource(schemaURL, schemaDoc); err != nil {
		t.Fatal(err)
	}
	schema, err := compiler.Compile(schemaURL)
	if err != nil {
		t.Fatal(err)
	}
	entryDoc, err := jsonschema.UnmarshalJSON(mustOpen(t, "dist/server.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(entryDoc); err != nil {
		t.Errorf("dist/server.json does not validate against the registry's schema: %v", err)
	}

	var entry struct {
		Schema   string `json:"$schema"`
		Name     string
		Version  string
		Packages []struct {
			RegistryType, Identifier, Version, FileSha256 string
			EnvironmentVariables                          []struct {
				Name     string
				IsSecret bool
			}
		}
	}
	b, _ := os.ReadFile("dist/server.json")
	if err := json.Unmarshal(b, &entry); err != nil {
		t.Fatal(err)
	}
	if entry.Schema != schemaURL || entry.Version != version || len(entry.Packages) != 2 {
		t.Errorf("entry: %+v; want the 2025-12-11 schema, version %s, two packages", entry, version)
	}
	bundleSum := sha256File(t, "dist/openphone-mcp.mcpb")
	for _, p := range entry.Packages {
		if p.Version != version || !strings.Contains(p.Identifier, version) {
			t.Errorf("%s package: version %s, identifier %s; want %s in both", p.RegistryType, p.Version, p.Identifier, version)
		}
		if p.RegistryType == "mcpb" && p.FileSha256 != bundleSum {
			t.Errorf("mcpb fileSha256 %s, but the bundle's is %s", p.FileSha256, bundleSum)
		}
		if !slices.ContainsFunc(p.EnvironmentVariables, func(v struct {
			Name     string
			IsSecret bool
		}) bool {
			return v.Name == "OPENPHONE_API_KEY" && v.IsSecret
		}) {
			t.Errorf("%s package: OPENPHONE_API_KEY is not a secret variable", p.RegistryType)
		}
	}
	if label := dockerfileLabel(t, "io.modelcontextprotocol.server.name"); label != entry.Name {
		t.Errorf("the image's io.modelcontextprotocol.server.name %q differs from the entry's name %q", label, entry.Name)
	}
}

func mustOpen(t *testing.T, path string) io.Reader {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// dockerfile returns the Dockerfile's instructions of its final stage, with
// continued lines joined.
func dockerfileFinalStage(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var instructions []string
	var current string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			current += cont + " "
			continue
		}
		instructions = append(instructions, current+line)
		current = ""
	}
	last := 0
	for i, ins := range instructions {
		if strings.HasPrefix(strings.ToUpper(ins), "FROM ") {
			last = i
		}
	}
	return instructions[last:]
}

func dockerfileLabel(t *testing.T, key string) string {
	t.Helper()
	for _, ins := range dockerfileFinalStage(t) {
		if strings.HasPrefix(ins, "LABEL ") {
			for _, kv := range strings.Fields(strings.TrimPrefix(ins, "LABEL ")) {
				if v, ok := strings.CutPrefix(kv, key+"="); ok {
					return strings.Trim(v, `"`)
				}
			}
		}
	}
	return ""
}

// TestDockerfile checks the image definition where no container engine
// runs: a distroless static base pinned by tag or digest, a non-root user,
// the registry's label, and the binary as the entry point.
func TestDockerfile(t *testing.T) {
	final := dockerfileFinalStage(t)
	base := strings.Fields(final[0])[1]
	if !strings.HasPrefix(base, "gcr.io/distroless/static") || !(strings.Contains(base, ":") || strings.Contains(base, "@sha256:")) || strings.HasSuffix(base, ":latest") {
		t.Errorf("final base %q: want gcr.io/distroless/static pinned by tag or digest", base)
	}
	var user, entrypoint string
	for _, ins := range final {
		if u, ok := strings.CutPrefix(ins, "USER "); ok {
			user = u
		}
		if e, ok := strings.CutPrefix(ins, "ENTRYPOINT "); ok {
			entrypoint = e
		}
	}
	if user == "" || strings.HasPrefix(user, "root") || strings.HasPrefix(user, "0") {
		t.Errorf("USER %q: want a non-root user", user)
	}
	if entrypoint != `["/openphone-mcp"]` {
		t.Errorf("ENTRYPOINT %s", entrypoint)
	}
	if dockerfileLabel(t, "io.modelcontextprotocol.server.name") != "io.github.openphone-mcp/openphone-mcp" {
		t.Error("no io.modelcontextprotocol.server.name label")
	}
	build, err := os.ReadFile("Dockerfile")
	if err != nil || !strings.Contains(string(build), "CGO_ENABLED=0") || !strings.Contains(string(build), "-X main.version=") {
		t.Error("the image's build is not static and version-stamped")
	}
}
