package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// TestEnginesMigrateAlike: both engines have the same migrations, by
// number and name, and after them the same tables and columns, but for
// each one's full-text index (SQLite's documents_fts tables, PostgreSQL's
// terms column).
func TestEnginesMigrateAlike(t *testing.T) {
	if len(sqliteMigrations) != len(postgresMigrations) {
		t.Fatalf("%d SQLite migrations, %d PostgreSQL ones", len(sqliteMigrations), len(postgresMigrations))
	}
	for i, m := range sqliteMigrations {
		if p := postgresMigrations[i]; p.version != m.version || p.name != m.name {
			t.Errorf("migration %d: SQLite's %d_%s, PostgreSQL's %d_%s", i+1, m.version, m.name, p.version, p.name)
		}
	}
	ctx := context.Background()
	lite, _ := open(t)
	pg, _ := openPostgresStore(t)
	columns := func(st *Store, q string) []string {
		rows, err := st.db.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var table, column string
			if err := rows.Scan(&table, &column); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(table, "documents_fts") && !(table == "documents" && column == "terms") {
				out = append(out, table+"."+column)
			}
		}
		slices.Sort(out)
		return out
	}
	got := columns(lite, `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'`)
	want := columns(pg, `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`)
	if !slices.Equal(got, want) {
		t.Errorf("tables and columns differ:\nSQLite:     %v\nPostgreSQL: %v", got, want)
	}
	if v, err := pg.SchemaVersion(ctx); err != nil || v != len(postgresMigrations) {
		t.Errorf("PostgreSQL schema version %d, %v", v, err)
	}
}

// TestEnginesSearchAlike: the same texts, the same queries, the same hits
// in the same order, on both engines: words in any script and case, with
// accents or not, numbers, hyphens and underscores inside words, quotes,
// backslashes and FTS5's or tsquery's operators as plain text.
func TestEnginesSearchAlike(t *testing.T) {
	texts := []string{
		"Could you send invoice INV-2024-0042 again?",
		"Invoice INV-2024-00421 is paid, thanks!",
		"José will bring the crème brûlée on Thursday",
		"JOSE called back: the side gate is unlocked",
		"gate side, not unlocked; call (415) 555-0111",
		"order_77 shipped to Zürich, Straße 5",
		"It's Jean-Luc's O'Brien order: 'quoted' & \\backslash\\ | !bang <-> (paren)",
		"Ünïcödé façade, naïve café — Ελληνικά κείμενο, Кириллица, 日本語のテキスト",
		"emoji 🎉 party 🎉 tonight",
		"NEAR AND OR NOT * ^ : colon:word",
		"call me at 4155550111 or +1 415 555 0111",
		"the the the gate gate",
		"refund refunds refunded refunding",
		"a-b-c a_b_c a b c",
		strings.Repeat("你好世界今天天气很好", 70) + " 长句",                  // one word longer than PostgreSQL's lexemes
		strings.Repeat("ok ", 300) + "ok invoice at last",         // a word past 256 places
		strings.Repeat("filler ", 16500) + "alpha beta",           // a phrase past 16,383 words
		"zeta " + strings.Repeat("你好世界今天天气很好", 69) + "你好世界今天天气很坏", // cut alike, not the same word
	}
	queries := []string{
		"invoice", "INV-2024-0042", "inv-2024-00421", "2024", "jose", "JOSÉ", "creme brulee", `"crème brûlée"`,
		`"side gate"`, `"gate side"`, "gate unlocked", "o'brien", "jean-luc", "luc", "order_77", "zurich", "strasse", "straße",
		"unicode", "façade", "naive", "ελληνικά", "кириллица", "日本語のテキスト", "🎉", "party", `"the gate"`, `"the the gate"`,
		"refund", "refunds", "a-b-c", "a_b_c", `"a b c"`, "b", "NEAR", "AND OR", "colon", "colon:word", "(paren)", `\backslash\`,
		"bang", "4155550111", "415", `"555 0111"`, `"it's"`, "it", "s", "quoted", "<->",
		strings.Repeat("你好世界今天天气很好", 70), "长句", `"ok invoice"`, `"invoice ok"`, `"alpha beta"`, `"filler alpha"`, "filler beta",
		strings.Repeat("你好世界今天天气很好", 69) + "你好世界今天天气很坏",
	}
	ctx := context.Background()
	search := func(st *Store) map[string][]string {
		ws := workspace(t, st, "PN1", "US1")
		if err := st.PutConversations(ctx, ws, []client.Conversation{conversation("CN1", "PN1", t0, "+14155550111")}); err != nil {
			t.Fatal(err)
		}
		var msgs []client.Message
		for i, text := range texts {
			msgs = append(msgs, message(fmt.Sprintf("AC%02d", i), "CN1", "PN1", text, t0.Add(-time.Duration(i%3)*time.Minute)))
		}
		if err := st.PutMessages(ctx, ws, "CN1", msgs); err != nil {
			t.Fatal(err)
		}
		out := map[string][]string{}
		for _, q := range queries {
			hits, err := st.Search(ctx, SearchParams{Workspace: ws, Query: q, Limit: 50})
			if err != nil {
				out[q] = []string{"error: " + err.Error()}
				continue
			}
			n, err := st.CountMatches(ctx, SearchParams{Workspace: ws, Query: q})
			if err != nil || n != len(hits) {
				t.Errorf("%q on %s: %d hits, counted %d (%v)", q, st, len(hits), n, err)
			}
			for _, h := range hits {
				out[q] = append(out[q], h.RefID)
			}
		}
		return out
	}
	lite, _ := open(t)
	pg, _ := openPostgresStore(t)
	fromSQLite, fromPostgres := search(lite), search(pg)
	found := 0
	for _, q := range queries {
		if !slices.Equal(fromSQLite[q], fromPostgres[q]) {
			t.Errorf("%q: SQLite finds %v, PostgreSQL %v", q, fromSQLite[q], fromPostgres[q])
		}
		if len(fromSQLite[q]) > 0 {
			found++
		}
	}
	if found < len(queries)/2 {
		t.Errorf("only %d of %d queries find anything: the test says little", found, len(queries))
	}
}

// TestOpenPostgresConcurrently: replicas that open a new database at once
// migrate it once, and all open it.
func TestOpenPostgresConcurrently(t *testing.T) {
	url := testkit.PostgresURL(t)
	errs := make(chan error, 4)
	for range cap(errs) {
		go func() {
			st, err := OpenPostgres(t.Context(), url)
			if err == nil {
				st.Close()
			}
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	st, err := OpenPostgres(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var n int
	if err := st.db.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(postgresMigrations) {
		t.Errorf("%d migrations recorded (%v); want %d", n, err, len(postgresMigrations))
	}
}
