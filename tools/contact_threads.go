package tools

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// How many conversations find_contacts and get_contact show, and what a
// live read of them may cost.
const (
	// maxContactsWithThreads is how many of the best matches have their
	// conversations shown.
	maxContactsWithThreads = 3
	// maxThreadsPerContact is how many of a contact's conversations are
	// shown, the most recently active.
	maxThreadsPerContact = 3
	// maxThreadScanPages bounds a live search for a contact's
	// conversations: the API cannot filter conversations by participant,
	// so the most recently active are read, a page of 100 at a time.
	maxThreadScanPages = 3
)

// A contactThread is one of a contact's conversations, and whether it
// awaits a reply, as recent_activity decides it (awaitingSince).
type contactThread struct {
	Conversation client.Conversation `json:"conversation"`
	// AwaitingSince is when the incoming activity that awaits a reply
	// began; AwaitingMayBeEarlier says the history read holds no reply.
	AwaitingSince        *time.Time `json:"awaitingReplySince,omitempty"`
	AwaitingMayBeEarlier bool       `json:"awaitingMayBeEarlier,omitempty"`
	// Unread says, in words, why whether it awaits a reply is unknown.
	Unread string `json:"couldNotRead,omitempty"`
}

// contactThreads are a contact's conversations, most recent first.
type contactThreads struct {
	Conversations []contactThread `json:"conversations"`
	// More counts the contact's conversations found past those shown.
	More int `json:"more,omitempty"`
}

// threadsSource says where the contacts' conversations were read, and
// how far: from the store, or live among the Scanned most recently active
// conversations (Complete when that was every one); Err when they could
// not be read. Contacts counts the matches whose conversations were read.
type threadsSource struct {
	FromStore *storeFreshness `json:"fromStore,omitempty"`
	Scanned   int             `json:"scanned,omitempty"`
	Complete  bool            `json:"complete,omitempty"`
	Contacts  int             `json:"contacts"`
	Err       string          `json:"couldNotRead,omitempty"`
}

// contactThreads finds the conversations of the first
// maxContactsWithThreads of cts, by their numbers: from the store when it
// holds the workspace, else live, in the key's background lane. It never
// fails: what it could not read, it says in the source.
func (a *Account) contactThreads(ctx context.Context, cts []client.Contact) ([]contactThreads, threadsSource) {
	cts = cts[:min(len(cts), maxContactsWithThreads)]
	src := threadsSource{Contacts: len(cts)}
	var numbers []string
	for _, ct := range cts {
		for _, n := range e164Numbers(ct) {
			numbers = appendID(numbers, &n)
		}
	}
	out := make([]contactThreads, len(cts))
	for i := range out {
		out[i].Conversations = []contactThread{}
	}
	if len(numbers) == 0 {
		return out, src
	}
	if v, err := openStore(ctx, a, "find_contacts"); err == nil {
		if convs, err := v.st.ConversationsWith(ctx, v.ws, numbers); err == nil {
			fresh := v.freshness()
			src.FromStore = &fresh
			fill(out, cts, convs, func(c client.Conversation) contactThread { return storedThread(ctx, v, c) })
			return out, src
		}
	}
	ctx = client.WithLane(ctx, client.LaneBackground)
	convs, scanned, complete, err := a.conversationsWith(ctx, numbers)
	src.Scanned, src.Complete = scanned, complete
	if err != nil {
		src.Err = describeFailure(err)
	}
	fill(out, cts, convs, func(c client.Conversation) contactThread { return liveThread(ctx, a, c) })
	return out, src
}

// fill files convs, most recent first, under each contact of cts whose
// number is among their participants, and reads the first
// maxThreadsPerContact of each with read, at once.
func fill(out []contactThreads, cts []client.Contact, convs []client.Conversation, read func(client.Conversation) contactThread) {
	for i, ct := range cts {
		numbers := e164Numbers(ct)
		for _, c := range convs {
			switch {
			case !slices.ContainsFunc(c.Participants, func(p string) bool { return slices.Contains(numbers, p) }):
			case len(out[i].Conversations) == maxThreadsPerContact:
				out[i].More++
			default:
				out[i].Conversations = append(out[i].Conversations, contactThread{Conversation: c})
			}
		}
	}
	// Each conversation is read once, however many contacts share it.
	read1 := map[string]*contactThread{}
	for i := range out {
		for _, t := range out[i].Conversations {
			read1[t.Conversation.ID] = &contactThread{Conversation: t.Conversation}
		}
	}
	var wg sync.WaitGroup
	for _, t := range read1 {
		wg.Go(func() { *t = read(t.Conversation) })
	}
	wg.Wait()
	for i := range out {
		for j, t := range out[i].Conversations {
			out[i].Conversations[j] = *read1[t.Conversation.ID]
		}
	}
}

// conversationsWith reads the most recently active conversations, up to
// maxThreadScanPages pages, and keeps those with one of numbers among
// their participants. complete reports that every conversation was read.
func (a *Account) conversationsWith(ctx context.Context, numbers []string) (found []client.Conversation, scanned int, complete bool, err error) {
	p := client.ListConversationsParams{MaxResults: client.MaxResultsLimit}
	for range maxThreadScanPages {
		page, err := a.client.ListConversations(ctx, p)
		if err != nil {
			return found, scanned, false, err
		}
		scanned += len(page.Data)
		for _, c := range page.Data {
			if slices.ContainsFunc(c.Participants, func(n string) bool { return slices.Contains(numbers, n) }) {
				found = append(found, c)
			}
		}
		if page.NextPageToken == nil {
			return found, scanned, true, nil
		}
		p.PageToken = *page.NextPageToken
	}
	return found, scanned, false, nil
}

// liveThread reads whether c awaits a reply as recent_activity's look
// back does: its latest maxLookback texts and (1:1) calls.
func liveThread(ctx context.Context, a *Account, c client.Conversation) contactThread {
	t := contactThread{Conversation: c}
	q := client.ListMessagesParams{PhoneNumberID: c.PhoneNumberID, Participants: c.Participants, MaxResults: maxLookback}
	var messages []client.Message
	var calls []client.Call
	var more bool
	var mu sync.Mutex
	var wg sync.WaitGroup
	wg.Go(func() {
		page, err := a.client.ListMessages(ctx, q)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			t.Unread = "texts (" + describeFailure(err) + ")"
			return
		}
		messages, more = page.Data, more || page.NextPageToken != nil
	})
	if len(c.Participants) == 1 {
		wg.Go(func() {
			page, err := a.client.ListCalls(ctx, client.ListCallsParams(q))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Unread = "calls (" + describeFailure(err) + ")"
				return
			}
			calls, more = page.Data, more || page.NextPageToken != nil
		})
	}
	wg.Wait()
	if t.Unread != "" {
		return t
	}
	t.AwaitingSince = awaitingSince(messages, calls)
	t.AwaitingMayBeEarlier = t.AwaitingSince != nil && more && !slices.ContainsFunc(messages, isReply) && !slices.ContainsFunc(calls, isHandled)
	return t
}

// storedThread reads whether c awaits a reply over its whole stored
// history, as recent_activity does from the store.
func storedThread(ctx context.Context, v storeView, c client.Conversation) contactThread {
	t := contactThread{Conversation: c}
	messages, err := v.st.Messages(ctx, v.ws, c.ID)
	if err != nil {
		t.Unread = "texts (" + describeFailure(err) + ")"
		return t
	}
	stored, err := v.st.Calls(ctx, v.ws, c.ID)
	if err != nil {
		t.Unread = "calls (" + describeFailure(err) + ")"
		return t
	}
	calls := make([]client.Call, len(stored))
	for i, s := range stored {
		calls[i] = s.Call
	}
	t.AwaitingSince = awaitingSince(messages, calls)
	// The store holds the whole history of a conversation begun since it
	// covers; of an older one, the wait may have begun before.
	begun := c.CreatedAt != nil && !c.CreatedAt.Before(*v.state.CoveredSince)
	t.AwaitingMayBeEarlier = t.AwaitingSince != nil && !begun && !slices.ContainsFunc(messages, isReply) && !slices.ContainsFunc(calls, isHandled)
	return t
}
