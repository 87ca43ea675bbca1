package testkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresURL is the address of a PostgreSQL schema of the test's own, on
// the server OPENPHONE_TEST_POSTGRES_URL names (.ci/postgres starts a
// throwaway one, and .ci/run sets it), dropped when the test ends. Each
// connection to the address works in that schema alone: tables of the
// same names in other tests' schemas are not seen. Without the variable
// the test is skipped, except under CI, where it fails.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("OPENPHONE_TEST_POSTGRES_URL")
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("OPENPHONE_TEST_POSTGRES_URL is not set: .ci/run starts a PostgreSQL for the tests")
		}
		t.Skip(`OPENPHONE_TEST_POSTGRES_URL is not set (eval "$(.ci/postgres start)" starts a throwaway PostgreSQL)`)
	}
	var id [6]byte
	rand.Read(id[:])
	schema := "test_" + hex.EncodeToString(id[:])
	admin := func(stmt string) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Fatalf("PostgreSQL at OPENPHONE_TEST_POSTGRES_URL: %v", err)
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, stmt); err != nil {
			t.Fatalf("PostgreSQL: %s: %v", stmt, err)
		}
	}
	admin(`CREATE SCHEMA ` + schema)
	t.Cleanup(func() { admin(`DROP SCHEMA ` + schema + ` CASCADE`) })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
