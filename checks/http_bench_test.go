package checks

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// The http check against a bare net/http request to the same local server,
// both with keep-alive connections: the difference is the check's overhead
// (building the request from HCL values, the result object, JSON decoding,
// redaction). Target: under 10% of the bare request.
func benchmarkServer(b *testing.B) *httptest.Server {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status": "ok", "role": "primary", "replicas": 2}`)
	}))
	b.Cleanup(server.Close)
	return server
}

func BenchmarkHTTPBare(b *testing.B) {
	server := benchmarkServer(b)
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	b.ReportAllocs()
	for b.Loop() {
		resp, err := client.Get(server.URL + "/health")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadAll(resp.Body); err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatal(resp.Status)
		}
	}
}

func BenchmarkHTTPCheck(b *testing.B) {
	server := benchmarkServer(b)
	httpKind, _ := Builtin().Lookup("http")
	env := NewEnv("unrelated-secret")
	b.Cleanup(func() { env.Close() })
	call := Call{Kind: httpKind, Config: benchConfig(httpKind, map[string]cty.Value{"url": cty.StringVal(server.URL + "/health")})}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if outcome := env.Execute(ctx, call); !outcome.Passed {
			b.Fatal(outcome.Message)
		}
	}
}

func benchConfig(kind Kind, attrs map[string]cty.Value) cty.Value {
	values := map[string]cty.Value{}
	for name, spec := range kind.Spec() {
		_ = spec
		values[name] = cty.NullVal(cty.DynamicPseudoType)
	}
	for name, value := range attrs {
		values[name] = value
	}
	return cty.ObjectVal(values)
}
