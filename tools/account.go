package tools

import (
	"context"
	"sync/atomic"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/contacts"
)

// An Account is one OpenPhone API key as the tools use it: a client, which
// holds the key's rate limit, the cache of the names of its lines and
// users, and the index of its contacts. Make one per key and keep it for
// as long as the key is in use.
type Account struct {
	client   *client.Client
	dir      *directory
	contacts contactIndex
	// storeWorkspace is the ID of the key's workspace in the server's
	// store (Config.Store), once a read of its lines has found it there.
	storeWorkspace atomic.Pointer[string]
}

// A contactIndex is the contact index an account reads: one of its own
// (contacts.Index), or its workspace's, shared with the workspace's other
// keys (contacts.Key).
type contactIndex interface {
	View(ctx context.Context) contacts.View
	Fields(ctx context.Context) []client.CustomField
}

// NewAccount returns the account that reads OpenPhone with c, with a
// contact index of its own. Its background work (indexing the contacts)
// stops when ctx is done.
func NewAccount(ctx context.Context, c *client.Client, opts ...contacts.Option) *Account {
	return &Account{client: c, dir: newDirectory(c), contacts: contacts.New(ctx, c, opts...)}
}

// NewSharedAccount returns the account that reads OpenPhone with c, whose
// contact index is its workspace's in indexes: every account of one
// workspace made from indexes reads one index, built once. The key joins
// it only after its own read shows the workspace (contacts.Registry).
func NewSharedAccount(c *client.Client, indexes *contacts.Registry) *Account {
	return &Account{client: c, dir: newDirectory(c), contacts: indexes.Key(c)}
}

// Context returns a context whose tool calls read OpenPhone with a instead
// of the server's own client: the way a transport serves a caller with a
// key of its own.
func (a *Account) Context(ctx context.Context) context.Context {
	return context.WithValue(ctx, accountKey{}, a)
}

type accountKey struct{}

// callerAccount is the account of the caller's own key, from the context,
// or nil.
func callerAccount(ctx context.Context) *Account {
	a, _ := ctx.Value(accountKey{}).(*Account)
	return a
}

// account is the account a call reads OpenPhone with: the caller's own,
// else the server's; nil when there is neither.
func (s serving) account(ctx context.Context) *Account {
	if a := callerAccount(ctx); a != nil {
		return a
	}
	return s.server
}
