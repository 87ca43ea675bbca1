package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
	"github.com/openphone-mcp/openphone-mcp/store"
)

// searchTexts is how many texts the engines' search is measured on.
const searchTexts = 100_000

// searchEngines: search_messages' queries (a page of 20 and the count of
// every match) on the same 100,000 texts in a SQLite store and in a
// PostgreSQL one, each query run in turn on both, 100 times.
func (b *bench) searchEngines() error {
	const metric = "search of 100,000 texts, PostgreSQL vs SQLite, median"
	base := os.Getenv(testkit.PostgresEnv)
	if base == "" {
		b.add(metric, "not measured", "no PostgreSQL: set "+testkit.PostgresEnv+" (.ci/postgres start)")
		return nil
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "openphone-mcp-bench-search")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	url, drop, err := testkit.PostgresSchema(base)
	if err != nil {
		return err
	}
	defer drop()
	var stores []*store.Store
	var fills []time.Duration
	for _, where := range []string{filepath.Join(dir, store.FileName), url} {
		st, err := store.Open(ctx, where)
		if err != nil {
			return err
		}
		defer st.Close()
		took, err := timed(func() error { return fillTexts(ctx, st) })
		if err != nil {
			return fmt.Errorf("%s: %w", st, err)
		}
		stores, fills = append(stores, st), append(fills, took)
	}
	ws, err := stores[0].Workspaces(ctx)
	if err != nil || len(ws) != 1 {
		return fmt.Errorf("workspaces %v, %v", ws, err)
	}
	var notes []string
	var lite, pg []time.Duration
	for _, q := range []string{"invoice", "zanzibar", `"refund policy"`, "INV-2025-0042", "delivery tomorrow"} {
		var counts [2]int
		search := func(i int) func() error {
			return func() error {
				p := store.SearchParams{Workspace: ws[0], Query: q, Limit: 20}
				if _, err := stores[i].Search(ctx, p); err != nil {
					return err
				}
				n, err := stores[i].CountMatches(ctx, p)
				counts[i] = n
				return err
			}
		}
		took, err := interleavedN(100, 10, search(0), search(1))
		if err != nil {
			return err
		}
		if counts[0] != counts[1] {
			return fmt.Errorf("%q: SQLite counts %d matches, PostgreSQL %d", q, counts[0], counts[1])
		}
		lite, pg = append(lite, took[0]...), append(pg, took[1]...)
		notes = append(notes, fmt.Sprintf("%s %d matches: %s vs %s", q, counts[0], ms(median(took[1])), ms(median(took[0]))))
	}
	ratio := float64(median(pg)) / float64(median(lite))
	b.addGoal(metric, fmt.Sprintf("%s vs %s (%.2f×)", ms(median(pg)), ms(median(lite)), ratio), atMost(ratio, 1.5, "%.1f×"),
		"a page of 20 and the count of every match, each query in turn on both, 100 times; by query (PostgreSQL vs SQLite): "+strings.Join(notes, "; ")+
			fmt.Sprintf("; filling each took %.1f s (PostgreSQL) and %.1f s (SQLite)", fills[1].Seconds(), fills[0].Seconds()))
	return nil
}

// fillTexts stores searchTexts texts, in 2,000 conversations of one
// workspace, of words drawn the same way for every store.
func fillTexts(ctx context.Context, st *store.Store) error {
	ws, err := st.Workspace(ctx, []client.PhoneNumber{{ID: "PNbench01", Number: "+14155550100", Name: "Sales"}}, []client.User{{ID: "USbench01"}})
	if err != nil {
		return err
	}
	words := strings.Fields(`the a to and you we your is for of on in it this that be can will at with our please thanks
		invoice payment appointment delivery tomorrow today order refund policy schedule call back confirm address price
		quote estimate monday tuesday friday morning afternoon office clinic dentist cleaning insurance claim ticket
		shipping tracking number receipt balance due late fee discount coupon hours open closed parking gate side door`)
	rng := rand.New(rand.NewPCG(7, 7))
	epoch := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	const perConversation = searchTexts / 2000
	for c := range 2000 {
		id, number := fmt.Sprintf("CNbench%05d", c), fmt.Sprintf("+1415%07d", 5550000+c)
		at := epoch.Add(time.Duration(c) * time.Minute)
		if err := st.PutConversations(ctx, ws, []client.Conversation{{ID: id, PhoneNumberID: "PNbench01", Participants: []string{number},
			CreatedAt: &at, UpdatedAt: &at, LastActivityAt: &at}}); err != nil {
			return err
		}
		msgs := make([]client.Message, perConversation)
		for m := range msgs {
			text := make([]string, 6+rng.IntN(20))
			for i := range text {
				text[i] = words[min(rng.IntN(len(words)), rng.IntN(len(words)))] // the first words the likeliest
			}
			switch rng.IntN(500) {
			case 0:
				text = append(text, "zanzibar")
			case 1:
				text = append(text, fmt.Sprintf("INV-2025-%04d", rng.IntN(100)))
			}
			line, sent := "PNbench01", at.Add(time.Duration(m)*time.Second)
			msgs[m] = client.Message{ID: fmt.Sprintf("ACbench%05d%03d", c, m), ConversationID: &id, PhoneNumberID: &line, Text: strings.Join(text, " "),
				Direction: "incoming", From: number, To: []string{"+14155550100"}, Status: "received", CreatedAt: sent}
		}
		if err := st.PutMessages(ctx, ws, id, msgs); err != nil {
			return err
		}
	}
	return nil
}
