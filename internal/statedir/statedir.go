// Package statedir finds the folder where openphone-mcp keeps its state on
// this machine: the write ledger today, the store of the workspace later.
package statedir

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
)

// Name is the folder's own name inside the per-user state directory.
const Name = "openphone-mcp"

// Default is the per-user state directory of this OS, with Name inside
// it: $XDG_STATE_HOME/openphone-mcp or ~/.local/state/openphone-mcp on
// Linux and other Unix systems, ~/Library/Application Support/openphone-mcp
// on macOS, %LocalAppData%\openphone-mcp on Windows.
func Default() (string, error) {
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, Name), nil
		}
		return "", errors.New("%LocalAppData% is not set")
	case "darwin", "ios":
		d, err := os.UserConfigDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(d, Name), nil
	}
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, Name), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "state", Name), nil
}

// Ensure makes dir, and its parents, readable by this user alone (0700).
// A folder that exists already is left as it is: its owner chose its
// permissions (the files inside are made 0600).
func Ensure(dir string) error {
	if info, err := os.Stat(dir); err == nil {
		if !info.IsDir() {
			return errors.New("not a directory")
		}
		return nil
	}
	return os.MkdirAll(dir, 0o700)
}
