package checks

import (
	"errors"
	"fmt"

	"github.com/go-sql-driver/mysql"
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
		return "", fmt.Errorf("mysql dsn: %w (a MySQL DSN reads user:password@tcp(host:3306)/database)", err)
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

// mysqlSessionLost tells whether err is go-sql-driver's report of a
// connection that broke after the statement was sent ("invalid
// connection"): unlike driver.ErrBadConn, the statement may have run.
func mysqlSessionLost(err error) bool {
	return errors.Is(err, mysql.ErrInvalidConn)
}
