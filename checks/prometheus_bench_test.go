package checks

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"github.com/zclconf/go-cty/cty"
)

// The prometheus check against the bare client_golang API, both asking a
// real Prometheus for the same instant query (one sample) over a kept
// connection: the difference is the check's overhead (the attempt's
// timeout context, the client built per run, the samples turned into a
// result object, redaction). Target: under 10% of the bare query or
// 50 µs, whichever is larger. Both run in one benchmark, against one
// server, so that they meet the same machine.
func BenchmarkPrometheusQuery(b *testing.B) {
	url := prometheusServer(b)
	const query = `drill_error_ratio{site="eu-west"}`
	ctx := context.Background()

	b.Run("bare", func(b *testing.B) {
		// The transport the check's Env builds (Env.transport).
		transport := http.DefaultTransport.(*http.Transport).Clone()
		transport.MaxIdleConnsPerHost = 4
		b.Cleanup(transport.CloseIdleConnections)
		client, err := api.NewClient(api.Config{Address: url, Client: &http.Client{Transport: transport}})
		if err != nil {
			b.Fatal(err)
		}
		prom := promv1.NewAPI(client)
		b.ReportAllocs()
		for b.Loop() {
			value, _, _, err := prom.Query(ctx, query, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			if vector, ok := value.(model.Vector); !ok || len(vector) != 1 {
				b.Fatalf("query returned %v, want one sample", value)
			}
		}
	})
	b.Run("check", func(b *testing.B) {
		prometheusKind, _ := Builtin().Lookup("prometheus")
		env := NewEnv(Deps{}, "unrelated-secret")
		b.Cleanup(func() { _ = env.Close() })
		call := Call{Kind: prometheusKind, Config: benchConfig(prometheusKind, map[string]cty.Value{
			"url":   cty.StringVal(url),
			"query": cty.StringVal(query),
		})}
		b.ReportAllocs()
		for b.Loop() {
			if outcome := env.Execute(ctx, call); !outcome.Passed {
				b.Fatal(outcome.Message)
			}
		}
	})
}
