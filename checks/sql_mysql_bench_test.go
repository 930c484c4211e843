package checks

import (
	"context"
	"database/sql"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/redrill/redrill/internal/mysqltest"
)

// The sql check with the mysql driver against a bare database/sql
// QueryRow of the same SELECT 1 on the same local server, both on a kept
// connection: the difference is the kind's overhead (the connection taken
// and released by hand for queryOnce, the cancel-on-server watch, the
// result object, redaction). Target: under 10% of the bare query or
// 50 µs, whichever is larger. Both run in one benchmark, against one
// server, so that they meet the same machine. Figures in
// docs/performance.md.
func BenchmarkMySQLQuery(b *testing.B) {
	dsn := mysqltest.Server(b)
	ctx := context.Background()

	b.Run("bare", func(b *testing.B) {
		db, err := sql.Open("mysql", dsn)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = db.Close() })
		b.ReportAllocs()
		for b.Loop() {
			var one int
			if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
				b.Fatal(one, err)
			}
		}
	})
	b.Run("check", func(b *testing.B) {
		sqlKind, _ := Builtin().Lookup("sql")
		env := NewEnv(Deps{}, "unrelated-secret")
		b.Cleanup(func() { _ = env.Close() })
		call := Call{Kind: sqlKind, Config: benchConfig(sqlKind, map[string]cty.Value{
			"driver": cty.StringVal("mysql"), "dsn": cty.StringVal(dsn), "query": cty.StringVal("SELECT 1"),
		})}
		b.ReportAllocs()
		for b.Loop() {
			if outcome := env.Execute(ctx, call); !outcome.Passed {
				b.Fatal(outcome.Message)
			}
		}
	})
}
