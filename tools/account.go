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

type accountKey struct{}

// WithAccount returns a context whose tool calls read OpenPhone with a
// instead of the server's own client (Config.Client): the way a transport
// serves each caller with its own key.
func WithAccount(ctx context.Context, a *Account) context.Context {
	return context.WithValue(ctx, accountKey{}, a)
}

// accounts picks the account a call reads OpenPhone with: the context's,
// else the server's own; nil client and directory when there is neither.
type accounts struct{ server *Account }

// callerAccount is the account of the caller's own key, from the
// context, or nil.
func callerAccount(ctx context.Context) *Account {
	a, _ := ctx.Value(accountKey{}).(*Account)
	return a
}

func (as accounts) get(ctx context.Context) (*client.Client, *directory) {
	a := callerAccount(ctx)
	if a == nil {
		a = as.server
	}
	if a == nil {
		return nil, nil
	}
	return a.client, a.dir
}
