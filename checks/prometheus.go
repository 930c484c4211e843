package checks

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"github.com/zclconf/go-cty/cty"
)

// prometheusKind evaluates a PromQL query on a Prometheus server:
// `prometheus { url = "http://prometheus:9090", query = "..." }`.
type prometheusKind struct{ declaration }

func init() { register(newPrometheusKind()) }

// sampleType is one sample of a query's result.
var sampleType = cty.Object(map[string]cty.Type{
	"labels": cty.Map(cty.String),
	"value":  cty.Number,
	"time":   cty.String,
})

func newPrometheusKind() prometheusKind {
	return prometheusKind{declaration{
		name: "prometheus",
		spec: hcldec.ObjectSpec{
			"url":                  required("url", cty.String),
			"query":                required("query", cty.String),
			"time":                 optional("time", cty.String),
			"insecure_skip_verify": optional("insecure_skip_verify", cty.Bool),
			"timeout":              optionalDuration("timeout"),
		},
		result: resultType(map[string]cty.Type{
			"value":    cty.Number,
			"samples":  cty.List(sampleType),
			"duration": cty.Number,
		}),
		defaultTimeout: 30 * time.Second,
	}}
}

// Run evaluates the query at time (default now). value is the sample's
// value when the result is one sample or a scalar; samples lists them all.
func (prometheusKind) Run(ctx context.Context, env *Env, config cty.Value) (map[string]cty.Value, error) {
	at := env.Now()
	if text := stringAttr(config, "time"); text != "" {
		parsed, err := time.Parse(time.RFC3339, text)
		if err != nil {
			return nil, fmt.Errorf("time %q is not RFC 3339, such as \"2026-12-01T03:00:00Z\"", text)
		}
		at = parsed
	}
	client, err := api.NewClient(api.Config{
		Address: stringAttr(config, "url"),
		Client:  &http.Client{Transport: env.transport(boolAttr(config, "insecure_skip_verify", false))},
	})
	if err != nil {
		return nil, fmt.Errorf("prometheus url: %w", err)
	}
	started := env.Now()
	value, _, _, err := promv1.NewAPI(client).Query(ctx, stringAttr(config, "query"), at)
	duration := seconds(env.Now().Sub(started))
	if err != nil {
		return map[string]cty.Value{"duration": duration}, fmt.Errorf("prometheus query: %w", err)
	}
	samples, err := samplesOf(value)
	if err != nil {
		return map[string]cty.Value{"duration": duration}, err
	}
	fields := map[string]cty.Value{"samples": cty.ListValEmpty(sampleType), "duration": duration}
	if len(samples) > 0 {
		fields["samples"] = cty.ListVal(samples)
	}
	if len(samples) == 1 {
		fields["value"] = samples[0].GetAttr("value")
	}
	return fields, nil
}

// samplesOf reads an instant query's result: a vector or a scalar.
func samplesOf(value model.Value) ([]cty.Value, error) {
	switch v := value.(type) {
	case *model.Scalar:
		return []cty.Value{sample(nil, v.Value, v.Timestamp)}, nil
	case model.Vector:
		samples := make([]cty.Value, 0, len(v))
		for _, s := range v {
			samples = append(samples, sample(s.Metric, s.Value, s.Timestamp))
		}
		return samples, nil
	}
	return nil, fmt.Errorf("the query returned a %s: give an instant query, which returns a vector or a scalar", value.Type())
}

func sample(metric model.Metric, value model.SampleValue, at model.Time) cty.Value {
	labels := cty.MapValEmpty(cty.String)
	if len(metric) > 0 {
		m := make(map[string]cty.Value, len(metric))
		for name, label := range metric {
			m[string(name)] = cty.StringVal(string(label))
		}
		labels = cty.MapVal(m)
	}
	number := cty.NullVal(cty.Number) // NaN, which cty cannot hold
	if f := float64(value); !math.IsNaN(f) {
		number = cty.NumberFloatVal(f)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"labels": labels,
		"value":  number,
		"time":   cty.StringVal(at.Time().UTC().Format(time.RFC3339Nano)),
	})
}

func (prometheusKind) Succeeded(result cty.Value) (bool, string) {
	samples := result.GetAttr("samples")
	if samples.IsNull() {
		return false, "the query did not run"
	}
	if samples.LengthInt() == 0 {
		return false, "the query returned no sample"
	}
	return true, ""
}
