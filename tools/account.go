package tools

import (
	"context"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// An Account is one OpenPhone API key as the tools use it: a client, which
// holds the key's rate limit, and the cache of the names of its lines and
// users. Make one per key and keep it for as long as the key is in use.
type Account struct {
	client *client.Client
	dir    *directory
}

// NewAccount returns the account that reads OpenPhone with c.
func NewAccount(c *client.Client) *Account { return &Account{c, newDirectory(c)} }

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
