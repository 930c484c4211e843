package checks

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// The http check against a bare net/http request to the same local server,
// both with keep-alive connections: the difference is the check's overhead
// (building the request from HCL values, the result object, JSON decoding,
// redaction). Target: under 10% of the bare request.
//
// The server runs in its own process, as a real service does: in the
// benchmark's process it would compete with the client for the Go
// scheduler, and the figures would measure that instead.
func benchmarkServer(b *testing.B) serverURL {
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchmarkServerProcess$")
	cmd.Env = append(os.Environ(), benchServerEnv+"=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("benchmark server did not start: %v", err)
	}
	return serverURL{URL: strings.TrimSpace(line)}
}

type serverURL struct{ URL string }

const benchServerEnv = "REDRILL_BENCH_SERVER"

// TestBenchmarkServerProcess is the benchmark's server when started by
// benchmarkServer; otherwise it does nothing.
func TestBenchmarkServerProcess(t *testing.T) {
	if os.Getenv(benchServerEnv) != "1" {
		t.Skip("runs only as the HTTP benchmark's server process")
	}
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status": "ok", "role": "primary", "replicas": 2}`)
	}))
	fmt.Println(server.URL)
	// Serve until the benchmark kills this process.
	select {}
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
	env := NewEnv(Deps{}, "unrelated-secret")
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
