package ingest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/ingest"
	"github.com/openphone-mcp/openphone-mcp/store"
)

// A Syncer fills a store from the demo workspace, which search then reads.
func Example() {
	api := openphonetest.NewDemoServer()
	defer api.Close()
	c, _ := client.New(api.APIKey, client.WithBaseURL(api.URL), client.WithRateLimit(1000))

	dir, _ := os.MkdirTemp("", "store")
	defer os.RemoveAll(dir)
	st, err := store.OpenSQLite(filepath.Join(dir, store.FileName))
	if err != nil {
		panic(err)
	}
	defer st.Close()

	s := ingest.New(c, st, ingest.Options{Now: func() time.Time { return openphonetest.DemoEpoch }})
	report, err := s.Sync(context.Background())
	if err != nil {
		panic(err)
	}
	status, _ := st.Status(context.Background(), report.Workspace)
	fmt.Println("backfilled:", report.Backfilled)
	fmt.Printf("%d conversations, %d texts, %d calls, %d contacts\n",
		status.Counts.Conversations, status.Counts.Messages, status.Counts.Calls, status.Counts.Contacts)

	hits, _ := st.Search(context.Background(), store.SearchParams{Workspace: report.Workspace, Query: "charged twice", Kinds: []string{store.KindVoicemail}})
	for _, h := range hits {
		fmt.Print(h.Kind, " ")
		for _, seg := range store.Highlight(h.Body, "charged twice", 80) {
			if seg.Match {
				seg.Text = "[" + seg.Text + "]"
			}
			fmt.Print(seg.Text)
		}
		fmt.Println()
	}
	// Output:
	// backfilled: true
	// 45 conversations, 183 texts, 37 calls, 45 contacts
	// voicemail Calling about the invoice, it seems to be [charged] [twice]. Please call me.
}
