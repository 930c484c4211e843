package checks

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/minio/minio-go/v7"
	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"
)

// Env holds what the checks of one drill share: connection pools reused
// across polls, HTTP transports, the redactor and the clock. Close it when
// the drill ends.
type Env struct {
	Redactor *Redactor
	// Now is the clock used for ages and durations of results: Deps.Now,
	// or time.Now.
	Now func() time.Time

	// connections is how many connections each pool opens and keeps idle.
	open, idle int

	mu    sync.Mutex
	pools map[poolKey]*sqlx.DB
	// used is when each database connection last started a statement, by
	// its driver connection.
	used map[any]time.Time
	// mysqlSessions is the server's session id of each MySQL connection,
	// by its driver connection: what KILL CONNECTION names (sql_mysql.go).
	mysqlSessions map[any]int64
	// mysqlDSNs is each MySQL DSN a check gave, as mysqlDSN prepared it.
	mysqlDSNs  map[string]string
	transports map[bool]*http.Transport
	grpcConns  map[string]*grpc.ClientConn // by address and TLS settings
	// redisClients are the Redis clients, each with its pool, by server.
	redisClients map[redisTarget]*redis.Client
	// objectClients are the object store clients, by store and keys, and
	// objectTransports their connections.
	objectClients    map[objectTarget]*minio.Client
	objectTransports []*http.Transport
	// reaper kills the commands still running if redrill dies.
	reaper groupReaper
}

// Deps are what the caller hands to every check of a drill.
type Deps struct {
	// Now is the clock for ages and durations of results; nil means time.Now.
	Now func() time.Time
	// Connections is how many connections each database (and Redis) pool opens and
	// keeps open: a workload's concurrency. Zero means a drill's few
	// checks: 4 open, 2 kept between polls.
	Connections int
}

// NewEnv returns an environment for the checks of one drill, built on what
// the caller supplies, whose results hide the given secrets.
func NewEnv(deps Deps, secrets ...string) *Env {
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	open, idle := 4, idleConnsPerPool
	if deps.Connections > 0 {
		open, idle = deps.Connections, deps.Connections
	}
	return &Env{
		Redactor:     NewRedactor(secrets...),
		Now:          now,
		open:         open,
		idle:         idle,
		pools:        map[poolKey]*sqlx.DB{},
		used:         map[any]time.Time{},
		transports:   map[bool]*http.Transport{},
		grpcConns:    map[string]*grpc.ClientConn{},
		redisClients: map[redisTarget]*redis.Client{},

		objectClients: map[objectTarget]*minio.Client{},
	}
}

// poolKey names a connection pool: a struct, not a joined string, so
// that finding the pool of a query allocates nothing.
type poolKey struct{ driver, dsn string }

// pool returns the connection pool for a driver and DSN, opening it on
// first use, so a check polled every second does not reconnect each time.
func (e *Env) pool(driver, dsn string) (*sqlx.DB, error) {
	key := poolKey{driver, dsn}
	e.mu.Lock()
	defer e.mu.Unlock()
	if db, ok := e.pools[key]; ok {
		return db, nil
	}
	var db *sqlx.DB
	var err error
	if driver == "mysql" {
		db, err = openMySQL(dsn)
	} else {
		db, err = sqlx.Open(driverNames[driver], dsn)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", driver, err)
	}
	// A drill runs few queries at a time; a small pool keeps a drill from
	// crowding the database it is measuring.
	db.SetMaxOpenConns(e.open)
	db.SetMaxIdleConns(e.idle)
	db.SetConnMaxIdleTime(time.Minute)
	e.pools[key] = db
	return db, nil
}

// idleFor is how long a connection from a pool has been idle since its
// last statement, zero for a new one; it marks the connection as used now.
func (e *Env) idleFor(conn *sqlx.Conn) time.Duration {
	var idle time.Duration
	_ = conn.Raw(func(driverConn any) error {
		e.mu.Lock()
		defer e.mu.Unlock()
		now := time.Now()
		if last, ok := e.used[driverConn]; ok {
			idle = now.Sub(last)
		}
		e.used[driverConn] = now
		return nil
	})
	return idle
}

// transport returns the shared HTTP transport for a TLS setting.
func (e *Env) transport(insecureSkipVerify bool) *http.Transport {
	e.mu.Lock()
	defer e.mu.Unlock()
	if t, ok := e.transports[insecureSkipVerify]; ok {
		return t
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	// Each drill talks to a handful of hosts; proxies from the environment
	// are honoured as by any HTTP client.
	t.MaxIdleConnsPerHost = 4
	if insecureSkipVerify {
		t.TLSClientConfig.InsecureSkipVerify = true
	}
	e.transports[insecureSkipVerify] = t
	return t
}

// idleConnsPerPool is how many idle connections a pool keeps between the
// rounds of a polled check.
const idleConnsPerPool = 2

// ReleaseIdle closes the idle connections of every pool: a step must
// never be blocked by the drill's own connections (a DROP DATABASE of the
// scratch database a check polled is refused while they are open). The
// pools stay usable and reconnect when next used.
func (e *Env) ReleaseIdle() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, db := range e.pools {
		db.SetMaxIdleConns(0) // closes the idle connections now
		db.SetMaxIdleConns(e.idle)
	}
	for _, t := range e.transports {
		t.CloseIdleConnections()
	}
	for _, t := range e.objectTransports {
		t.CloseIdleConnections()
	}
}

// Close closes every pool and idle connection.
func (e *Env) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var errs []error
	for key, db := range e.pools {
		if err := db.Close(); err != nil {
			errs = append(errs, err)
		}
		delete(e.pools, key)
	}
	for key, t := range e.transports {
		t.CloseIdleConnections()
		delete(e.transports, key)
	}
	for key, client := range e.redisClients {
		if err := client.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close redis client of %s: %w", key.address, err))
		}
		delete(e.redisClients, key)
	}
	for key := range e.objectClients {
		delete(e.objectClients, key)
	}
	for _, t := range e.objectTransports {
		t.CloseIdleConnections()
	}
	e.objectTransports = nil
	for key, conn := range e.grpcConns {
		if err := conn.Close(); err != nil {
			errs = append(errs, err)
		}
		delete(e.grpcConns, key)
	}
	if err := e.reaper.close(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
