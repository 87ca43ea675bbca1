package tools

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/store"
)

type storeKey struct{}

// storeOf is the store of the server whose call ctx is (Config.Store), or
// nil.
func storeOf(ctx context.Context) *store.Store {
	st, _ := ctx.Value(storeKey{}).(*store.Store)
	return st
}

// storeFreshness is how fresh an answer read from the store is.
type storeFreshness struct {
	// AsOf is the instant up to which the store holds every change:
	// activity after it is not in the answer.
	AsOf time.Time `json:"asOf"`
	// SyncedAt is when the store's last sync ended.
	SyncedAt *time.Time `json:"syncedAt,omitempty"`
}

// workspaceIn returns the ID of a's workspace in st: found by the lines a
// live read of the key returned (never on the caller's word), and kept
// once found. A workspace st does not hold is store.ErrNoWorkspace.
func (a *Account) workspaceIn(ctx context.Context, st *store.Store, lines []client.PhoneNumber) (string, error) {
	if ws := a.storeWorkspace.Load(); ws != nil {
		return *ws, nil
	}
	ws, err := st.FindWorkspace(ctx, lines)
	if err != nil {
		return "", err
	}
	a.storeWorkspace.Store(&ws)
	return ws, nil
}

// readRecentStored answers recent_activity from the store, when there is
// one and it covers the window: it holds every message and call of the
// key's workspace from before the window's start (SyncState.CoveredSince)
// to a moment inside the window or after it (SyncState.AsOf). The answer
// is the one a live read makes, but for every conversation active in the
// window (not one page of those updated since its start), each with its
// whole stored history to date a reply awaited. Only the voicemails the
// store has not read yet are asked for, live. ok is false when the store
// cannot answer: the caller reads live.
func readRecentStored(ctx context.Context, a *Account, p recentRequest, r recentResult) (_ recentResult, ok bool) {
	if p.PageToken != "" { // a page token continues a live listing
		return r, false
	}
	v, err := openStore(ctx, a, "recent_activity")
	if err != nil {
		return r, false
	}
	st, ws, n := v.st, v.ws, v.names
	if v.state.CoveredSince.After(r.Since) || !v.state.AsOf().After(r.Since) {
		return r, false
	}
	lines, ok := storeLines(n, p.PhoneNumbers, p.UserID)
	if !ok {
		return r, false // a line or a user the directory does not know: the live read says so
	}
	convs, err := st.ActiveConversations(ctx, store.ActivityParams{Workspace: ws, Since: r.Since, Until: r.Until, Lines: lines})
	if err != nil {
		return r, false
	}
	read := make([]recentConversation, len(convs))
	for i, c := range convs {
		if read[i], err = storedConversation(ctx, st, ws, c, r.Since, r.Until, *v.state.CoveredSince); err != nil {
			return r, false
		}
	}
	// The voicemails the store has not read yet, as a live read asks.
	fanOut := client.WithLane(ctx, client.LaneBackground)
	var wg sync.WaitGroup
	for i := range read {
		wg.Go(func() { askPendingVoicemails(fanOut, a, &read[i]) })
	}
	wg.Wait()
	freshness := v.freshness()
	r.FromStore = &freshness
	r.Listed, r.Read = len(convs), len(convs)
	r.Conversations = []recentConversation{}
	for _, c := range read {
		if !c.active() && len(c.Unread) == 0 {
			continue
		}
		r.Active++
		switch {
		case !keep(c, p.Only):
		case len(r.Conversations) == p.MaxConversations:
			r.NotShown++
		default:
			r.Conversations = append(r.Conversations, c)
		}
	}
	return r, true
}

// storeLines is the line IDs whose conversations an answer from the store
// reads, as ListConversations filters them: the lines named (by ID or
// number), and of them the lines of userID; nil for every line. ok is
// false when a line or the user is not in n.
func storeLines(n *names, refs []string, userID string) (_ []string, ok bool) {
	var lines []string
	if refs != nil {
		lines = []string{}
		for _, ref := range refs {
			i := slices.IndexFunc(n.lines, func(l client.PhoneNumber) bool { return l.ID == ref || l.Number == ref })
			if i < 0 {
				return nil, false
			}
			lines = append(lines, n.lines[i].ID)
		}
	}
	if userID == "" {
		return lines, true
	}
	var of []string
	for _, l := range n.lines {
		if slices.ContainsFunc(l.Users, func(u client.PhoneNumberUser) bool { return u.ID == userID }) {
			of = append(of, l.ID)
		}
	}
	if len(of) == 0 {
		return nil, false // a user on no line, or none at all
	}
	if lines == nil {
		return of, true
	}
	return slices.DeleteFunc(lines, func(id string) bool { return !slices.Contains(of, id) }), true
}

// storedConversation is c's activity in the window as the store holds it,
// as readConversation reads it live: the latest maxRecentPage texts and
// calls, oldest first; the wait for a reply dated over the stored history
// (whole from coveredSince); the voicemails of the latest
// maxVoicemailsRead missed calls, as stored. Those the store has not read
// yet are left in rc.pending, for askPendingVoicemails.
func storedConversation(ctx context.Context, st *store.Store, ws string, c client.Conversation, since time.Time, until *time.Time, coveredSince time.Time) (recentConversation, error) {
	rc := recentConversation{Conversation: c, Messages: []client.Message{}, Calls: []client.Call{}}
	messages, err := st.Messages(ctx, ws, c.ID) // newest first
	if err != nil {
		return rc, err
	}
	stored, err := st.Calls(ctx, ws, c.ID)
	if err != nil {
		return rc, err
	}
	inWindow := func(t time.Time) bool { return t.After(since) && (until == nil || t.Before(*until)) }
	var earlierMessages []client.Message
	for _, m := range messages {
		switch {
		case inWindow(m.CreatedAt):
			rc.Messages = append(rc.Messages, m)
		case m.CreatedAt.Before(since):
			earlierMessages = append(earlierMessages, m)
		}
	}
	var calls, earlierCalls []client.Call
	texts := map[string]store.CallTexts{}
	for _, call := range stored {
		switch {
		case inWindow(call.CreatedAt):
			calls = append(calls, call.Call)
			texts[call.ID] = call.Texts
		case call.CreatedAt.Before(since):
			earlierCalls = append(earlierCalls, call.Call)
		}
	}
	rc.Calls = calls
	if rc.Calls == nil {
		rc.Calls = []client.Call{}
	}
	rc.MoreMessages, rc.MoreCalls = len(rc.Messages) > maxRecentPage, len(rc.Calls) > maxRecentPage
	rc.Messages, rc.Calls = rc.Messages[:min(len(rc.Messages), maxRecentPage)], rc.Calls[:min(len(rc.Calls), maxRecentPage)]
	sortByTime(rc.Messages, func(m client.Message) time.Time { return m.CreatedAt })
	sortByTime(rc.Calls, func(c client.Call) time.Time { return c.CreatedAt })

	rc.AwaitingSince = awaitingSince(rc.Messages, rc.Calls)
	if rc.AwaitingSince != nil && !slices.ContainsFunc(rc.Messages, isReply) && !slices.ContainsFunc(rc.Calls, isHandled) {
		rc.AwaitingSince = awaitingSince(append(earlierMessages, rc.Messages...), append(earlierCalls, rc.Calls...))
		// The store holds the whole history of a conversation begun since
		// it covers; of an older one, the wait may have begun before.
		begun := c.CreatedAt != nil && !c.CreatedAt.Before(coveredSince)
		rc.AwaitingMayBeEarlier = !begun && !slices.ContainsFunc(earlierMessages, isReply) && !slices.ContainsFunc(earlierCalls, isHandled)
	}

	voicemails := map[string]client.CallVoicemail{}
	for _, call := range voicemailsToRead(&rc) {
		t := texts[call.ID]
		switch t.VoicemailStatus {
		case store.TextDone:
			voicemails[call.ID] = client.CallVoicemail{Status: client.VoicemailCompleted, Transcript: &t.Voicemail}
		case store.TextProcessing:
			voicemails[call.ID] = client.CallVoicemail{Status: client.VoicemailInProgress}
		case store.TextPending:
			rc.pending = append(rc.pending, call)
		default: // absent: none was left
			rc.NoVoicemail = append(rc.NoVoicemail, call.ID)
		}
	}
	slices.Sort(rc.NoVoicemail)
	if len(voicemails) > 0 {
		rc.Voicemails = voicemails
	}
	return rc, nil
}

// askPendingVoicemails reads live the voicemails of rc's missed calls that
// the store has not read yet.
func askPendingVoicemails(ctx context.Context, a *Account, rc *recentConversation) {
	if len(rc.pending) == 0 {
		return
	}
	var mu sync.Mutex
	voicemails := map[string]client.CallVoicemail{}
	none := rc.NoVoicemail
	var wg sync.WaitGroup
	for _, call := range rc.pending {
		wg.Go(func() {
			v, err := a.client.GetCallVoicemail(ctx, call.ID)
			mu.Lock()
			defer mu.Unlock()
			noteVoicemail(voicemails, &none, call, v, err, func(what string, err error) {
				rc.Unread = append(rc.Unread, what+" ("+describeFailure(err)+")")
			})
		})
	}
	wg.Wait()
	slices.Sort(none)
	rc.NoVoicemail, rc.pending = none, nil
	for id, v := range voicemails {
		if rc.Voicemails == nil {
			rc.Voicemails = map[string]client.CallVoicemail{}
		}
		rc.Voicemails[id] = v
	}
}
