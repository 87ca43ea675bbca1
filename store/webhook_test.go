package store

import (
	"context"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
)

// TestApplyOnce: an event's change is made once, its ID recorded with it;
// a change that fails records nothing; pruned IDs are forgotten.
func TestApplyOnce(t *testing.T) {
	ctx := context.Background()
	clock := t0
	st, _ := open(t, WithClock(func() time.Time { return clock }))
	ws := workspace(t, st, "PN1", "US1")
	m := message("AC1", "CN1", "PN1", "hello", t0)
	for i, want := range []bool{true, false} {
		applied, err := st.ApplyMessage(ctx, "EV1", ws, m)
		if err != nil || applied != want {
			t.Fatalf("delivery %d: applied %v, %v; want %v", i, applied, err, want)
		}
	}
	// A change that cannot be made leaves the ID free.
	orphan := message("AC2", "", "PN1", "who?", t0)
	orphan.ConversationID, orphan.From = nil, "+14155550199"
	if _, err := st.ApplyMessage(ctx, "EV2", ws, orphan); err != ErrNoConversation {
		t.Fatalf("a message of no known conversation: %v, want ErrNoConversation", err)
	}
	if applied, err := st.ApplyMessage(ctx, "EV2", ws, m); !applied || err != nil {
		t.Errorf("EV2 after its failure: applied %v, %v; want applied", applied, err)
	}
	clock = t0.Add(time.Hour)
	if applied, _ := st.ApplyContactDeleted(ctx, "EV3", ws, "c1"); !applied {
		t.Error("EV3 not applied")
	}
	if n, err := st.PruneWebhookEvents(ctx, time.Hour-time.Minute); n != 2 || err != nil {
		t.Errorf("pruned %d, %v; want EV1 and EV2", n, err)
	}
	if applied, _ := st.ApplyMessage(ctx, "EV1", ws, m); !applied {
		t.Error("EV1 after pruning: not applied again")
	}
}

// TestWebhookThenSync: a conversation a webhook recorded is read whole by
// the sync (no ReadThrough), and what the sync lists replaces what the
// webhook guessed of it; its messages stay.
func TestWebhookThenSync(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	ws := workspace(t, st, "PN1", "US1")
	if got, err := st.WorkspaceOfLine(ctx, "PN1"); got != ws || err != nil {
		t.Fatalf("WorkspaceOfLine: %q, %v", got, err)
	}
	if _, err := st.WorkspaceOfLine(ctx, "PN2"); err != ErrNoWorkspace {
		t.Fatalf("WorkspaceOfLine of an unknown line: %v", err)
	}
	if _, err := st.ApplyMessage(ctx, "EV1", ws, message("AC1", "CN1", "PN1", "hello", t0)); err != nil {
		t.Fatal(err)
	}
	if through, _ := st.ReadThrough(ctx, ws, "CN1"); through != nil {
		t.Fatalf("ReadThrough %v after a webhook, want none", through)
	}
	name := "Ana"
	c := conversation("CN1", "PN1", t0, "+14155550111")
	c.Name = &name
	if err := st.PutConversations(ctx, ws, []client.Conversation{c}); err != nil {
		t.Fatal(err)
	}
	convs, err := st.ActiveConversations(ctx, ActivityParams{Workspace: ws, Since: t0.Add(-time.Hour)})
	if err != nil || len(convs) != 1 || convs[0].Name == nil || *convs[0].Name != "Ana" {
		t.Fatalf("after the sync listed it: %+v, %v", convs, err)
	}
	if msgs, _ := st.Messages(ctx, ws, "CN1"); len(msgs) != 1 {
		t.Errorf("messages %d, want the webhook's", len(msgs))
	}
	// A call of the conversation, named by its participant alone.
	call := client.Call{ID: "ACc", PhoneNumberID: "PN1", Direction: "incoming", Status: "completed", Participants: []string{"+14155550111"},
		CreatedAt: t0.Add(time.Minute), Duration: 30}
	if _, err := st.ApplyCall(ctx, "EV2", ws, "", call); err != nil {
		t.Fatal(err)
	}
	if got, err := st.WorkspaceOfCall(ctx, "ACc"); got != ws || err != nil {
		t.Errorf("WorkspaceOfCall: %q, %v", got, err)
	}
	if calls, _ := st.Calls(ctx, ws, "CN1"); len(calls) != 1 || calls[0].Texts.SummaryStatus != TextPending {
		t.Errorf("calls %+v, want the call with its summary pending, for the sync to read", calls)
	}
}
