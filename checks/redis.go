package checks

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/redis/go-redis/v9"
	"github.com/zclconf/go-cty/cty"
)

// redisKind sends one command to a Redis server:
// `redis { address = "cache:6379", command = ["GET", "orders:last"] }`.
type redisKind struct{ declaration }

func init() { register(newRedisKind()) }

func newRedisKind() redisKind {
	return redisKind{declaration{
		name: "redis",
		spec: hcldec.ObjectSpec{
			"address":  required("address", cty.String),
			"password": optional("password", cty.String),
			"db":       optional("db", cty.Number),
			"command":  optional("command", cty.List(cty.String)),
			"tls":      optional("tls", cty.Bool),
			"timeout":  optionalDuration("timeout"),
		},
		result: resultType(map[string]cty.Type{
			// The shape of the reply depends on the command.
			"value":    cty.DynamicPseudoType,
			"info":     cty.Map(cty.Map(cty.String)),
			"duration": cty.Number,
		}),
		// A server that accepts and never answers must not hang a step that
		// gives no timeout.
		defaultTimeout: 10 * time.Second,
	}}
}

// redisTarget is what tells one server connection from another: a client
// (and its pool) is kept for each.
type redisTarget struct {
	address, password string
	db                int
	tls               bool
}

func (redisKind) Run(ctx context.Context, env *Env, config cty.Value) (map[string]cty.Value, error) {
	target := redisTarget{
		address:  stringAttr(config, "address"),
		password: stringAttr(config, "password"),
		tls:      boolAttr(config, "tls", false),
	}
	// A password written as a literal, not from a sensitive variable, is
	// hidden all the same.
	env.Redactor.Add(target.password)
	if _, _, err := net.SplitHostPort(target.address); err != nil {
		return nil, fmt.Errorf("address %q: %w; write host:port, such as \"cache.internal:6379\"", target.address, err)
	}
	if db := config.GetAttr("db"); !db.IsNull() {
		n, accuracy := db.AsBigFloat().Int64()
		if accuracy != big.Exact || n < 0 || n > 1<<16 {
			return nil, fmt.Errorf("db %s: a database is a whole number from 0, such as 0 or 3", db.AsBigFloat().Text('g', -1))
		}
		target.db = int(n)
	}
	command := stringListAttr(config, "command")
	if len(command) == 0 {
		command = []string{"PING"}
	}
	args := make([]any, len(command))
	for i, arg := range command {
		args[i] = arg
	}
	name := strings.ToUpper(command[0])

	client := env.redisClient(target)
	started := env.Now()
	reply, err := client.Do(ctx, args...).Result()
	duration := seconds(env.Now().Sub(started))
	fields := map[string]cty.Value{"duration": duration}
	if errors.Is(err, redis.Nil) {
		// A missing key is a reply, not a failure: GET of a key that is not
		// there is null.
		fields["value"] = cty.NullVal(cty.DynamicPseudoType)
		return fields, nil
	}
	if err != nil {
		if deadline, ok := ctx.Deadline(); ok && !time.Now().Before(deadline) {
			// The connection's deadline is the context's; wait for the
			// context to say so, so that the step reads as timed out.
			<-ctx.Done()
			return fields, fmt.Errorf("redis %s at %s: %w", name, target.address, context.Cause(ctx))
		}
		return fields, fmt.Errorf("redis %s at %s: %w", name, target.address, err)
	}
	fields["value"] = redisValue(reply)
	if text, ok := reply.(string); ok && name == "INFO" {
		fields["info"] = redisInfo(text)
	}
	return fields, nil
}

func (redisKind) Succeeded(result cty.Value) (bool, string) {
	// A command that was answered is a success; error replies never reach
	// here. An answered command measured its duration.
	if result.GetAttr("duration").IsNull() {
		return false, "the command did not run"
	}
	return true, ""
}

// redisClient returns the client for a server, making it on first use, so
// that a check polled every second does not reconnect each time.
func (e *Env) redisClient(target redisTarget) *redis.Client {
	e.mu.Lock()
	defer e.mu.Unlock()
	if client, ok := e.redisClients[target]; ok {
		return client
	}
	options := &redis.Options{
		Addr:     target.address,
		Password: target.password,
		DB:       target.db,
		// RESP2: replies are strings, numbers and lists on every server
		// version, and no HELLO is sent before the command.
		Protocol:        2,
		DisableIdentity: true,
		// The attempt's context bounds every command, its deadline set on
		// the connection.
		ContextTimeoutEnabled: true,
		// A command is sent once: a retry on a new connection would report
		// an interrupted write as done, or make it twice (see queryOnce).
		MaxRetries: -1,
		// One dial an attempt: redrill's retries are the step's, each
		// bounded by its timeout.
		DialerRetries: 1,
		PoolSize:      e.open,
		MaxIdleConns:  e.idle,
	}
	if target.tls {
		options.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	client := redis.NewClient(options)
	e.redisClients[target] = client
	return client
}

// redisValue converts a reply: strings, numbers, lists as tuples, nil as
// null; a map (from a RESP3 proxy) as an object.
func redisValue(reply any) cty.Value {
	switch x := reply.(type) {
	case nil:
		return cty.NullVal(cty.DynamicPseudoType)
	case string:
		return cty.StringVal(x)
	case int64:
		return cty.NumberIntVal(x)
	case float64:
		return cty.NumberFloatVal(x)
	case bool:
		return cty.BoolVal(x)
	case []any:
		if len(x) == 0 {
			return cty.EmptyTupleVal
		}
		elements := make([]cty.Value, len(x))
		for i, element := range x {
			elements[i] = redisValue(element)
		}
		return cty.TupleVal(elements)
	case map[any]any:
		if len(x) == 0 {
			return cty.EmptyObjectVal
		}
		attrs := make(map[string]cty.Value, len(x))
		for key, element := range x {
			attrs[fmt.Sprint(key)] = redisValue(element)
		}
		return cty.ObjectVal(attrs)
	case error:
		// An error inside a list reply (EXEC of a failed transaction).
		return cty.StringVal(x.Error())
	}
	return cty.StringVal(fmt.Sprint(reply))
}

// redisInfo parses the reply of INFO: "# Replication" starts the section
// replication, and each "name:value" line below it is an entry.
func redisInfo(text string) cty.Value {
	sections := map[string]map[string]cty.Value{}
	var section map[string]cty.Value
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if heading, ok := strings.CutPrefix(line, "#"); ok {
			section = map[string]cty.Value{}
			sections[strings.ToLower(strings.TrimSpace(heading))] = section
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || section == nil {
			continue
		}
		section[name] = cty.StringVal(value)
	}
	if len(sections) == 0 {
		return cty.MapValEmpty(cty.Map(cty.String))
	}
	info := make(map[string]cty.Value, len(sections))
	for name, entries := range sections {
		if len(entries) == 0 {
			info[name] = cty.MapValEmpty(cty.String)
			continue
		}
		info[name] = cty.MapVal(entries)
	}
	return cty.MapVal(info)
}
