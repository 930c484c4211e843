package checks

import (
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/zclconf/go-cty/cty"
)

// prometheusServer starts a real Prometheus (Debian's prometheus package)
// scraping a small exporter of the test every second, and returns its URL
// once it holds a sample of the exporter. Without the program the test is
// skipped, except under CI=true, where it fails.
func prometheusServer(t testing.TB) string {
	t.Helper()
	binary, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("prometheus is not installed and CI=true: install Debian's prometheus package")
		}
		t.Skip("prometheus is not installed; install Debian's prometheus package to run this test")
	}
	registry := prometheus.NewRegistry()
	errors := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "drill_error_ratio", Help: "Errors per request."}, []string{"site"})
	errors.WithLabelValues("eu-west").Set(0.004)
	errors.WithLabelValues("us-east").Set(0.02)
	registry.MustRegister(errors)
	exporter := httptest.NewServer(promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	t.Cleanup(exporter.Close)

	dir := t.TempDir()
	config := fmt.Sprintf("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: drill\n    static_configs:\n      - targets: [%q]\n",
		strings.TrimPrefix(exporter.URL, "http://"))
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	address := freeAddress(t)
	cmd := exec.Command(binary, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+address, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url := "http://" + address
	env := NewEnv(Deps{})
	defer env.Close()
	eventually(t, 60*time.Second, "Prometheus holds a sample of the exporter", func() bool {
		return promQuery(t, env, url, "drill_error_ratio", nil).Passed
	})
	return url
}

func freeAddress(t testing.TB) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close()
	return listener.Addr().String()
}

func promQuery(t testing.TB, env *Env, url, query string, extra map[string]cty.Value) Outcome {
	t.Helper()
	k := kind(t, "prometheus")
	attrs := map[string]cty.Value{"url": cty.StringVal(url), "query": cty.StringVal(query)}
	for name, value := range extra {
		attrs[name] = value
	}
	return env.Execute(t.Context(), Call{Kind: k, Config: config(t, k, attrs), Timeout: 5 * time.Second})
}

func TestPrometheus(t *testing.T) {
	url := prometheusServer(t)
	env := NewEnv(Deps{})
	defer env.Close()

	t.Run("one sample gives its value", func(t *testing.T) {
		outcome := promQuery(t, env, url, `drill_error_ratio{site="eu-west"}`, nil)
		if !outcome.Passed || field(t, outcome.Result, "value") != 0.004 {
			t.Errorf("passed=%v value=%v (%s), want 0.004", outcome.Passed, field(t, outcome.Result, "value"), outcome.Message)
		}
		labels := outcome.Result.GetAttr("samples").Index(cty.NumberIntVal(0)).GetAttr("labels")
		if labels.Index(cty.StringVal("site")).AsString() != "eu-west" || labels.Index(cty.StringVal("job")).AsString() != "drill" {
			t.Errorf("labels %#v", labels)
		}
	})
	t.Run("several samples have no single value", func(t *testing.T) {
		outcome := promQuery(t, env, url, `drill_error_ratio`, nil)
		if !outcome.Passed || outcome.Result.GetAttr("samples").LengthInt() != 2 || !outcome.Result.GetAttr("value").IsNull() {
			t.Errorf("passed=%v result %#v, want two samples and no value", outcome.Passed, outcome.Result)
		}
	})
	t.Run("a scalar", func(t *testing.T) {
		outcome := promQuery(t, env, url, `scalar(max(drill_error_ratio)) * 100`, nil)
		if !outcome.Passed || field(t, outcome.Result, "value") != 2.0 {
			t.Errorf("passed=%v value=%v (%s), want 2", outcome.Passed, field(t, outcome.Result, "value"), outcome.Message)
		}
	})
	t.Run("an empty result fails", func(t *testing.T) {
		outcome := promQuery(t, env, url, `drill_error_ratio > 1`, nil)
		if outcome.Passed || outcome.Message != "the query returned no sample" {
			t.Errorf("passed=%v message=%q", outcome.Passed, outcome.Message)
		}
	})
	t.Run("before the data there is none", func(t *testing.T) {
		outcome := promQuery(t, env, url, `drill_error_ratio`, map[string]cty.Value{"time": cty.StringVal("2020-01-01T00:00:00Z")})
		if outcome.Passed {
			t.Errorf("a query at a time before any sample passed: %#v", outcome.Result)
		}
	})
	t.Run("a query that does not parse says why", func(t *testing.T) {
		outcome := promQuery(t, env, url, `sum(`, nil)
		if outcome.Passed || !strings.Contains(outcome.Message, "prometheus query: bad_data") {
			t.Errorf("passed=%v message=%q", outcome.Passed, outcome.Message)
		}
	})
	t.Run("the asserts of a drill read it", func(t *testing.T) {
		k := kind(t, "prometheus")
		call := Call{Kind: k, Config: config(t, k, map[string]cty.Value{"url": cty.StringVal(url), "query": cty.StringVal(`max(drill_error_ratio)`)}),
			Judge: func(result cty.Value) (bool, string) {
				v, _ := result.GetAttr("value").AsBigFloat().Float64()
				return v < 0.01, fmt.Sprintf("error ratio %v is not under 1%%", v)
			}}
		if outcome := env.Execute(t.Context(), call); outcome.Passed || !strings.Contains(outcome.Message, "0.02") {
			t.Errorf("passed=%v message=%q, want the assert to fail on 0.02", outcome.Passed, outcome.Message)
		}
	})
}
