package tools

import (
	"context"
	"errors"
	"fmt"

	"github.com/openphone-mcp/openphone-mcp/store"
)

// storeOffText is what a tool that reads only the store says when the
// server keeps none.
const storeOffText = "%s reads the server's store (a copy of the workspace kept by a background sync), and this server has none: it was started with --store off (OPENPHONE_STORE=off), or its store could not be opened (its log says why), or, for a one-off call, no server has made one yet. The person running it can remove --store off, or run `openphone-mcp store sync` once; the first sync fills the store within minutes. Meanwhile, list_conversations, list_messages and recent_activity read OpenPhone live."

// storeView is what a tool reading the store sees of the caller's
// workspace: the store, the workspace's ID in it, where its sync stands,
// and the key's lines and users.
type storeView struct {
	st    *store.Store
	ws    string
	state store.SyncState
	names *names
}

// openStore ties the caller's key to its workspace in the server's store
// (by a live read of its lines), or says in words why it cannot: no
// store, or nothing of the workspace in it yet.
func openStore(ctx context.Context, a *Account, tool string) (storeView, error) {
	st := storeOf(ctx)
	if st == nil {
		return storeView{}, explained(fmt.Sprintf(storeOffText, tool))
	}
	n, err := a.dir.lookup(ctx, nil, nil)
	if err != nil {
		return storeView{}, err
	}
	if n == nil || len(n.lines) == 0 {
		return storeView{}, explained(tool + " reads the server's store, which tells a workspace by its lines, and this key reads no line: list_phone_numbers shows what it reads.")
	}
	ws, err := a.workspaceIn(ctx, st, n.lines)
	switch {
	case errors.Is(err, store.ErrNoWorkspace):
		return storeView{}, explained(tool + " reads the server's store, which holds nothing of this key's workspace yet: its first sync is under way (or has not started, when another process syncs it). Call again in a minute; `openphone-mcp store status` shows how far it is. Meanwhile list_conversations, list_messages and recent_activity read OpenPhone live.")
	case err != nil:
		return storeView{}, err
	}
	state, err := st.SyncState(ctx, ws)
	if err != nil {
		return storeView{}, err
	}
	if state.CoveredSince == nil || state.AsOf() == nil {
		return storeView{}, explained(tool + " reads the server's store, whose first sync has not stored a day yet. Call again in a minute; `openphone-mcp store status` shows how far it is.")
	}
	return storeView{st: st, ws: ws, state: state, names: n}, nil
}

// freshness is how fresh an answer read from v is.
func (v storeView) freshness() storeFreshness {
	return storeFreshness{AsOf: v.state.AsOf().UTC(), SyncedAt: v.state.LastSyncAt}
}
