package checks

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/redrill/redrill/internal/pgtest"
)

// sqlCall runs one query through the sql kind.
func sqlCall(t *testing.T, env *Env, driver, dsn, query string, args ...cty.Value) Outcome {
	t.Helper()
	sqlKind := kind(t, "sql")
	attrs := map[string]cty.Value{"driver": cty.StringVal(driver), "dsn": cty.StringVal(dsn), "query": cty.StringVal(query)}
	if len(args) > 0 {
		attrs["args"] = cty.TupleVal(args)
	}
	return env.Execute(context.Background(), Call{Kind: sqlKind, Config: config(t, sqlKind, attrs)})
}

func mustPass(t *testing.T, outcome Outcome) Outcome {
	t.Helper()
	if !outcome.Passed {
		t.Fatalf("query failed: %s", outcome.Message)
	}
	return outcome
}

func TestSQLite(t *testing.T) {
	env := NewEnv(Deps{})
	t.Cleanup(func() { env.Close() })
	dsn := filepath.Join(t.TempDir(), "orders.db")

	// Statements without result rows (DDL, INSERT) work through the same kind.
	ddl := mustPass(t, sqlCall(t, env, "sqlite", dsn, "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, total REAL, note TEXT, created_at DATETIME)"))
	if field(t, ddl.Result, "row_count") != 0.0 || !ddl.Result.GetAttr("value").IsNull() {
		t.Errorf("DDL result = %#v", ddl.Result)
	}
	mustPass(t, sqlCall(t, env, "sqlite", dsn, "INSERT INTO orders (customer, total, note, created_at) VALUES (?, ?, ?, ?), ('bob', 5, 'x', '2026-11-25 02:00:00')",
		cty.StringVal("alice'); DROP TABLE orders; --"), cty.NumberFloatVal(12.5), cty.NullVal(cty.String), cty.StringVal("2026-11-25 03:00:00")))

	count := mustPass(t, sqlCall(t, env, "sqlite", dsn, "SELECT count(*) FROM orders"))
	if field(t, count.Result, "value") != 2.0 || field(t, count.Result, "row_count") != 1.0 {
		t.Errorf("count: value=%v row_count=%v", field(t, count.Result, "value"), field(t, count.Result, "row_count"))
	}

	rows := mustPass(t, sqlCall(t, env, "sqlite", dsn, "SELECT customer, total, note, created_at FROM orders WHERE total > ? ORDER BY id", cty.NumberIntVal(1)))
	first := rows.Result.GetAttr("rows").Index(cty.NumberIntVal(0))
	if got := first.GetAttr("customer").AsString(); got != "alice'); DROP TABLE orders; --" {
		t.Errorf("an argument was not bound as a parameter: customer = %q", got)
	}
	if got, _ := first.GetAttr("total").AsBigFloat().Float64(); got != 12.5 {
		t.Errorf("total = %v", got)
	}
	if !first.GetAttr("note").IsNull() {
		t.Errorf("NULL note = %#v, want null", first.GetAttr("note"))
	}
	if got := first.GetAttr("created_at").AsString(); got != "2026-11-25T03:00:00Z" {
		t.Errorf("created_at = %q, want RFC 3339", got)
	}
	if field(t, rows.Result, "row_count") != 2.0 {
		t.Errorf("row_count = %v", field(t, rows.Result, "row_count"))
	}

	broken := sqlCall(t, env, "sqlite", dsn, "SELECT * FROM missing_table")
	if broken.Passed || !strings.Contains(broken.Message, "no such table: missing_table") {
		t.Errorf("bad query: passed=%v message=%q", broken.Passed, broken.Message)
	}
}

// Column names are worked out once per query: every row holds the same.
func TestSQLiteColumnsOfOneNameAreKeptApartInEveryRow(t *testing.T) {
	env := NewEnv(Deps{})
	t.Cleanup(func() { env.Close() })
	dsn := filepath.Join(t.TempDir(), "columns.db")
	outcome := mustPass(t, sqlCall(t, env, "sqlite", dsn, `SELECT 1 AS id, 2 AS id, 3 AS "" UNION ALL SELECT 4, 5, 6`))
	for index, want := range []map[string]float64{{"id": 1, "id_2": 2, "column3": 3}, {"id": 4, "id_2": 5, "column3": 6}} {
		row := outcome.Result.GetAttr("rows").Index(cty.NumberIntVal(int64(index)))
		if len(row.Type().AttributeTypes()) != len(want) {
			t.Errorf("row %d = %#v, want the columns %v", index+1, row, want)
			continue
		}
		for name, value := range want {
			if !row.Type().HasAttribute(name) || field(t, row, name) != value {
				t.Errorf("row %d = %#v, want %s = %v", index+1, row, name, value)
			}
		}
	}
	if field(t, outcome.Result, "value") != 1.0 {
		t.Errorf("value = %v, want the first row's first column", field(t, outcome.Result, "value"))
	}
}

func TestPostgres(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	env := NewEnv(Deps{})
	t.Cleanup(func() { env.Close() })

	mustPass(t, sqlCall(t, env, "postgres", dsn, "CREATE TABLE orders (id serial PRIMARY KEY, total numeric(10,2), note text, created_at timestamptz NOT NULL)"))
	mustPass(t, sqlCall(t, env, "postgres", dsn, "INSERT INTO orders (total, note, created_at) VALUES ($1, NULL, $2), (7, 'ok', '2026-11-25 01:00:00+00')",
		cty.NumberFloatVal(19.99), cty.StringVal("2026-11-25T03:04:05.123+01:00")))

	newest := mustPass(t, sqlCall(t, env, "postgres", dsn, "SELECT max(created_at) FROM orders"))
	if got := field(t, newest.Result, "value"); got != "2026-11-25T02:04:05.123Z" {
		t.Errorf("max(created_at) = %v, want RFC 3339 in UTC", got)
	}
	count := mustPass(t, sqlCall(t, env, "postgres", dsn, "SELECT count(*), sum(total) AS total, min(note) AS note FROM orders WHERE note IS NULL"))
	first := count.Result.GetAttr("rows").Index(cty.NumberIntVal(0))
	if got, _ := first.GetAttr("count").AsBigFloat().Int64(); got != 1 {
		t.Errorf("count = %v", got)
	}
	if got, _ := first.GetAttr("total").AsBigFloat().Float64(); got != 19.99 {
		t.Errorf("numeric total = %#v, want the number 19.99", first.GetAttr("total"))
	}
	if !first.GetAttr("note").IsNull() {
		t.Errorf("note = %#v, want null", first.GetAttr("note"))
	}

	// The same pool serves every poll of a check.
	before := len(env.pools)
	mustPass(t, sqlCall(t, env, "postgres", dsn, "SELECT 1"))
	if len(env.pools) != before {
		t.Errorf("a new pool was opened for the same DSN")
	}
}

func TestPostgresWrongCredentialsHideThePassword(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	env := NewEnv(Deps{})
	t.Cleanup(func() { env.Close() })
	wrong := strings.Replace(dsn, "://postgres@", "://no_such_role:Tr0ub4dor@", 1)

	outcome := sqlCall(t, env, "postgres", wrong, "SELECT 1")
	if outcome.Passed || !strings.Contains(outcome.Message, `role "no_such_role" does not exist`) {
		t.Errorf("passed=%v message=%q", outcome.Passed, outcome.Message)
	}
	if strings.Contains(outcome.Message, "Tr0ub4dor") || strings.Contains(outcome.Result.GoString(), "Tr0ub4dor") {
		t.Errorf("the password is visible: %q", outcome.Message)
	}
}

// A query that overruns its timeout is cancelled on the server, not only
// abandoned by the client.
func TestPostgresTimeoutCancelsTheQuery(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	env := NewEnv(Deps{})
	t.Cleanup(func() { env.Close() })
	sqlKind := kind(t, "sql")

	started := time.Now()
	outcome := env.Execute(context.Background(), Call{
		Kind:    sqlKind,
		Config:  config(t, sqlKind, map[string]cty.Value{"dsn": cty.StringVal(dsn), "query": cty.StringVal("SELECT pg_sleep(30) /* redrill-timeout-test */")}),
		Timeout: 300 * time.Millisecond,
	})
	if outcome.Passed || !strings.HasPrefix(outcome.Message, "timed out after 300ms") {
		t.Errorf("passed=%v message=%q, want a timeout", outcome.Passed, outcome.Message)
	}
	if elapsed := time.Since(started); elapsed > 5*time.Second {
		t.Errorf("the check returned after %s", elapsed)
	}

	observer, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { observer.Close() })
	eventually(t, 5*time.Second, "the query is no longer running on the server", func() bool {
		var running int
		err := observer.QueryRow("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%redrill-timeout-test%' AND pid <> pg_backend_pid() AND state = 'active'").Scan(&running)
		return err == nil && running == 0
	})
}

// SQLite has no time type: timestamps computed by an expression come back
// as text, which must read as RFC 3339 like any other time in a result.
func TestSQLiteTimestampsAreRFC3339(t *testing.T) {
	env := NewEnv(Deps{})
	t.Cleanup(func() { env.Close() })
	dsn := filepath.Join(t.TempDir(), "orders.db")
	mustPass(t, sqlCall(t, env, "sqlite", dsn, "CREATE TABLE orders (id INTEGER PRIMARY KEY, created_at TEXT)"))
	mustPass(t, sqlCall(t, env, "sqlite", dsn, "INSERT INTO orders (created_at) VALUES ('2026-11-25 02:00:00'), ('2026-11-25 03:00:00')"))

	tests := []struct {
		name  string
		query string
		want  string
	}{
		{name: "max of a text column", query: "SELECT max(created_at) FROM orders", want: "2026-11-25T03:00:00Z"},
		{name: "fractional seconds", query: "SELECT '2026-11-25 03:00:00.250'", want: "2026-11-25T03:00:00.25Z"},
		{name: "a T and a zone", query: "SELECT '2026-11-25T04:00:00+01:00'", want: "2026-11-25T03:00:00Z"},
		{name: "a T and Z", query: "SELECT '2026-11-25T03:00:00Z'", want: "2026-11-25T03:00:00Z"},
		{name: "datetime() of a Unix time", query: "SELECT datetime(1795575600, 'unixepoch')", want: "2026-11-25T03:00:00Z"},
		{name: "a date alone is left as written", query: "SELECT '2026-11-25'", want: "2026-11-25"},
		{name: "a one-digit hour is not SQLite's format", query: "SELECT '2026-11-25 3:00:00'", want: "2026-11-25 3:00:00"},
		{name: "text around a timestamp is left as written", query: "SELECT 'at 2026-11-25 03:00:00'", want: "at 2026-11-25 03:00:00"},
		{name: "an impossible date is left as written", query: "SELECT '2026-13-45 03:00:00'", want: "2026-13-45 03:00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outcome := mustPass(t, sqlCall(t, env, "sqlite", dsn, tt.query))
			if got := field(t, outcome.Result, "value"); got != tt.want {
				t.Errorf("value = %v, want %q", got, tt.want)
			}
			row := outcome.Result.GetAttr("rows").Index(cty.NumberIntVal(0))
			for _, column := range row.AsValueMap() {
				if got := column.AsString(); got != tt.want {
					t.Errorf("rows[0] = %q, want %q", got, tt.want)
				}
			}
		})
	}
}

// PostgreSQL has time types; text that looks like a timestamp is text.
func TestPostgresTextIsNotATime(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	env := NewEnv(Deps{})
	t.Cleanup(func() { env.Close() })
	outcome := mustPass(t, sqlCall(t, env, "postgres", dsn, "SELECT '2026-11-25 03:00:00'::text"))
	if got := field(t, outcome.Result, "value"); got != "2026-11-25 03:00:00" {
		t.Errorf("value = %v, want the text as written", got)
	}
}

// A statement whose session is terminated mid-way fails and is not sent
// again: database/sql alone would run it again on a new connection and
// report the interrupted operation as done.
func TestPostgresStatementCutShortIsNotSentTwice(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE done (n int)`); err != nil {
		t.Fatal(err)
	}
	env := NewEnv(Deps{})
	defer env.Close()
	outcome := make(chan Outcome, 1)
	go func() {
		outcome <- sqlCall(t, env, "postgres", dsn+"&application_name=cut-short", `INSERT INTO done SELECT 1 FROM pg_sleep(1)`)
	}()
	terminated := 0
	eventually(t, 10*time.Second, "the statement terminated", func() bool {
		err := db.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'cut-short' AND state = 'active'`).Scan(&terminated)
		return err == nil && terminated > 0
	})
	got := <-outcome
	if got.Passed || !strings.Contains(got.Message, "the session ended during the query") {
		t.Errorf("outcome %v: %s, want a failure that says the session ended", got.Passed, got.Message)
	}
	var rows int
	if err := db.QueryRow(`SELECT count(*) FROM done`).Scan(&rows); err != nil || rows != 0 {
		t.Errorf("the statement ran again after its session was terminated: %d rows (%v)", rows, err)
	}
}

// A kept connection whose session ended while idle is replaced, once:
// the statement was never sent on it.
func TestPostgresIdleSessionEndedIsReplaced(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	env := NewEnv(Deps{})
	defer env.Close()
	mustPass(t, sqlCall(t, env, "postgres", dsn+"&application_name=kept", `SELECT 1`))
	var terminated int
	if err := db.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'kept'`).Scan(&terminated); err != nil || terminated != 1 {
		t.Fatalf("terminated %d idle sessions (%v), want the kept one", terminated, err)
	}
	time.Sleep(2 * pingIdleAfter) // idle as between the rounds of a polled check: a duration, not a wait for an event
	mustPass(t, sqlCall(t, env, "postgres", dsn+"&application_name=kept", `SELECT 1`))
}
