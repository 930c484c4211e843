package checks

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/zclconf/go-cty/cty"

	"github.com/redrill/redrill/internal/mysqltest"
)

func TestMySQL(t *testing.T) {
	dsn := mysqltest.NewDatabase(t)
	env := NewEnv(Deps{})
	t.Cleanup(func() { env.Close() })

	mustPass(t, sqlCall(t, env, "mysql", dsn, "CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, qty BIGINT UNSIGNED, total DECIMAL(10,2), ratio FLOAT, note TEXT, created_at DATETIME(3) NOT NULL, paid_at TIMESTAMP NULL)"))
	mustPass(t, sqlCall(t, env, "mysql", dsn, "INSERT INTO orders (qty, total, ratio, note, created_at, paid_at) VALUES (?, ?, 1.3, NULL, ?, '2026-11-25 02:30:00'), (1, 7, 2, 'ok', '2026-11-25 01:00:00', NULL)",
		cty.NumberIntVal(3), cty.NumberFloatVal(19.99), cty.StringVal("2026-11-25 02:04:05.123")))

	newest := mustPass(t, sqlCall(t, env, "mysql", dsn, "SELECT max(created_at) FROM orders"))
	if got := field(t, newest.Result, "value"); got != "2026-11-25T02:04:05.123Z" {
		t.Errorf("max(created_at) = %v, want RFC 3339 in UTC", got)
	}
	rows := mustPass(t, sqlCall(t, env, "mysql", dsn, "SELECT id, qty, total, ratio, note, paid_at, count(*) OVER () AS n FROM orders WHERE note IS NULL"))
	first := rows.Result.GetAttr("rows").Index(cty.NumberIntVal(0))
	for name, want := range map[string]float64{"id": 1, "qty": 3, "total": 19.99, "ratio": 1.3, "n": 1} {
		value := first.GetAttr(name)
		if value.Type() != cty.Number {
			t.Errorf("%s = %#v, want a number", name, value)
			continue
		}
		if got, _ := value.AsBigFloat().Float64(); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if !first.GetAttr("note").IsNull() {
		t.Errorf("note = %#v, want null", first.GetAttr("note"))
	}
	if got := first.GetAttr("paid_at"); got.Type() != cty.String || got.AsString() != "2026-11-25T02:30:00Z" {
		t.Errorf("TIMESTAMP paid_at = %#v, want RFC 3339 in UTC", got)
	}
	if field(t, rows.Result, "row_count") != 1.0 {
		t.Errorf("row_count = %v", field(t, rows.Result, "row_count"))
	}

	dated := mustPass(t, sqlCall(t, env, "mysql", dsn, "SELECT CAST('2026-11-25' AS DATE) AS day, CAST(1.5 AS DOUBLE) AS half"))
	row := dated.Result.GetAttr("rows").Index(cty.NumberIntVal(0))
	if got := row.GetAttr("day"); got.Type() != cty.String || got.AsString() != "2026-11-25T00:00:00Z" {
		t.Errorf("DATE = %#v, want RFC 3339", got)
	}
	if got := row.GetAttr("half"); got.Type() != cty.Number || !got.RawEquals(cty.NumberFloatVal(1.5)) {
		t.Errorf("DOUBLE = %#v, want the number 1.5", got)
	}

	// Text that looks like a timestamp is text: MySQL has time types.
	text := mustPass(t, sqlCall(t, env, "mysql", dsn, "SELECT '2026-11-25 03:00:00'"))
	if got := field(t, text.Result, "value"); got != "2026-11-25 03:00:00" {
		t.Errorf("text value = %v, want the text as written", got)
	}

	before := len(env.pools)
	mustPass(t, sqlCall(t, env, "mysql", dsn, "SELECT 1"))
	if len(env.pools) != before {
		t.Errorf("a new pool was opened for the same DSN")
	}

	broken := sqlCall(t, env, "mysql", dsn, "SELECT * FROM missing_table")
	if broken.Passed || !strings.Contains(broken.Message, "missing_table' doesn't exist") {
		t.Errorf("bad query: passed=%v message=%q", broken.Passed, broken.Message)
	}
}

func TestMySQLBadDSNSaysWhatADSNIs(t *testing.T) {
	env := NewEnv(Deps{})
	t.Cleanup(func() { env.Close() })
	outcome := sqlCall(t, env, "mysql", "mysql://root:S3cr3t@127.0.0.1/test", "SELECT 1")
	if outcome.Passed || !strings.Contains(outcome.Message, "user@tcp(host:3306)/database, the password after the user and a colon") {
		t.Errorf("passed=%v message=%q", outcome.Passed, outcome.Message)
	}
	if strings.Contains(outcome.Message, "S3cr3t") {
		t.Errorf("the password is visible: %q", outcome.Message)
	}
}

func TestMySQLWrongCredentialsHideThePassword(t *testing.T) {
	server := mysqltest.Server(t)
	cfg, err := mysql.ParseDSN(server)
	if err != nil {
		t.Fatal(err)
	}
	cfg.User, cfg.Passwd = "no_such_user", "Tr0ub4dor"
	env := NewEnv(Deps{})
	t.Cleanup(func() { env.Close() })

	outcome := sqlCall(t, env, "mysql", cfg.FormatDSN(), "SELECT 1")
	if outcome.Passed || !strings.Contains(outcome.Message, "Access denied for user 'no_such_user'") {
		t.Errorf("passed=%v message=%q", outcome.Passed, outcome.Message)
	}
	if strings.Contains(outcome.Message, "Tr0ub4dor") || strings.Contains(outcome.Result.GoString(), "Tr0ub4dor") {
		t.Errorf("the password is visible: %q", outcome.Message)
	}
}

// A query that overruns its timeout is cancelled on the server: the
// driver only closes the connection, so the kind sends KILL CONNECTION.
func TestMySQLTimeoutCancelsTheQuery(t *testing.T) {
	dsn := mysqltest.NewDatabase(t)
	env := NewEnv(Deps{})
	t.Cleanup(func() { env.Close() })
	sqlKind := kind(t, "sql")

	started := time.Now()
	outcome := env.Execute(context.Background(), Call{
		Kind:    sqlKind,
		Config:  config(t, sqlKind, map[string]cty.Value{"driver": cty.StringVal("mysql"), "dsn": cty.StringVal(dsn), "query": cty.StringVal("SELECT SLEEP(30) /* redrill-timeout-test */")}),
		Timeout: 300 * time.Millisecond,
	})
	if outcome.Passed || !strings.HasPrefix(outcome.Message, "timed out after 300ms") {
		t.Errorf("passed=%v message=%q, want a timeout", outcome.Passed, outcome.Message)
	}
	if elapsed := time.Since(started); elapsed > 5*time.Second {
		t.Errorf("the check returned after %s", elapsed)
	}

	// Within 2s: MariaDB's SLEEP notices a closed client by itself after
	// 5s, a long scan never; the kill is what ends it.
	observer := mysqlObserver(t, dsn)
	eventually(t, 2*time.Second, "the query is no longer running on the server", func() bool {
		var running int
		err := observer.QueryRow("SELECT count(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE '%redrill-timeout-test%' AND ID <> CONNECTION_ID()").Scan(&running)
		return err == nil && running == 0
	})
}

// A statement whose connection is killed mid-way fails and is not sent
// again.
func TestMySQLStatementCutShortIsNotSentTwice(t *testing.T) {
	dsn := mysqltest.NewDatabase(t)
	observer := mysqlObserver(t, dsn)
	if _, err := observer.Exec(`CREATE TABLE done (n int)`); err != nil {
		t.Fatal(err)
	}
	env := NewEnv(Deps{})
	defer env.Close()
	outcome := make(chan Outcome, 1)
	go func() {
		outcome <- sqlCall(t, env, "mysql", dsn, `INSERT INTO done SELECT 1 FROM (SELECT SLEEP(1)) AS cut_short`)
	}()
	eventually(t, 10*time.Second, "the statement killed", func() bool {
		var id int64
		if err := observer.QueryRow(`SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE '%AS cut_short%' AND ID <> CONNECTION_ID()`).Scan(&id); err != nil {
			return false
		}
		_, err := observer.Exec(`KILL CONNECTION ?`, id)
		return err == nil
	})
	got := <-outcome
	if got.Passed || !strings.Contains(got.Message, "the session ended during the query") {
		t.Errorf("outcome %v: %s, want a failure that says the session ended", got.Passed, got.Message)
	}
	var rows int
	if err := observer.QueryRow(`SELECT count(*) FROM done`).Scan(&rows); err != nil || rows != 0 {
		t.Errorf("the statement ran again after its connection was killed: %d rows (%v)", rows, err)
	}
}

// A kept connection killed while idle is replaced, once: the statement
// was never sent on it.
func TestMySQLIdleSessionEndedIsReplaced(t *testing.T) {
	dsn := mysqltest.NewDatabase(t)
	observer := mysqlObserver(t, dsn)
	env := NewEnv(Deps{})
	defer env.Close()
	kept := mustPass(t, sqlCall(t, env, "mysql", dsn, `SELECT CONNECTION_ID()`))
	id, _ := kept.Result.GetAttr("value").AsBigFloat().Int64()
	if _, err := observer.Exec(`KILL CONNECTION ?`, id); err != nil {
		t.Fatalf("kill the kept connection %d: %v", id, err)
	}
	time.Sleep(2 * pingIdleAfter) // idle as between the rounds of a polled check: a duration, not a wait for an event
	again := mustPass(t, sqlCall(t, env, "mysql", dsn, `SELECT CONNECTION_ID()`))
	if got, _ := again.Result.GetAttr("value").AsBigFloat().Int64(); got == id {
		t.Errorf("the killed connection %d answered", id)
	}
}

func mysqlObserver(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// The password of a MySQL DSN is hidden wherever it appears: in a value
// the query returns and in the server's error, though no variable marked
// it sensitive.
func TestMySQLPasswordInTheDSNIsHidden(t *testing.T) {
	dsn := mysqltest.NewDatabase(t)
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	admin := mysqlObserver(t, dsn)
	const user, password = "redrill_secret_test", "Tr0ub4dor"
	for _, statement := range []string{
		"CREATE USER IF NOT EXISTS " + user + "@'%' IDENTIFIED BY '" + password + "'",
		"GRANT ALL ON " + cfg.DBName + ".* TO " + user + "@'%'",
	} {
		if _, err := admin.Exec(statement); err != nil {
			t.Fatalf("%s: %v", statement, err)
		}
	}
	t.Cleanup(func() { _, _ = admin.Exec("DROP USER IF EXISTS " + user + "@'%'") })
	cfg.User, cfg.Passwd = user, password
	env := NewEnv(Deps{})
	t.Cleanup(func() { env.Close() })

	echoed := mustPass(t, sqlCall(t, env, "mysql", cfg.FormatDSN(), "SELECT CONCAT('pw=', ?) AS echoed", cty.StringVal(password)))
	if got := field(t, echoed.Result, "value"); got != "pw="+Redacted {
		t.Errorf("value = %v, want the password hidden", got)
	}
	failed := sqlCall(t, env, "mysql", cfg.FormatDSN(), "SELECT * FROM "+password)
	if failed.Passed || !strings.Contains(failed.Message, "."+Redacted+"' doesn't exist") {
		t.Errorf("passed=%v message=%q, want the table's name hidden", failed.Passed, failed.Message)
	}
	if strings.Contains(failed.Message+failed.Result.GoString()+echoed.Result.GoString(), password) {
		t.Errorf("the password is visible: %q", failed.Message)
	}
}
