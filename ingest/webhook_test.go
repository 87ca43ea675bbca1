package ingest

import (
	"context"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
	"github.com/openphone-mcp/openphone-mcp/store"
)

// TestWebhookWritesHideNothingFromTheSync: what webhooks write between two
// syncs (a text of a known conversation, newer than one that was missed;
// the first text of a conversation the store did not hold) does not make
// the next sync skip anything: it reads both conversations from where it
// had read them (or whole), and the missed text arrives.
func TestWebhookWritesHideNothingFromTheSync(t *testing.T) {
	ctx := context.Background()
	demo := openphonetest.DemoWorkspace()
	api, c := testkit.NewAPI(t, demo, client.WithRateLimit(1000))
	st := openStore(t, storePath(t))
	s := newSyncer(c, st, Options{})
	r, err := s.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ws := r.Workspace

	conv := api.Conversations()[5]
	line := conv.PhoneNumberID
	at := now.Add(10 * time.Minute)
	missed := client.Message{ID: "ACmissed001", ConversationID: &conv.ID, PhoneNumberID: &line, From: conv.Participants[0],
		To: []string{"+14155550100"}, Text: "a text whose webhook never came", Direction: "incoming", Status: "received", CreatedAt: at}
	hooked := missed
	hooked.ID, hooked.Text, hooked.CreatedAt = "AChooked001", "a text delivered by webhook", at.Add(time.Minute)
	api.AddMessage(missed)
	api.AddMessage(hooked)
	fresh := client.Conversation{ID: "CNfresh0002", PhoneNumberID: line, Participants: []string{"+15035550188"}, CreatedAt: &at, UpdatedAt: &at}
	api.AddConversation(fresh)
	first := client.Message{ID: "ACfresh0001", ConversationID: &fresh.ID, PhoneNumberID: &line, From: "+15035550188",
		To: []string{"+14155550100"}, Text: "hello from a new number", Direction: "incoming", Status: "received", CreatedAt: at.Add(2 * time.Minute)}
	api.AddMessage(first)
	for i, m := range []client.Message{hooked, first} {
		if applied, err := st.ApplyMessage(ctx, "EV"+m.ID, ws, m); !applied || err != nil {
			t.Fatalf("webhook %d: %v, %v", i, applied, err)
		}
	}

	now = now.Add(time.Hour)
	t.Cleanup(func() { now = openphonetest.DemoEpoch.Add(time.Hour) })
	if _, err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct{ conv, msg string }{{conv.ID, missed.ID}, {conv.ID, hooked.ID}, {fresh.ID, first.ID}} {
		msgs, _ := st.Messages(ctx, ws, want.conv)
		found := 0
		for _, m := range msgs {
			if m.ID == want.msg {
				found++
			}
		}
		if found != 1 {
			t.Errorf("%s holds %s %d times, want once", want.conv, want.msg, found)
		}
	}
	for _, id := range []string{conv.ID, fresh.ID} {
		if through, _ := st.ReadThrough(ctx, ws, id); through == nil || through.Before(at.Add(time.Minute)) {
			t.Errorf("%s read through %v after the sync", id, through)
		}
	}
	if hits, _ := st.Search(ctx, store.SearchParams{Workspace: ws, Query: "never came"}); len(hits) != 1 {
		t.Errorf("the missed text: %d hits, want 1", len(hits))
	}
}
