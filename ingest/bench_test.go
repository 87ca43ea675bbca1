package ingest

import (
	"context"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// BenchmarkBackfill backfills a generated workspace of 2,200 conversations
// (2,000 of them not deleted; about 9,000 texts) into a new SQLite file,
// and reports:
//
//   - x-floor: the time taken over the floor of its requests at the
//     background lane's share of the rate limit (with nothing else
//     running, one request per 1/rps: requests/rps seconds); the goal is
//     1.15 at most. The rate is 200/s rather than OpenPhone's 10/s, so
//     that a run takes half a minute (INGEST_BENCH_RPS sets another); the
//     fake answers on loopback.
//     BenchmarkBackgroundLane is the same measure for trivial requests
//     alone: the limiter's own distance from the floor, at the same rate.
//   - requests: the requests the backfill made.
//   - bytes/10k-texts: the store's file, closed, per 10,000 stored texts
//     (with the calls, their texts and the contacts it also holds), from
//     a second backfill at a rate too high to bind.
//
// Run it once:
//
//	go test -run '^$' -bench 'Backfill|BackgroundLane' -benchtime 1x ./ingest/
func BenchmarkBackfill(b *testing.B) {
	ws := generated(42, 2200)
	limited := 200.0
	if v, err := strconv.ParseFloat(os.Getenv("INGEST_BENCH_RPS"), 64); err == nil && v > 0 {
		limited = v // closer to OpenPhone's 10/s, at the cost of minutes
	}
	for _, bc := range []struct {
		name string
		rps  float64
	}{{"limited", limited}, {"unlimited", 1e6}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				var requests atomic.Int64
				_, c := testkit.NewAPI(b, ws, client.WithRateLimit(bc.rps), client.WithWriteHook(func(time.Time) { requests.Add(1) }))
				path := storePath(b)
				st := openStore(b, path)
				s := newSyncer(c, st, Options{Days: 365})
				start := time.Now()
				r, err := s.Sync(context.Background())
				took := time.Since(start)
				if err != nil || !r.Backfilled {
					b.Fatalf("backfill: %+v, %v", r, err)
				}
				status, err := st.Status(context.Background(), r.Workspace)
				if err != nil {
					b.Fatal(err)
				}
				if os.Getenv("STORE_BENCH_KEEP") != "" {
					b.Logf("store kept at %s", path)
				}
				st.Close()
				info, err := os.Stat(path)
				if err != nil {
					b.Fatal(err)
				}
				n := requests.Load()
				b.ReportMetric(float64(n), "requests")
				b.ReportMetric(float64(status.Counts.Conversations), "conversations")
				b.ReportMetric(float64(status.Counts.Messages), "texts")
				if bc.rps < 1e5 {
					floor := time.Duration(float64(n) / bc.rps * float64(time.Second))
					b.ReportMetric(took.Seconds()/floor.Seconds(), "x-floor")
				} else {
					b.ReportMetric(float64(info.Size())/float64(status.Counts.Messages)*10_000, "bytes/10k-texts")
				}
			}
		})
	}
}

// BenchmarkBackgroundLane sends 1,000 trivial requests (the lines) in the
// background lane at 200/s from 4 goroutines, and reports their time over
// the floor (5 s): what the rate limiter itself adds, the reference for
// BenchmarkBackfill's x-floor.
func BenchmarkBackgroundLane(b *testing.B) {
	const rps, n, workers = 200, 1000, DefaultWorkers
	for b.Loop() {
		_, c := testkit.NewAPI(b, generated(1, 10), client.WithRateLimit(rps))
		ctx := client.WithLane(context.Background(), client.LaneBackground)
		start := time.Now()
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range n / workers {
					if _, err := c.ListPhoneNumbers(ctx, client.ListPhoneNumbersParams{}); err != nil {
						b.Error(err)
					}
				}
			})
		}
		wg.Wait()
		b.ReportMetric(time.Since(start).Seconds()/(float64(n)/rps), "x-floor")
	}
}
