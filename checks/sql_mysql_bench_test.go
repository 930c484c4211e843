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
// result object, redaction). Figures in docs/performance.md.

func BenchmarkMySQLBare(b *testing.B) {
	db, err := sql.Open("mysql", mysqltest.Server(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var one int
		if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
			b.Fatal(one, err)
		}
	}
}

func BenchmarkMySQLCheck(b *testing.B) {
	dsn := mysqltest.Server(b)
	sqlKind, _ := Builtin().Lookup("sql")
	env := NewEnv(Deps{}, "unrelated-secret")
	b.Cleanup(func() { env.Close() })
	call := Call{Kind: sqlKind, Config: benchConfig(sqlKind, map[string]cty.Value{
		"driver": cty.StringVal("mysql"), "dsn": cty.StringVal(dsn), "query": cty.StringVal("SELECT 1"),
	})}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if outcome := env.Execute(ctx, call); !outcome.Passed {
			b.Fatal(outcome.Message)
		}
	}
}
