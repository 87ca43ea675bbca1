package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/openphone-mcp/openphone-mcp/internal/statedir"
)

// FileName is the ledger's file in the state directory.
const FileName = "ledger.json"

// A File is a Ledger in a file of one machine: every process that opens
// the same file shares it, and it outlives them. Each operation locks the
// file across processes (a lock file beside it), reads it, drops the
// expired entries, changes it and replaces it whole, so a crash leaves
// the old file or the new one, never half of one. It is meant for the
// few entries of a person's confirmations: every operation reads and
// writes the whole file.
type File struct {
	path string
	lock *flock.Flock
	now  func() time.Time

	mu sync.Mutex // serializes this process's operations; the lock file, other processes'
}

// OpenFile returns the ledger in dir's FileName, making dir (0700) if
// needed. The file is created on the first write, with mode 0600.
func OpenFile(dir string) (*File, error) {
	if err := statedir.Ensure(dir); err != nil {
		return nil, fmt.Errorf("state directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	return &File{path: path, lock: flock.New(path + ".lock"), now: time.Now}, nil
}

// String says where the ledger is.
func (f *File) String() string { return "the file " + f.path }

// entry is a recorded key: its value, and when it expires (Unix ms).
type entry struct {
	Value   []byte `json:"v,omitempty"`
	Expires int64  `json:"exp"`
}

// Claim implements Ledger.
func (f *File) Claim(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	claimed := false
	err := f.update(ctx, func(entries map[string]entry, now time.Time) bool {
		if _, ok := entries[key]; ok {
			return false
		}
		entries[key] = entry{Value: value, Expires: now.Add(ttl).UnixMilli()}
		claimed = true
		return true
	})
	return claimed, err
}

// Get implements Ledger.
func (f *File) Get(ctx context.Context, key string) ([]byte, bool, error) {
	var (
		value []byte
		ok    bool
	)
	err := f.update(ctx, func(entries map[string]entry, _ time.Time) bool {
		var e entry
		e, ok = entries[key]
		value = e.Value
		return false
	})
	return value, ok, err
}

// Put implements Ledger.
func (f *File) Put(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return f.update(ctx, func(entries map[string]entry, now time.Time) bool {
		entries[key] = entry{Value: value, Expires: now.Add(ttl).UnixMilli()}
		return true
	})
}

// Release implements Ledger.
func (f *File) Release(ctx context.Context, key string) error {
	return f.update(ctx, func(entries map[string]entry, _ time.Time) bool {
		_, ok := entries[key]
		delete(entries, key)
		return ok
	})
}

// lockRetry is how often a locked file is tried again.
const lockRetry = 5 * time.Millisecond

// fileTimeout bounds one operation, waiting for the lock included: a
// process stuck holding it makes a write fail, never hang.
const fileTimeout = 2 * time.Second

// update runs change on the unexpired entries under the lock, and writes
// them back if it says they changed (or expired entries were dropped).
func (f *File) update(ctx context.Context, change func(entries map[string]entry, now time.Time) (changed bool)) error {
	ctx, cancel := context.WithTimeout(ctx, fileTimeout)
	defer cancel()
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.lock.TryLockContext(ctx, lockRetry); err != nil {
		return unavailable("locking "+f.lock.Path(), err)
	}
	defer f.lock.Unlock()
	entries, err := f.read()
	if err != nil {
		return unavailable("reading "+f.path, err)
	}
	now := f.now()
	expired := false
	for k, e := range entries {
		if e.Expires <= now.UnixMilli() {
			delete(entries, k)
			expired = true
		}
	}
	if !change(entries, now) && !expired {
		return nil
	}
	if err := f.write(entries); err != nil {
		return unavailable("writing "+f.path, err)
	}
	return nil
}

// read returns the file's entries; none when there is no file yet.
func (f *File) read() (map[string]entry, error) {
	entries := map[string]entry{}
	raw, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return entries, nil
	}
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		return entries, nil
	}
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, fmt.Errorf("not a ledger (%v): move it aside", err)
	}
	return entries, nil
}

// write replaces the file with entries: a new file, synced, renamed over
// the old one.
func (f *File) write(entries map[string]entry) error {
	raw, err := json.Marshal(entries)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.path), FileName+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), f.path)
}
