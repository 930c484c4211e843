package checks

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/zclconf/go-cty/cty"
)

// The redis check against the bare go-redis client, side by side, both
// sending PING to the machine's Redis over a kept connection: the
// difference is the check's overhead (the attempt's timeout context, the
// result object, redaction). Target: under 10% of the bare command or
// 50 µs, whichever is larger.
func BenchmarkRedisPing(b *testing.B) {
	address := redisAddress(b)
	ctx := context.Background()

	b.Run("bare", func(b *testing.B) {
		client := redis.NewClient(&redis.Options{Addr: address, Protocol: 2, DisableIdentity: true, ContextTimeoutEnabled: true, MaxRetries: -1})
		b.Cleanup(func() { _ = client.Close() })
		b.ReportAllocs()
		for b.Loop() {
			if reply, err := client.Do(ctx, "PING").Result(); err != nil || reply != "PONG" {
				b.Fatal(reply, err)
			}
		}
	})
	b.Run("check", func(b *testing.B) {
		redisKind, _ := Builtin().Lookup("redis")
		env := NewEnv(Deps{}, "unrelated-secret")
		b.Cleanup(func() { _ = env.Close() })
		call := Call{Kind: redisKind, Config: benchConfig(redisKind, map[string]cty.Value{"address": cty.StringVal(address)})}
		b.ReportAllocs()
		for b.Loop() {
			if outcome := env.Execute(ctx, call); !outcome.Passed {
				b.Fatal(outcome.Message)
			}
		}
	})
}
