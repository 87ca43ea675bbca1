package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
)

func TestSearchFiltersAndPages(t *testing.T) { forEachEngine(t, testSearchFiltersAndPages) }

func testSearchFiltersAndPages(t *testing.T, open opener) {
	ctx := context.Background()
	st, _ := open(t)
	ws := workspace(t, st, "PN1", "US1")
	if err := st.PutConversations(ctx, ws, []client.Conversation{
		conversation("CNa", "PN1", t0, "+14155550111"),
		conversation("CNb", "PN2", t0, "+14155550122"),
	}); err != nil {
		t.Fatal(err)
	}
	out := func(m client.Message) client.Message {
		m.Direction, m.From, m.To, m.UserID = "outgoing", "+14155550100", []string{"+14155550111"}, new("US1")
		return m
	}
	for conv, msgs := range map[string][]client.Message{
		"CNa": {
			message("AC1", "CNa", "PN1", "the invoice is late", t0.Add(-1*time.Minute)),
			out(message("AC2", "CNa", "PN1", "invoice sent again", t0.Add(-2*time.Minute))),
			message("AC3", "CNa", "PN1", "invoice received, thanks", t0.Add(-3*time.Minute)),
		},
		"CNb": {message("AC4", "CNb", "PN2", "where is my invoice", t0.Add(-4*time.Minute))},
	} {
		if err := st.PutMessages(ctx, ws, conv, msgs); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(hits []Hit) []string {
		var out []string
		for _, h := range hits {
			out = append(out, h.RefID)
		}
		return out
	}
	for _, tt := range []struct {
		name string
		p    SearchParams
		want []string
	}{
		{"all", SearchParams{}, []string{"AC1", "AC2", "AC3", "AC4"}},
		{"a line", SearchParams{Lines: []string{"PN2"}}, []string{"AC4"}},
		{"no line", SearchParams{Lines: []string{}}, nil},
		{"a participant", SearchParams{Participants: []string{"+14155550122"}}, []string{"AC4"}},
		{"outgoing", SearchParams{Direction: "outgoing"}, []string{"AC2"}},
		{"incoming, a window", SearchParams{Direction: "incoming", Since: t0.Add(-3 * time.Minute), Until: t0.Add(-time.Minute)}, []string{"AC3"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.p.Workspace, tt.p.Query = ws, "invoice"
			hits, err := st.Search(ctx, tt.p)
			if err != nil || !slices.Equal(ids(hits), tt.want) {
				t.Errorf("found %v (%v), want %v", ids(hits), err, tt.want)
			}
			if n, err := st.CountMatches(ctx, tt.p); n != len(tt.want) || err != nil {
				t.Errorf("counted %d (%v), want %d", n, err, len(tt.want))
			}
		})
	}
	// Pages of two, after the last hit of each.
	var pages [][]string
	p := SearchParams{Workspace: ws, Query: "invoice", Limit: 2}
	for {
		hits, err := st.Search(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 {
			break
		}
		pages = append(pages, ids(hits))
		p.After = &hits[len(hits)-1]
	}
	if len(pages) != 2 || !slices.Equal(pages[0], []string{"AC1", "AC2"}) || !slices.Equal(pages[1], []string{"AC3", "AC4"}) {
		t.Errorf("pages %v, want [AC1 AC2] [AC3 AC4]", pages)
	}
	hits, _ := st.Search(ctx, SearchParams{Workspace: ws, Query: "sent"})
	if len(hits) != 1 || hits[0].UserID != "US1" || hits[0].From != "+14155550100" {
		t.Errorf("an outgoing hit: %+v, want its sender US1 from +14155550100", hits)
	}
}

func TestHighlight(t *testing.T) {
	long := "We spoke on Monday about several things, among them the roof, the gutters and the paint. " +
		"Please send invoice INV-2024-0042 to the office by Friday. Thanks, and see you at the site next week for the final walk-through."
	for _, tt := range []struct {
		name, body, query string
		max               int
		want              []Segment
	}{
		{"a word, any case and accent", "José will bring the crème brûlée", "jose BRULEE", 100,
			[]Segment{{"José", true}, {" will bring the crème ", false}, {"brûlée", true}}},
		{"whole words only", "invoice INV-2024-00421 and INV-2024-0042", "INV-2024-0042", 100,
			[]Segment{{"invoice INV-2024-00421 and ", false}, {"INV-2024-0042", true}}},
		{"a phrase where its words follow each other", "gate side; the side gate", `"side gate"`, 100,
			[]Segment{{"gate side; the ", false}, {"side gate", true}}},
		{"no match", "nothing here", "invoice", 100, []Segment{{"nothing here", false}}},
		{"a long text, cut around the match", long, "invoice", 60,
			[]Segment{{"…paint. Please send ", false}, {"invoice", true}, {" INV-2024-0042 to the office by Fr…", false}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Highlight(tt.body, tt.query, tt.max); !slices.Equal(got, tt.want) {
				t.Errorf("Highlight(%q, %q) =\n%+v\nwant\n%+v", tt.body, tt.query, got, tt.want)
			}
		})
	}
}
