package checks

import (
	"context"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/zclconf/go-cty/cty"

	"github.com/redrill/redrill/internal/s3test"
)

// The object check against the bare minio-go client, both asking a
// SeaweedFS server for one object (HEAD) over a kept connection: the
// difference is the check's overhead (the attempt's timeout context, the
// result object, redaction). Target: under 10% of the bare request or
// 50 µs, whichever is larger. Both run in one benchmark, against one
// server, so that they meet the same machine.
func BenchmarkObjectStat(b *testing.B) {
	store := s3test.New(b)
	bucket := store.NewBucket(b)
	store.Put(b, bucket, "orders/latest.dump", []byte("a dump"))
	ctx := context.Background()

	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := store.Client.StatObject(ctx, bucket, "orders/latest.dump", minio.StatObjectOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("check", func(b *testing.B) {
		objectKind, _ := Builtin().Lookup("object")
		env := NewEnv(Deps{}, "unrelated-secret")
		b.Cleanup(func() { _ = env.Close() })
		call := Call{Kind: objectKind, Config: benchConfig(objectKind, map[string]cty.Value{
			"endpoint":   cty.StringVal("http://" + store.Endpoint),
			"bucket":     cty.StringVal(bucket),
			"key":        cty.StringVal("orders/latest.dump"),
			"access_key": cty.StringVal(store.AccessKey),
			"secret_key": cty.StringVal(store.SecretKey),
		})}
		b.ReportAllocs()
		for b.Loop() {
			if outcome := env.Execute(ctx, call); !outcome.Passed {
				b.Fatal(outcome.Message)
			}
		}
	})
}
