package client_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/openphone-mcp/openphone-mcp/client"
	"github.com/openphone-mcp/openphone-mcp/client/openphonetest"
	"github.com/openphone-mcp/openphone-mcp/internal/testkit"
)

// downStore is a SharedWindow whose every exchange fails.
type downStore struct{}

var errDown = errors.New("the store is down")

func (downStore) Admit(context.Context, string, client.Lane, int, time.Duration) (string, time.Duration, bool, error) {
	return "", 0, false, errDown
}
func (downStore) Written(context.Context, string, string) error      { return errDown }
func (downStore) Unsent(context.Context, string, string) error       { return errDown }
func (downStore) Pause(context.Context, string, time.Duration) error { return errDown }

// TestFallbackHoldsTheBackgroundLane: while the store fails, background
// requests keep to the fallback's share too; the place they leave free
// for people's calls is taken from that share, not from the full limit.
func TestFallbackHoldsTheBackgroundLane(t *testing.T) {
	l, _ := client.NewLimiter(client.DefaultRateLimit)
	if err := l.Share(downStore{}, 3, nil); err != nil {
		t.Fatal(err)
	}
	var writes testkit.WriteLog
	_, c := testkit.NewAPI(t, openphonetest.DemoWorkspace(), client.WithLimiter(l), writes.Option())
	ctx := t.Context()
	if _, err := c.ListUsers(ctx, client.ListUsersParams{MaxResults: 10}); err != nil { // a person's call: the background leaves a place
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := c.ListUsers(client.WithLane(ctx, client.LaneBackground), client.ListUsersParams{MaxResults: 10}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if most := writes.MostIn(time.Second); most > 3 {
		t.Errorf("%d requests within a second, over the fallback's 3", most)
	}
}
