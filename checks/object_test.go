package checks

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/zclconf/go-cty/cty"

	"github.com/redrill/redrill/internal/s3test"
)

// The object kind against a real S3 server: SeaweedFS, started by the test.
func TestObject(t *testing.T) {
	store := s3test.New(t)
	bucket := store.NewBucket(t)
	older := store.Put(t, bucket, "orders/2026-11-30.dump", []byte("yesterday's dump"))
	// The newest must be newer to the store's clock, which lists times to
	// the second: write again until it is.
	var newest minio.ObjectInfo
	eventually(t, 5*time.Second, "an object newer than the first", func() bool {
		newest = store.Put(t, bucket, "orders/2026-12-01.dump", []byte("today's dump, longer"))
		return newest.LastModified.After(older.LastModified)
	})
	store.Put(t, bucket, "logs/ignored.txt", []byte("not a backup"))

	k := kind(t, "object")
	now := newest.LastModified.Add(90 * time.Second)
	env := NewEnv(Deps{Now: func() time.Time { return now }})
	t.Cleanup(func() { _ = env.Close() })
	check := func(t *testing.T, attrs map[string]cty.Value) Outcome {
		t.Helper()
		all := map[string]cty.Value{
			"endpoint":   cty.StringVal("http://" + store.Endpoint),
			"bucket":     cty.StringVal(bucket),
			"access_key": cty.StringVal(store.AccessKey),
			"secret_key": cty.StringVal(store.SecretKey),
		}
		for name, value := range attrs {
			all[name] = value
		}
		return env.Execute(context.Background(), Call{Kind: k, Config: config(t, k, all)})
	}

	t.Run("a key that exists: its size, time and age", func(t *testing.T) {
		outcome := check(t, map[string]cty.Value{"key": cty.StringVal("orders/2026-11-30.dump")})
		if !outcome.Passed {
			t.Fatalf("message %q", outcome.Message)
		}
		r := outcome.Result
		wantAge := now.Sub(older.LastModified).Seconds()
		if field(t, r, "exists") != true || field(t, r, "size") != float64(len("yesterday's dump")) ||
			field(t, r, "count") != 1.0 || field(t, r, "age") != wantAge ||
			field(t, r, "modified") != older.LastModified.UTC().Format(time.RFC3339Nano) {
			t.Errorf("result %#v, want the object, %v s old", r, wantAge)
		}
		if key := r.GetAttr("newest").GetAttr("key").AsString(); key != "orders/2026-11-30.dump" {
			t.Errorf("newest.key = %q", key)
		}
	})
	t.Run("the newest under a prefix, the count and total size", func(t *testing.T) {
		outcome := check(t, map[string]cty.Value{"prefix": cty.StringVal("orders/")})
		if !outcome.Passed {
			t.Fatalf("message %q", outcome.Message)
		}
		r := outcome.Result
		n := r.GetAttr("newest")
		if got := n.GetAttr("key").AsString(); got != "orders/2026-12-01.dump" {
			t.Errorf("newest.key = %q, want today's dump", got)
		}
		if size, _ := n.GetAttr("size").AsBigFloat().Float64(); size != float64(len("today's dump, longer")) {
			t.Errorf("newest.size = %v", size)
		}
		if age, _ := n.GetAttr("age").AsBigFloat().Float64(); age != 90 {
			t.Errorf("newest.age = %v, want 90", age)
		}
		if field(t, r, "count") != 2.0 || field(t, r, "size") != float64(len("yesterday's dump")+len("today's dump, longer")) {
			t.Errorf("count %v size %v, want the two dumps only", field(t, r, "count"), field(t, r, "size"))
		}
	})
	t.Run("a missing key is a result that fails", func(t *testing.T) {
		outcome := check(t, map[string]cty.Value{"key": cty.StringVal("orders/2026-12-02.dump")})
		if outcome.Passed || outcome.Message != "no such object" || field(t, outcome.Result, "exists") != false || field(t, outcome.Result, "count") != 0.0 {
			t.Errorf("passed=%v message=%q result=%#v", outcome.Passed, outcome.Message, outcome.Result)
		}
	})
	t.Run("an empty prefix is a result that fails", func(t *testing.T) {
		outcome := check(t, map[string]cty.Value{"prefix": cty.StringVal("nothing-here/")})
		if outcome.Passed || field(t, outcome.Result, "exists") != false || !outcome.Result.GetAttr("newest").IsNull() {
			t.Errorf("passed=%v message=%q result=%#v", outcome.Passed, outcome.Message, outcome.Result)
		}
	})
	t.Run("no prefix lists the whole bucket", func(t *testing.T) {
		outcome := check(t, nil)
		if !outcome.Passed || field(t, outcome.Result, "count") != 3.0 {
			t.Errorf("passed=%v message=%q count=%v, want 3", outcome.Passed, outcome.Message, field(t, outcome.Result, "count"))
		}
	})
	t.Run("a bucket that does not exist is an error that names it", func(t *testing.T) {
		outcome := check(t, map[string]cty.Value{"bucket": cty.StringVal("no-such-bucket-here"), "prefix": cty.StringVal("orders/")})
		want := `object store ` + store.Endpoint + ` has no bucket "no-such-bucket-here"`
		if outcome.Passed || outcome.Message != want {
			t.Errorf("message %q, want %q", outcome.Message, want)
		}
	})
	t.Run("a wrong secret is refused and hidden", func(t *testing.T) {
		wrong := "wrong-secret-" + store.SecretKey[:8]
		outcome := check(t, map[string]cty.Value{"key": cty.StringVal("orders/2026-11-30.dump"), "secret_key": cty.StringVal(wrong)})
		if outcome.Passed || !strings.Contains(outcome.Message, "refused the credentials for bucket") {
			t.Errorf("message %q, want the credentials refused", outcome.Message)
		}
		if strings.Contains(outcome.Message, wrong) || strings.Contains(outcome.Result.GoString(), wrong) {
			t.Errorf("the secret key is shown: %q", outcome.Message)
		}
	})
	t.Run("keys from the environment", func(t *testing.T) {
		t.Setenv("AWS_ACCESS_KEY_ID", store.AccessKey)
		t.Setenv("AWS_SECRET_ACCESS_KEY", store.SecretKey)
		outcome := env.Execute(context.Background(), Call{Kind: k, Config: config(t, k, map[string]cty.Value{
			"endpoint": cty.StringVal(store.Endpoint),
			"tls":      cty.False,
			"bucket":   cty.StringVal(bucket),
			"key":      cty.StringVal("orders/2026-12-01.dump"),
		})})
		if !outcome.Passed {
			t.Errorf("message %q", outcome.Message)
		}
	})
	t.Run("an assert on the newest's age", func(t *testing.T) {
		call := Call{Kind: k, Config: config(t, k, map[string]cty.Value{
			"endpoint": cty.StringVal("http://" + store.Endpoint), "bucket": cty.StringVal(bucket), "prefix": cty.StringVal("orders/"),
			"access_key": cty.StringVal(store.AccessKey), "secret_key": cty.StringVal(store.SecretKey),
		}), Judge: func(result cty.Value) (bool, string) {
			age, _ := result.GetAttr("newest").GetAttr("age").AsBigFloat().Float64()
			return age < 60, "the newest backup is too old"
		}}
		if outcome := env.Execute(context.Background(), call); outcome.Passed || outcome.Message != "the newest backup is too old" {
			t.Errorf("passed=%v message=%q, want the assert to fail on an age of 90 s", outcome.Passed, outcome.Message)
		}
	})
}

// Settings the store cannot be asked with are refused before a request.
func TestObjectConfigErrors(t *testing.T) {
	k := kind(t, "object")
	for _, tc := range []struct {
		name  string
		attrs map[string]cty.Value
		want  string
	}{
		{"a bucket in the endpoint", map[string]cty.Value{"endpoint": cty.StringVal("https://s3.amazonaws.com/backups")}, "without a bucket or path"},
		{"an unknown scheme", map[string]cty.Value{"endpoint": cty.StringVal("s3://backups")}, "without a bucket or path"},
		{"a scheme against tls", map[string]cty.Value{"endpoint": cty.StringVal("http://minio:9000"), "tls": cty.True}, "says http and tls says true"},
		{"key and prefix", map[string]cty.Value{"key": cty.StringVal("a"), "prefix": cty.StringVal("b")}, "key and prefix are both set"},
		{"a key without its secret", map[string]cty.Value{"access_key": cty.StringVal("AKIA")}, "access_key and secret_key go together"},
		{"an empty bucket", map[string]cty.Value{"bucket": cty.StringVal("")}, "bucket is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			attrs := map[string]cty.Value{"endpoint": cty.StringVal("127.0.0.1:1"), "bucket": cty.StringVal("backups")}
			for name, value := range tc.attrs {
				attrs[name] = value
			}
			outcome := execute(t, Call{Kind: k, Config: config(t, k, attrs)})
			if outcome.Passed || !strings.Contains(outcome.Message, tc.want) {
				t.Errorf("message %q, want %q", outcome.Message, tc.want)
			}
		})
	}
}
