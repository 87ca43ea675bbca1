package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
)

func TestActiveConversations(t *testing.T) { forEachEngine(t, testActiveConversations) }

func testActiveConversations(t *testing.T, open opener) {
	st, _ := open(t)
	ctx := context.Background()
	ws := workspace(t, st, "PN1", "US1")
	hour := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	convs := []client.Conversation{
		conversation("CNtexts", "PN1", hour(-1), "+14155550199", "+14155550111"), // a group, not sorted
		conversation("CNcalls", "PN2", hour(-2), "+14155550122"),
		conversation("CNold", "PN1", hour(-30), "+14155550133"),
	}
	if err := st.PutConversations(ctx, ws, convs); err != nil {
		t.Fatal(err)
	}
	if err := st.PutMessages(ctx, ws, "CNtexts", []client.Message{message("ACm1", "CNtexts", "PN1", "hi", hour(-1))}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutMessages(ctx, ws, "CNold", []client.Message{message("ACm2", "CNold", "PN1", "old", hour(-30))}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutCalls(ctx, ws, "CNcalls", []client.Call{{ID: "ACc1", PhoneNumberID: "PN2", Direction: "incoming", Status: "completed",
		Participants: []string{"+14155550122"}, CreatedAt: hour(-2), AnsweredBy: new("US1")}}); err != nil {
		t.Fatal(err)
	}
	ids := func(p ActivityParams) []string {
		t.Helper()
		p.Workspace = ws
		got, err := st.ActiveConversations(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range got {
			ids = append(ids, c.ID)
		}
		return ids
	}
	until := hour(-1)
	for _, c := range []struct {
		name string
		p    ActivityParams
		want []string
	}{
		{"last day, most recent first", ActivityParams{Since: hour(-24)}, []string{"CNtexts", "CNcalls"}},
		{"both bounds excluded", ActivityParams{Since: hour(-2), Until: &until}, nil},
		{"one line", ActivityParams{Since: hour(-24), Lines: []string{"PN2"}}, []string{"CNcalls"}},
		{"no line", ActivityParams{Since: hour(-24), Lines: []string{}}, nil},
		{"the whole past", ActivityParams{Since: hour(-48)}, []string{"CNtexts", "CNcalls", "CNold"}},
	} {
		if got := ids(c.p); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	got, _ := st.ActiveConversations(ctx, ActivityParams{Workspace: ws, Since: hour(-24)})
	if want := []string{"+14155550199", "+14155550111"}; !slices.Equal(got[0].Participants, want) {
		t.Errorf("participants %v, want the API's order %v", got[0].Participants, want)
	}
	if calls, _ := st.Calls(ctx, ws, "CNcalls"); len(calls) != 1 || calls[0].AnsweredBy == nil || *calls[0].AnsweredBy != "US1" {
		t.Errorf("calls %+v: want answeredBy US1", calls)
	}
	if got, _ := st.ActiveConversations(ctx, ActivityParams{Workspace: "wsother", Since: hour(-48)}); len(got) != 0 {
		t.Errorf("another workspace sees %d conversations", len(got))
	}
}

func TestConversationsWith(t *testing.T) { forEachEngine(t, testConversationsWith) }

func testConversationsWith(t *testing.T, open opener) {
	st, _ := open(t)
	ctx := context.Background()
	ws := workspace(t, st, "PN1", "US1")
	hour := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	if err := st.PutConversations(ctx, ws, []client.Conversation{
		conversation("CNgroup", "PN1", hour(-1), "+14155550199", "+14155550111"),
		conversation("CNone", "PN2", hour(-2), "+14155550111"),
		conversation("CNother", "PN1", hour(-3), "+14155550133"),
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		ws      string
		numbers []string
		want    []string
	}{
		{"a number in a group and a 1:1, most recent first", ws, []string{"+14155550111"}, []string{"CNgroup", "CNone"}},
		{"two numbers of one conversation, listed once", ws, []string{"+14155550199", "+14155550111"}, []string{"CNgroup", "CNone"}},
		{"no number", ws, nil, nil},
		{"a number in none", ws, []string{"+14155550100"}, nil},
		{"another workspace", "wsother", []string{"+14155550111"}, nil},
	} {
		got, err := st.ConversationsWith(ctx, c.ws, c.numbers)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, cv := range got {
			ids = append(ids, cv.ID)
		}
		if !slices.Equal(ids, c.want) {
			t.Errorf("%s: %v, want %v", c.name, ids, c.want)
		}
	}
}

func TestFindWorkspace(t *testing.T) { forEachEngine(t, testFindWorkspace) }

func testFindWorkspace(t *testing.T, open opener) {
	st, _ := open(t)
	ctx := context.Background()
	ws := workspace(t, st, "PN1", "US1")
	if got, err := st.FindWorkspace(ctx, []client.PhoneNumber{{ID: "PN9"}, {ID: "PN1"}}); err != nil || got != ws {
		t.Errorf("FindWorkspace = %q, %v; want %q", got, err, ws)
	}
	if _, err := st.FindWorkspace(ctx, []client.PhoneNumber{{ID: "PN9"}}); !errors.Is(err, ErrNoWorkspace) {
		t.Errorf("an unknown line: %v, want ErrNoWorkspace", err)
	}
	if list, _ := st.Workspaces(ctx); len(list) != 1 {
		t.Errorf("FindWorkspace recorded a workspace: %v", list)
	}
}
