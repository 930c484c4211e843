package checks

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
)

func TestTCP(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { listener.Close() })
	go func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			conn.Close()
		}
	}()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddress := closed.Addr().String()
	closed.Close()
	tcp := kind(t, "tcp")

	tests := []struct {
		name          string
		address       string
		wantPassed    bool
		wantConnected any
		wantMessage   string
	}{
		{name: "an open port connects", address: listener.Addr().String(), wantPassed: true, wantConnected: true},
		{name: "a refused connection is a result, not an error", address: closedAddress, wantConnected: false, wantMessage: "not connected"},
		{name: "an address without a port could not run", address: "127.0.0.1", wantConnected: nil, wantMessage: `address "127.0.0.1": address 127.0.0.1: missing port in address; write host:port, such as "db.internal:5432"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outcome := execute(t, Call{Kind: tcp, Config: config(t, tcp, map[string]cty.Value{"address": cty.StringVal(tt.address)})})
			if outcome.Passed != tt.wantPassed || outcome.Message != tt.wantMessage {
				t.Errorf("passed=%v message=%q, want %v %q", outcome.Passed, outcome.Message, tt.wantPassed, tt.wantMessage)
			}
			if got := field(t, outcome.Result, "connected"); got != tt.wantConnected {
				t.Errorf("connected = %v, want %v", got, tt.wantConnected)
			}
		})
	}
}

func TestFile(t *testing.T) {
	dir := t.TempDir()
	dump := filepath.Join(dir, "latest.dump")
	if err := os.WriteFile(dump, []byte("PGDMP..."), 0o644); err != nil {
		t.Fatal(err)
	}
	modified := time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)
	if err := os.Chtimes(dump, modified, modified); err != nil {
		t.Fatal(err)
	}
	file := kind(t, "file")
	env := NewEnv(Deps{Now: func() time.Time { return modified.Add(26 * time.Hour) }})
	t.Cleanup(func() { env.Close() })

	present := env.Execute(t.Context(), Call{Kind: file, Config: config(t, file, map[string]cty.Value{"path": cty.StringVal(dump)})})
	want := map[string]any{"exists": true, "size": 8.0, "modified": "2026-11-24T03:00:00Z", "age": 93600.0}
	for name, value := range want {
		if got := field(t, present.Result, name); got != value {
			t.Errorf("%s = %#v, want %#v", name, got, value)
		}
	}
	if !present.Passed {
		t.Errorf("an existing file failed: %s", present.Message)
	}

	missing := env.Execute(t.Context(), Call{Kind: file, Config: config(t, file, map[string]cty.Value{"path": cty.StringVal(filepath.Join(dir, "nope.dump"))})})
	if missing.Passed || missing.Message != "the file does not exist" {
		t.Errorf("missing file: passed=%v message=%q", missing.Passed, missing.Message)
	}
	if field(t, missing.Result, "exists") != false || field(t, missing.Result, "error") != "" || field(t, missing.Result, "size") != nil {
		t.Errorf("missing file result = %#v", missing.Result)
	}

	var judged cty.Value
	asserted := env.Execute(t.Context(), Call{
		Kind:   file,
		Config: config(t, file, map[string]cty.Value{"path": cty.StringVal(dump)}),
		Judge: func(result cty.Value) (bool, string) {
			judged = result
			return false, "dump is stale"
		},
	})
	if asserted.Passed || asserted.Message != "dump is stale" || judged == cty.NilVal {
		t.Errorf("a judge's verdict was not used: passed=%v message=%q", asserted.Passed, asserted.Message)
	}
	if !strings.HasPrefix(field(t, judged, "modified").(string), "2026-11-24") {
		t.Errorf("the judge did not see the result")
	}
}

// A stat that hangs in the kernel (a network mount that stopped answering)
// ends with the step's timeout.
func TestFileOnHungMountTimesOut(t *testing.T) {
	path := filepath.Join(hangingMount(t), "latest.dump")
	file := kind(t, "file")

	started := time.Now()
	outcome := execute(t, Call{Kind: file, Config: config(t, file, map[string]cty.Value{"path": cty.StringVal(path)}), Timeout: 300 * time.Millisecond})
	if outcome.Passed || !strings.HasPrefix(outcome.Message, "timed out after 300ms") {
		t.Errorf("passed=%v message=%q, want a timeout", outcome.Passed, outcome.Message)
	}
	if elapsed := time.Since(started); elapsed > 2*time.Second {
		t.Errorf("the check returned after %s; its timeout was 300ms", elapsed)
	}
}
