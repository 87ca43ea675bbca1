package testkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresEnv names the PostgreSQL server the tests and the bench use:
// .ci/postgres starts a throwaway one, and .ci/run sets it.
const PostgresEnv = "OPENPHONE_TEST_POSTGRES_URL"

// PostgresURL is the address of a PostgreSQL schema of the test's own, on
// the server PostgresEnv names, dropped when the test ends (PostgresSchema).
// Without the variable the test is skipped, except under CI, where it
// fails.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatal(PostgresEnv + " is not set: .ci/run starts a PostgreSQL for the tests")
		}
		t.Skip(PostgresEnv + ` is not set (env=$(.ci/postgres start) && eval "$env" starts a throwaway PostgreSQL)`)
	}
	u, drop, err := PostgresSchema(base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Error(err)
		}
	})
	return u
}

// PostgresSchema makes a schema of its own on the server at base, and
// returns its address, which works in that schema alone (tables of the
// same names in other schemas are not seen), and what drops it.
func PostgresSchema(base string) (string, func() error, error) {
	var id [6]byte
	rand.Read(id[:])
	schema := "test_" + hex.EncodeToString(id[:])
	admin := func(stmt string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			return fmt.Errorf("PostgreSQL at %s: %w", PostgresEnv, err)
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("PostgreSQL: %s: %w", stmt, err)
		}
		return nil
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", PostgresEnv, err)
	}
	if err := admin(`CREATE SCHEMA ` + schema); err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() error { return admin(`DROP SCHEMA ` + schema + ` CASCADE`) }, nil
}
