// Package ledger is what stands between a model and a second send: the
// record of the confirmations that were spent and of the writes that were
// made, shared by every process that serves a key and kept across
// restarts.
//
// A Ledger is a small map of keys to values, each with a lifetime, whose
// one strong operation is Claim: the first caller to claim a key gets it,
// and every other, in this process or another, is refused until it
// expires. Two implementations share the contract: Redis, for replicas
// (SET NX with the key's lifetime), and File, for the processes of one
// machine (a file under the state directory, locked across processes).
//
// A Ledger that cannot be read or written answers an error that wraps
// ErrUnavailable: a write must then be refused, never sent on a guess.
package ledger

import (
	"context"
	"errors"
	"time"
)

// ErrUnavailable is wrapped by every error of a Ledger that could not be
// read or written.
var ErrUnavailable = errors.New("the write ledger cannot be reached")

// A Ledger records keys with a value and a lifetime. Its methods are safe
// for concurrent use, by goroutines and, for the same store, by processes.
type Ledger interface {
	// Claim records key with value for ttl unless key is recorded and
	// unexpired, and reports whether this call recorded it. Of any
	// number of concurrent claims of one key, one wins.
	Claim(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error)
	// Get returns key's value, and whether key is recorded and unexpired.
	Get(ctx context.Context, key string) ([]byte, bool, error)
	// Put records key with value for ttl, replacing what it had.
	Put(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Release forgets key.
	Release(ctx context.Context, key string) error
	// String says where the ledger is, for a person: "Redis at
	// 10.0.0.5:6379", "the file /var/lib/…/ledger.json".
	String() string
}

// unavailable wraps err as ErrUnavailable, saying what failed.
func unavailable(what string, err error) error {
	return &unavailableError{what: what, err: err}
}

type unavailableError struct {
	what string
	err  error
}

func (e *unavailableError) Error() string { return e.what + ": " + e.err.Error() }

func (e *unavailableError) Is(target error) bool { return target == ErrUnavailable }

func (e *unavailableError) Unwrap() error { return e.err }
