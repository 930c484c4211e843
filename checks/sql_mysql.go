package checks

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
)

// mysqlDSN prepares a MySQL DSN (user:password@tcp(host:port)/db) for the
// sql kind: DATETIME and TIMESTAMP columns are read as times, so results
// hold them as RFC 3339 like PostgreSQL's, and the session's time zone is
// UTC, so a TIMESTAMP means the same instant whatever the server's zone.
// Settings the DSN makes itself (loc, time_zone) are kept.
func mysqlDSN(dsn string) (string, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		// The driver's message never quotes the DSN, so it holds no password.
		return "", fmt.Errorf("mysql dsn: %w (a MySQL DSN reads user@tcp(host:3306)/database, the password after the user and a colon)", err)
	}
	cfg.ParseTime = true
	if _, set := cfg.Params["time_zone"]; !set && cfg.Loc.String() == "UTC" {
		if cfg.Params == nil {
			cfg.Params = map[string]string{}
		}
		cfg.Params["time_zone"] = "'+00:00'"
	}
	return cfg.FormatDSN(), nil
}

// mysqlDSN is mysqlDSN(dsn), parsed and formatted once per DSN: a polled
// check or a workload gives the same DSN on every query.
func (e *Env) mysqlDSN(dsn string) (string, error) {
	e.mu.Lock()
	prepared, known := e.mysqlDSNs[dsn]
	e.mu.Unlock()
	if known {
		return prepared, nil
	}
	prepared, err := mysqlDSN(dsn)
	if err != nil {
		return "", err
	}
	e.mu.Lock()
	if e.mysqlDSNs == nil {
		e.mysqlDSNs = map[string]string{}
	}
	e.mysqlDSNs[dsn] = prepared
	e.mu.Unlock()
	return prepared, nil
}

// openMySQL opens a pool on a DSN from mysqlDSN. The driver's own log
// lines ("[mysql] ... unexpected EOF" on stderr, for a connection the
// check reports broken anyway) are dropped: they would land in the
// middle of a drill's output, without saying which check they are about.
func openMySQL(dsn string) (*sqlx.DB, error) {
	connector, err := mysqlConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sqlx.NewDb(sql.OpenDB(connector), "mysql"), nil
}

func mysqlConnector(dsn string) (sqldriver.Connector, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	cfg.Logger = &mysql.NopLogger{}
	return mysql.NewConnector(cfg)
}

// mysqlSessionLost tells whether err is go-sql-driver's report of a
// connection that broke after the statement was sent ("invalid
// connection"): unlike driver.ErrBadConn, the statement may have run.
func mysqlSessionLost(err error) bool {
	return errors.Is(err, mysql.ErrInvalidConn)
}

// mysqlKillTimeout bounds the statement that stops a cancelled query.
const mysqlKillTimeout = 5 * time.Second

// mysqlCancelOnServer makes the end of ctx stop the statement about to be
// sent on conn on the server too. go-sql-driver only closes the connection
// on cancel, and MySQL and MariaDB notice a closed client only when they
// next write to it: a SELECT SLEEP(30) or a long scan would run on. So
// when ctx ends, KILL CONNECTION is sent on a connection of its own: not
// KILL QUERY, which is lost when it reaches the server before the
// statement does, and the session is dropped by the driver anyway. stop
// reports whether the connection may be kept: false when the kill fired,
// after waiting for it, so a kill never meets the next statement of a
// kept connection.
func mysqlCancelOnServer(ctx context.Context, env *Env, conn *sqlx.Conn, dsn string) (stop func() (keep bool), err error) {
	id, err := env.mysqlSession(ctx, conn)
	if err != nil {
		return nil, err
	}
	killed := make(chan struct{})
	stopKill := context.AfterFunc(ctx, func() {
		defer close(killed)
		killQuery(dsn, id)
	})
	return func() bool {
		if stopKill() {
			return true
		}
		<-killed
		return false
	}, nil
}

// mysqlSession returns the server's id of conn's session, asked once per
// connection.
func (e *Env) mysqlSession(ctx context.Context, conn *sqlx.Conn) (int64, error) {
	var driverConn any
	_ = conn.Raw(func(c any) error { driverConn = c; return nil })
	e.mu.Lock()
	id, known := e.mysqlSessions[driverConn]
	e.mu.Unlock()
	if known {
		return id, nil
	}
	if err := conn.QueryRowxContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
		return 0, fmt.Errorf("read the session id: %w", err)
	}
	e.mu.Lock()
	if e.mysqlSessions == nil {
		e.mysqlSessions = map[any]int64{}
	}
	e.mysqlSessions[driverConn] = id
	e.mu.Unlock()
	return id, nil
}

// killQuery ends session id and the statement it runs, if any. It is
// best effort: the check has already failed with its timeout, and a
// server that cannot be reached to kill the query has lost the session
// anyway.
func killQuery(dsn string, id int64) {
	connector, err := mysqlConnector(dsn)
	if err != nil {
		return
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), mysqlKillTimeout)
	defer cancel()
	_, _ = db.ExecContext(ctx, "KILL CONNECTION "+strconv.FormatInt(id, 10))
}
