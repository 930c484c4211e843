package checks

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/jmoiron/sqlx"
	// The drivers of the databases redrill speaks.
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/lib/pq"
	"github.com/zclconf/go-cty/cty"
	_ "modernc.org/sqlite"
)

// sqlKind runs one statement: `sql { dsn = "...", query = "SELECT ..." }`.
type sqlKind struct{ declaration }

func init() { register(newSQLKind()) }

func newSQLKind() sqlKind {
	return sqlKind{declaration{
		name: "sql",
		spec: hcldec.ObjectSpec{
			"driver":  oneOf("driver", sqlDrivers...),
			"dsn":     required("dsn", cty.String),
			"query":   required("query", cty.String),
			"args":    queryArgsSpec(),
			"timeout": optionalDuration("timeout"),
		},
		result: resultType(map[string]cty.Type{
			// The shape of rows and value depends on the query.
			"rows":      cty.DynamicPseudoType,
			"row_count": cty.Number,
			"value":     cty.DynamicPseudoType,
			"duration":  cty.Number,
		}),
		// No default timeout: a query may check a restore that takes hours.
	}}
}

// SQL drivers a scenario may name, and the database/sql driver of each; the
// first is the default.
var (
	sqlDrivers  = []string{"postgres", "sqlite", "mysql"}
	driverNames = map[string]string{"postgres": "postgres", "sqlite": "sqlite", "mysql": "mysql"}
)

// maxRows bounds the rows kept in a result; row_count still counts all.
const maxRows = 1000

func (sqlKind) Run(ctx context.Context, env *Env, config cty.Value) (map[string]cty.Value, error) {
	driver := stringAttr(config, "driver")
	if driver == "" {
		driver = sqlDrivers[0]
	}
	var db *sqlx.DB
	var err error
	dsn := stringAttr(config, "dsn")
	if driver == "mysql" {
		if dsn, err = env.mysqlDSN(dsn); err != nil {
			return nil, err
		}
	}
	if driver == "sqlite" {
		// An SQLite file is opened for each query, not pooled: a drill may
		// delete and restore the file, and a kept handle would go on
		// reading the deleted one, reporting a recovery that did not
		// happen. Opening a file is cheap.
		db, err = sqlx.Open(driverNames[driver], dsn)
		if err != nil {
			return nil, fmt.Errorf("open sqlite database: %w", err)
		}
		defer db.Close()
	} else if db, err = env.pool(driver, dsn); err != nil {
		return nil, err
	}
	args, err := queryArgs(config.GetAttr("args"))
	if err != nil {
		return nil, err
	}

	started := env.Now()
	// Query, not Exec, so a SELECT returns rows; DDL and other statements
	// simply return none. The context cancels the query on the server.
	rows, release, err := queryOnce(ctx, env, db, driver, dsn, stringAttr(config, "query"), args)
	if err != nil {
		return map[string]cty.Value{"duration": seconds(env.Now().Sub(started))}, fmt.Errorf("%s query: %w", driver, err)
	}
	defer release()
	defer rows.Close()
	columnTypes, err := rows.ColumnTypes()
	if err != nil {
		return nil, fmt.Errorf("%s query: %w", driver, err)
	}
	columns := resultColumns(columnTypes)

	var kept []cty.Value
	var first cty.Value = cty.NullVal(cty.DynamicPseudoType)
	count := int64(0)
	for rows.Next() {
		values, err := rows.SliceScan()
		if err != nil {
			return nil, fmt.Errorf("%s query: read row %d: %w", driver, count+1, err)
		}
		count++
		if len(kept) >= maxRows {
			continue
		}
		row := make(map[string]cty.Value, len(columns))
		for i, column := range columns {
			value := sqlValue(driver, values[i], column.databaseType)
			if count == 1 && i == 0 {
				first = value // converted once, for both rows and value
			}
			row[column.name] = value
		}
		kept = append(kept, cty.ObjectVal(row))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s query: %w", driver, err)
	}
	rowsValue := cty.EmptyTupleVal
	if len(kept) > 0 {
		rowsValue = cty.TupleVal(kept)
	}
	return map[string]cty.Value{
		"rows":      rowsValue,
		"row_count": cty.NumberIntVal(count),
		"value":     first,
		"duration":  seconds(env.Now().Sub(started)),
	}, nil
}

// errSessionLost is a statement whose connection broke while it ran.
var errSessionLost = errors.New("the session ended during the query (terminated, or the server restarted or went away); redrill never sends a statement twice, so it may or may not have taken effect")

// queryOnce sends a statement to the server once. database/sql would send
// it again on a new connection when the first breaks mid-statement (lib/pq
// reports a terminated session as a bad connection): an interrupted
// operation would be reported as done, a write made twice. A connection
// kept idle in the pool for a while, whose session may have ended
// meanwhile (the server restarted), is pinged first and replaced if it is
// gone, so that a polled check sees the server as it is.
func queryOnce(ctx context.Context, env *Env, db *sqlx.DB, driver, dsn, query string, args []any) (*sqlx.Rows, func(), error) {
	if driver == "sqlite" {
		rows, err := db.QueryxContext(ctx, query, args...)
		return rows, func() {}, err
	}
	for attempt := 0; ; attempt++ {
		conn, err := db.Connx(ctx)
		if err != nil {
			return nil, nil, err
		}
		if idle := env.idleFor(conn); idle > pingIdleAfter && attempt == 0 {
			if err := conn.PingContext(ctx); err != nil {
				discard(conn)
				continue
			}
		}
		keep := func() bool { return true }
		if driver == "mysql" {
			if keep, err = mysqlCancelOnServer(ctx, env, conn, dsn); err != nil {
				discard(conn)
				return nil, nil, err
			}
		}
		rows, err := conn.QueryxContext(ctx, query, args...)
		if err == nil {
			return rows, func() {
				if keep() {
					conn.Close()
				} else {
					discard(conn)
				}
			}, nil
		}
		keep()
		discard(conn)
		if errors.Is(err, sqldriver.ErrBadConn) || mysqlSessionLost(err) {
			err = errSessionLost
		}
		return nil, nil, err
	}
}

// pingIdleAfter is how long a kept connection may be idle before its
// session is checked: less than the interval of a polled check, more than
// the connections of a workload at a few hundred attempts a second wait.
const pingIdleAfter = 100 * time.Millisecond

// discard closes a connection and keeps it out of the pool.
func discard(conn *sqlx.Conn) {
	_ = conn.Raw(func(any) error { return sqldriver.ErrBadConn })
	_ = conn.Close()
}

func (sqlKind) Succeeded(result cty.Value) (bool, string) {
	// A query that ran is a success; errors never reach here. A query that
	// ran counted its rows, so a result without a count holds no query.
	if result.GetAttr("row_count").IsNull() {
		return false, "the query did not run"
	}
	return true, ""
}

// resultColumn is a column as each row of a result holds it.
type resultColumn struct {
	name string
	// databaseType is the column's type in upper case, as sqlValue reads it.
	databaseType string
}

// resultColumns names a result's columns once per query, not per row.
func resultColumns(columns []*sql.ColumnType) []resultColumn {
	taken := make(map[string]bool, len(columns))
	result := make([]resultColumn, len(columns))
	for i, column := range columns {
		name := columnName(column.Name(), i, taken)
		taken[name] = true
		result[i] = resultColumn{name: name, databaseType: strings.ToUpper(column.DatabaseTypeName())}
	}
	return result
}

// columnName keeps columns of the same name (SELECT a.id, b.id) apart.
func columnName(name string, index int, taken map[string]bool) string {
	if name == "" || name == "?column?" {
		name = fmt.Sprintf("column%d", index+1)
	}
	if taken[name] {
		name = fmt.Sprintf("%s_%d", name, index+1)
	}
	return name
}

// queryArgsSpec accepts a list of values of mixed types, ["alice", 12.5,
// null], kept as written rather than unified to strings.
func queryArgsSpec() hcldec.Spec {
	return &hcldec.ValidateSpec{
		Wrapped: optional("args", cty.DynamicPseudoType),
		Func: func(value cty.Value) hcl.Diagnostics {
			ty := value.Type()
			if value.IsNull() || ty == cty.DynamicPseudoType || ty.IsListType() || ty.IsTupleType() {
				return nil
			}
			return hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Invalid args",
				Detail:   fmt.Sprintf("args is a list of query parameters, such as [\"alice\", 42]; this is a %s.", ty.FriendlyName()),
			}}
		},
	}
}

// queryArgs converts args to parameters bound by the driver, never
// interpolated into the query text.
func queryArgs(list cty.Value) ([]any, error) {
	if list.IsNull() || !list.CanIterateElements() {
		return nil, nil
	}
	var args []any
	for it := list.ElementIterator(); it.Next(); {
		index, v := it.Element()
		switch {
		case v.IsNull():
			args = append(args, nil)
		case v.Type() == cty.String:
			args = append(args, v.AsString())
		case v.Type() == cty.Bool:
			args = append(args, v.True())
		case v.Type() == cty.Number:
			if i, accuracy := v.AsBigFloat().Int64(); accuracy == big.Exact {
				args = append(args, i)
			} else {
				f, _ := v.AsBigFloat().Float64()
				args = append(args, f)
			}
		default:
			i, _ := index.AsBigFloat().Int64()
			return nil, fmt.Errorf("args[%d] is a %s; a query argument is a string, number, bool or null", i, v.Type().FriendlyName())
		}
	}
	return args, nil
}

// sqlValue converts a scanned column to a result value: numbers stay
// numbers, times are RFC 3339 in UTC, NULL is null. databaseType is in
// upper case.
func sqlValue(driver string, v any, databaseType string) cty.Value {
	switch x := v.(type) {
	case nil:
		return cty.NullVal(cty.DynamicPseudoType)
	case int64:
		return cty.NumberIntVal(x)
	case uint64: // MySQL's BIGINT UNSIGNED
		return cty.NumberUIntVal(x)
	case float32: // MySQL's FLOAT, read at its own precision: 1.3, not 1.2999999523
		if n, err := cty.ParseNumberVal(strconv.FormatFloat(float64(x), 'g', -1, 32)); err == nil {
			return n
		}
		return cty.NumberFloatVal(float64(x))
	case float64:
		return cty.NumberFloatVal(x)
	case bool:
		return cty.BoolVal(x)
	case time.Time:
		return cty.StringVal(x.UTC().Format(time.RFC3339Nano))
	case string:
		if driver == "sqlite" {
			if t, ok := sqliteTime(x); ok {
				return cty.StringVal(t.UTC().Format(time.RFC3339Nano))
			}
		}
		return cty.StringVal(x)
	case []byte:
		text := string(x)
		switch databaseType {
		case "NUMERIC", "DECIMAL":
			if n, err := cty.ParseNumberVal(text); err == nil {
				return n
			}
		}
		return cty.StringVal(text)
	case sql.RawBytes:
		return cty.StringVal(string(x))
	}
	return cty.StringVal(fmt.Sprint(v))
}

// sqliteTimestamp is the text SQLite's date functions write, and what
// columns declared DATETIME usually hold: "2026-11-25 03:00:00", with
// optional fractional seconds, a "T" for the space and a zone. SQLite has
// no time type, so a timestamp computed by an expression (max(created_at),
// datetime('now')) reaches redrill as this text.
var sqliteTimestamp = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$`)

// sqliteTime reads text that is exactly an SQLite timestamp; one without a
// zone is UTC, as SQLite's own functions take it.
func sqliteTime(text string) (time.Time, bool) {
	if !sqliteTimestamp.MatchString(text) {
		return time.Time{}, false
	}
	layout := "2006-01-02 15:04:05"
	if text[10] == 'T' {
		layout = "2006-01-02T15:04:05"
	}
	if last := text[len(text)-1]; last == 'Z' || strings.LastIndexAny(text, "+-") > 10 {
		layout += "Z07:00"
	}
	t, err := time.Parse(layout, text)
	return t, err == nil
}
