package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
)

// An attempt decoded in two parts, what reads workload on each attempt and
// the rest once, is what decoding its whole body gives, marks, errors and
// all.
func TestAttemptsDecodeAsTheWholeBody(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("t0ken"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		body  string
		split bool
	}{
		{"sql with a secret DSN and the attempt's arguments", `sql {
      dsn   = "postgres://drill:${var.password}@db/orders"
      query = "INSERT INTO writes (seq, at) VALUES ($1, $2)"
      args  = [workload.seq, workload.at]
    }`, true},
		{"http reading an earlier result and the attempt in its headers", `http {
      url     = "http://db/${steps.count.value}"
      method  = "POST"
      headers = { "X-Seq" = "${workload.seq}", "X-Fixed" = "yes" }
      body    = jsonencode({ at = workload.at })
    }`, true},
		{"a body that reads nothing of the attempt", `tcp { address = "db:5432" }`, true},
		{"an attribute failing on one attempt", `sql {
      dsn   = "postgres://db/orders"
      query = "SELECT 1"
      args  = [tonumber(workload.seq == 2 ? "two" : workload.seq)]
    }`, true},
		{"an attribute failing on every attempt", `sql {
      dsn   = "postgres://db/orders"
      query = steps.count.rows[3].name
      args  = [workload.seq]
    }`, false},
		{"a file read on each attempt: it may change", `command { run = ["send", file("` + tokenFile + `"), "${workload.seq}"] }`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := `variable "password" {
  default   = "s3cret"
  sensitive = true
}
scenario "load" {
  steady_state {
    check "count" {
      sql {
        dsn   = "postgres://db/orders"
        query = "SELECT count(*) FROM orders"
      }
    }
  }
  recover {
    step "wait" {
      command { run = ["true"] }
    }
  }
  workload "writer" {
    rate = 100
    ` + tt.body + `
    assert {
      condition = result.error == "" && workload.seq != 3
    }
  }
}`
			set, diags := LoadSources(map[string][]byte{"load.hcl": []byte(src)}, Options{})
			if diags.HasErrors() {
				t.Fatalf("unexpected errors:\n%s", diagnosticText(t, set.Files, diags))
			}
			w := set.Scenario("load").Workloads[0]
			results := Results{"count": sqlResult(cty.NumberIntVal(42), 1)}
			attempts := set.Attempts(w, results)
			if attempts.split != tt.split {
				t.Fatalf("split = %v, want %v", attempts.split, tt.split)
			}
			whole := &Attempts{set: set, w: w, ctx: attempts.ctx}
			started := time.Date(2026, 12, 1, 9, 30, 0, 123456789, time.UTC)
			for seq := int64(1); seq <= 3; seq++ {
				at := started.Add(time.Duration(seq) * time.Millisecond)
				got, gotDiags := attempts.Config(seq, at)
				want, wantDiags := whole.Config(seq, at)
				if !got.RawEquals(want) {
					t.Errorf("attempt %d: config %#v, decoding the whole body gives %#v", seq, got, want)
				}
				if gotDiags.Error() != wantDiags.Error() {
					t.Errorf("attempt %d: diagnostics %q, decoding the whole body gives %q", seq, gotDiags.Error(), wantDiags.Error())
				}
				unmarked, _ := got.UnmarkDeep()
				if plain := Unmarked(got); plain.ContainsMarked() || !plain.RawEquals(unmarked) {
					t.Errorf("attempt %d: Unmarked(config) = %#v", seq, plain)
				}
				failures := attempts.CheckAsserts(sqlResult(cty.NumberIntVal(1), 1), seq, at)
				if (len(failures) > 0) != (seq == 3) {
					t.Errorf("attempt %d: assert failures %+v, want one for attempt 3 only", seq, failures)
				}
			}
			if strings.Contains(tt.name, "failing on one") {
				if _, diags := attempts.Config(2, started); !diags.HasErrors() {
					t.Error(`attempt 2 converted "two" to a number without error`)
				}
			}
		})
	}
}
