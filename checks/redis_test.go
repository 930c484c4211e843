package checks

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/zclconf/go-cty/cty"
)

// redisAddress is the Redis server the tests use: REDRILL_TEST_REDIS, or
// the machine's own. Without one the test is skipped, except under
// CI=true, where it fails (as internal/pgtest does).
func redisAddress(t testing.TB) string {
	t.Helper()
	address := os.Getenv("REDRILL_TEST_REDIS")
	if address == "" {
		address = "127.0.0.1:6379"
	}
	client := redis.NewClient(&redis.Options{Addr: address, Protocol: 2, DisableIdentity: true, MaxRetries: -1})
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		why := fmt.Sprintf("no Redis at %s (set REDRILL_TEST_REDIS to host:port): %v", address, err)
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: %s", why)
		}
		t.Skip(why)
	}
	return address
}

func TestRedis(t *testing.T) {
	address := redisAddress(t)
	k := kind(t, "redis")
	key := fmt.Sprintf("redrill:test:%d:%d", os.Getpid(), time.Now().UnixNano())
	t.Cleanup(func() {
		client := redis.NewClient(&redis.Options{Addr: address, Protocol: 2, DisableIdentity: true})
		defer client.Close()
		if err := client.Del(context.Background(), key, key+":list").Err(); err != nil {
			t.Errorf("delete %s: %v", key, err)
		}
	})
	run := func(t *testing.T, command ...string) Outcome {
		t.Helper()
		return execute(t, Call{Kind: k, Config: config(t, k, map[string]cty.Value{
			"address": cty.StringVal(address),
			"command": strs(command...),
		})})
	}

	t.Run("PING by default answers PONG", func(t *testing.T) {
		outcome := execute(t, Call{Kind: k, Config: config(t, k, map[string]cty.Value{"address": cty.StringVal(address)})})
		if !outcome.Passed || field(t, outcome.Result, "value") != "PONG" {
			t.Fatalf("passed=%v message=%q result=%#v", outcome.Passed, outcome.Message, outcome.Result)
		}
		if d, _ := field(t, outcome.Result, "duration").(float64); d <= 0 {
			t.Errorf("duration = %v, want more than zero", d)
		}
	})
	t.Run("GET of a missing key is null and passes", func(t *testing.T) {
		outcome := run(t, "GET", key)
		if !outcome.Passed || !outcome.Result.GetAttr("value").IsNull() {
			t.Fatalf("passed=%v message=%q value=%#v", outcome.Passed, outcome.Message, outcome.Result.GetAttr("value"))
		}
	})
	t.Run("SET then GET reads the value back", func(t *testing.T) {
		if outcome := run(t, "SET", key, "order-42"); !outcome.Passed || field(t, outcome.Result, "value") != "OK" {
			t.Fatalf("SET: passed=%v message=%q", outcome.Passed, outcome.Message)
		}
		if outcome := run(t, "GET", key); field(t, outcome.Result, "value") != "order-42" {
			t.Fatalf("GET: value = %v, message %q", field(t, outcome.Result, "value"), outcome.Message)
		}
	})
	t.Run("a number reply is a number and a list reply a tuple", func(t *testing.T) {
		if outcome := run(t, "RPUSH", key+":list", "a", "b"); field(t, outcome.Result, "value") != 2.0 {
			t.Fatalf("RPUSH: value = %#v, message %q", outcome.Result.GetAttr("value"), outcome.Message)
		}
		outcome := run(t, "LRANGE", key+":list", "0", "-1")
		want := cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")})
		if got := outcome.Result.GetAttr("value"); !got.RawEquals(want) {
			t.Fatalf("LRANGE: value = %#v, want %#v", got, want)
		}
	})
	t.Run("INFO replication is parsed into sections", func(t *testing.T) {
		outcome := run(t, "INFO", "replication")
		info := outcome.Result.GetAttr("info")
		if info.IsNull() || !info.Type().IsMapType() {
			t.Fatalf("info = %#v, message %q", info, outcome.Message)
		}
		role := info.Index(cty.StringVal("replication")).Index(cty.StringVal("role"))
		if role.AsString() != "master" {
			t.Errorf("info.replication.role = %q, want master", role.AsString())
		}
	})
	t.Run("an error reply fails with its message", func(t *testing.T) {
		run(t, "SET", key, "a string")
		outcome := run(t, "LPUSH", key, "x")
		if outcome.Passed || !strings.Contains(outcome.Message, "redis LPUSH at "+address+": WRONGTYPE") {
			t.Fatalf("passed=%v message=%q", outcome.Passed, outcome.Message)
		}
		if got := field(t, outcome.Result, "error"); got != outcome.Message {
			t.Errorf("result.error = %q, want the message", got)
		}
	})
	t.Run("an assert is retried until it holds", func(t *testing.T) {
		env := NewEnv(Deps{})
		t.Cleanup(func() { _ = env.Close() })
		counter := key + ":counter"
		t.Cleanup(func() { run(t, "DEL", counter) })
		call := Call{
			Kind:       k,
			Config:     config(t, k, map[string]cty.Value{"address": cty.StringVal(address), "command": strs("INCR", counter)}),
			Retries:    5,
			RetryEvery: 10 * time.Millisecond,
			Judge: func(result cty.Value) (bool, string) {
				if n, _ := result.GetAttr("value").AsBigFloat().Int64(); n < 3 {
					return false, fmt.Sprintf("counter is %d", n)
				}
				return true, ""
			},
		}
		outcome := env.Execute(context.Background(), call)
		if !outcome.Passed || outcome.Attempts != 3 {
			t.Fatalf("passed=%v attempts=%d message=%q, want a pass at the third attempt", outcome.Passed, outcome.Attempts, outcome.Message)
		}
		if len(env.redisClients) != 1 {
			t.Errorf("%d clients after three attempts at one server, want 1", len(env.redisClients))
		}
	})
}

func TestRedisWrongPassword(t *testing.T) {
	const password = "Lit3ralRedisPassword"
	address := redisServerWithPassword(t, password)
	k := kind(t, "redis")
	attrs := map[string]cty.Value{"address": cty.StringVal(address), "password": cty.StringVal("not-" + password)}
	outcome := execute(t, Call{Kind: k, Config: config(t, k, attrs)})
	if outcome.Passed || !strings.Contains(outcome.Message, "WRONGPASS") {
		t.Fatalf("passed=%v message=%q, want WRONGPASS", outcome.Passed, outcome.Message)
	}
	if whole := outcome.Message + outcome.Result.GoString(); strings.Contains(whole, "not-"+password) {
		t.Errorf("the password shows: %s", whole)
	}

	attrs["password"] = cty.StringVal(password)
	attrs["command"] = strs("ECHO", "the password is "+password)
	outcome = execute(t, Call{Kind: k, Config: config(t, k, attrs)})
	if want := "the password is " + Redacted; !outcome.Passed || field(t, outcome.Result, "value") != want {
		t.Errorf("passed=%v message=%q value=%v, want %q", outcome.Passed, outcome.Message, field(t, outcome.Result, "value"), want)
	}
}

// redisServerWithPassword starts a redis-server of the test's own on a free
// port, requiring password, and stops it when the test ends.
func redisServerWithPassword(t *testing.T, password string) string {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed: the wrong-password case needs a server of its own")
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := listener.Addr().(*net.TCPAddr).Port
	_ = listener.Close()
	address := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--requirepass", password, "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(10 * time.Second)
	client := redis.NewClient(&redis.Options{Addr: address, Password: password, Protocol: 2, DisableIdentity: true, MaxRetries: -1})
	defer client.Close()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := client.Ping(ctx).Err()
		cancel()
		if err == nil {
			return address
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s not ready after 10s: %v", address, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A workload's concurrency sizes the pool of each Redis client, as it does
// the database pools; a drill's few checks keep the small default.
func TestRedisPoolSizeFollowsConnections(t *testing.T) {
	for _, tt := range []struct {
		connections, wantOpen, wantIdle int
	}{{0, 4, idleConnsPerPool}, {16, 16, 16}} {
		env := NewEnv(Deps{Connections: tt.connections})
		options := env.redisClient(redisTarget{address: "127.0.0.1:1"}).Options()
		if options.PoolSize != tt.wantOpen || options.MaxIdleConns != tt.wantIdle {
			t.Errorf("Connections %d: pool size %d, idle %d; want %d, %d", tt.connections, options.PoolSize, options.MaxIdleConns, tt.wantOpen, tt.wantIdle)
		}
		if err := env.Close(); err != nil || len(env.redisClients) != 0 {
			t.Errorf("Close: %v, %d clients left", err, len(env.redisClients))
		}
	}
}

// A server that drops the connection attempt (a firewall) or accepts and
// never answers (stuck) ends the attempt at its timeout, and the next
// attempt is bounded again: a timed-out connection is not reused.
func TestRedisHangingServerEndsAtTimeout(t *testing.T) {
	k := kind(t, "redis")
	for name, address := range map[string]func(*testing.T) string{
		"connection attempt dropped": hangingAddress,
		"accepted, never answered":   silentAddress,
	} {
		t.Run(name, func(t *testing.T) {
			call := Call{Kind: k, Config: config(t, k, map[string]cty.Value{"address": cty.StringVal(address(t))}), Timeout: 200 * time.Millisecond, Retries: 1, RetryEvery: time.Millisecond}
			started := time.Now()
			outcome := execute(t, call)
			if elapsed := time.Since(started); elapsed > 2*time.Second {
				t.Errorf("two attempts took %s, want about 400ms", elapsed)
			}
			if outcome.Passed || outcome.Attempts != 2 || !strings.HasPrefix(outcome.Message, "timed out after 200ms: redis PING at ") {
				t.Errorf("passed=%v attempts=%d message=%q", outcome.Passed, outcome.Attempts, outcome.Message)
			}
		})
	}
}

// tls = true against a server that speaks plain RESP: the server waits
// for the rest of a command that the TLS greeting seemed to start, so the
// attempt ends at its timeout, not later.
func TestRedisTLSAgainstPlainServerEndsAtTimeout(t *testing.T) {
	address := redisAddress(t)
	k := kind(t, "redis")
	outcome := execute(t, Call{Kind: k, Config: config(t, k, map[string]cty.Value{"address": cty.StringVal(address), "tls": cty.True}), Timeout: 300 * time.Millisecond})
	if outcome.Passed || !strings.HasPrefix(outcome.Message, "timed out after 300ms: redis PING at "+address) {
		t.Errorf("passed=%v message=%q", outcome.Passed, outcome.Message)
	}
}

// A command still blocked on the server when the attempt times out ends
// there too: the kind closes its connection, and Redis drops the client
// that waited in BLPOP (CLIENT LIST no longer shows it).
func TestRedisTimeoutEndsTheCommandOnTheServer(t *testing.T) {
	address := redisAddress(t)
	k := kind(t, "redis")
	key := fmt.Sprintf("redrill:test:blocked:%d:%d", os.Getpid(), time.Now().UnixNano())
	call := Call{Kind: k, Config: config(t, k, map[string]cty.Value{"address": cty.StringVal(address), "command": strs("BLPOP", key, "0")}), Timeout: 300 * time.Millisecond}
	outcome := execute(t, call)
	if outcome.Passed || !strings.HasPrefix(outcome.Message, "timed out after 300ms") {
		t.Fatalf("passed=%v message=%q, want a timeout", outcome.Passed, outcome.Message)
	}
	admin := redis.NewClient(&redis.Options{Addr: address, Protocol: 2, DisableIdentity: true})
	defer admin.Close()
	deadline := time.Now().Add(2 * time.Second)
	for {
		clients, err := admin.ClientList(context.Background()).Result()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(clients, "cmd=blpop") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("2s after the timeout a client still waits in BLPOP on the server:\n%s", clients)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
