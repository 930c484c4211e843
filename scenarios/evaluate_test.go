package scenarios

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

const evaluateScenario = `
variable "token" {
  default   = "s3cret"
  sensitive = true
}

scenario "restore" {
  steady_state {
    check "count-before" {
      sql {
        dsn   = "postgres://127.0.0.1/orders"
        query = "SELECT count(*) FROM orders"
      }
    }
  }
  recover {
    step "restore" {
      command {
        run = ["pg_restore", "--rows", "${steps.count-before.value}"]
      }
      assert {
        condition     = result.exit_code == 0
        error_message = "pg_restore failed: ${result.stderr}"
      }
    }
  }
  recovered_when {
    timeout = "1m"
    check "count-after" {
      sql {
        dsn   = "postgres://127.0.0.1/orders"
        query = "SELECT count(*) FROM orders"
      }
      assert {
        condition = result.value >= steps.count-before.value
      }
      assert {
        condition     = result.row_count == 1
        error_message = "token ${var.token} saw no row"
      }
    }
  }
  data_loss {
    sql {
      dsn   = "postgres://127.0.0.1/orders"
      query = "SELECT max(created_at) FROM orders"
    }
    newest_record = result.value
  }
  rollback {
    step "report" {
      command { run = ["echo", try(steps.restore.stdout, "restore did not run")] }
    }
  }
}
`

func loadEvaluateScenario(t *testing.T) (*Set, *Scenario) {
	t.Helper()
	set, diags := LoadSources(map[string][]byte{"restore.hcl": []byte(evaluateScenario)}, Options{})
	if diags.HasErrors() {
		t.Fatalf("unexpected errors:\n%s", diagnosticText(t, set.Files, diags))
	}
	return set, set.Scenario("restore")
}

func sqlResult(value cty.Value, rowCount int64) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"rows": cty.EmptyTupleVal, "row_count": cty.NumberIntVal(rowCount), "value": value,
		"duration": cty.NumberFloatVal(0.01), "error": cty.StringVal(""),
	})
}

func commandResult(exitCode int64, stderr string) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"exit_code": cty.NumberIntVal(exitCode), "stdout": cty.StringVal("restored"), "stderr": cty.StringVal(stderr),
		"duration": cty.NumberFloatVal(1.5), "error": cty.StringVal(""),
	})
}

func TestStepConfigReadsEarlierResults(t *testing.T) {
	set, sc := loadEvaluateScenario(t)
	config, diags := set.StepConfig(sc.Recover[0], Results{"count-before": sqlResult(cty.NumberIntVal(1200), 1)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	want := cty.ListVal([]cty.Value{cty.StringVal("pg_restore"), cty.StringVal("--rows"), cty.StringVal("1200")})
	if got := config.GetAttr("run"); !got.RawEquals(want) {
		t.Errorf("run = %#v, want %#v", got, want)
	}
}

func TestCheckAsserts(t *testing.T) {
	set, sc := loadEvaluateScenario(t)
	before := Results{"count-before": sqlResult(cty.NumberIntVal(1200), 1)}
	tests := []struct {
		name    string
		step    *Step
		result  cty.Value
		results Results
		want    []string
	}{
		{
			name:   "passing asserts report nothing",
			step:   sc.Recover[0],
			result: commandResult(0, ""), results: before,
		},
		{
			name:   "a failing assert reports its message and the compared values",
			step:   sc.Recover[0],
			result: commandResult(1, "relation exists"), results: before,
			want: []string{`pg_restore failed: relation exists (result.exit_code = 1)`},
		},
		{
			name:   "without error_message the condition is shown",
			step:   sc.RecoveredWhen.Checks[0],
			result: sqlResult(cty.NumberIntVal(900), 1), results: before,
			want: []string{`result.value >= steps.count-before.value (result.value = 900, steps.count-before.value = 1200)`},
		},
		{
			name:   "a sensitive error message is hidden",
			step:   sc.RecoveredWhen.Checks[0],
			result: sqlResult(cty.NumberIntVal(1300), 0), results: before,
			want: []string{`(sensitive) (result.row_count = 0)`},
		},
		{
			name:   "a null value fails with an explanation instead of passing",
			step:   sc.RecoveredWhen.Checks[0],
			result: sqlResult(cty.NullVal(cty.Number), 1), results: before,
			want: []string{`result.value >= steps.count-before.value: Operation failed`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			failures := set.CheckAsserts(tt.step, tt.result, tt.results)
			var got []string
			for _, f := range failures {
				got = append(got, f.Message)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("failures = %q, want %q", got, tt.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("failure %d = %q, want it to start with %q", i, got[i], tt.want[i])
				}
				if strings.Contains(got[i], "s3cret") {
					t.Errorf("failure shows a sensitive value: %q", got[i])
				}
			}
		})
	}
}

func TestRollbackReadsAStepThatDidNotRunAsNull(t *testing.T) {
	set, sc := loadEvaluateScenario(t)
	config, diags := set.StepConfig(sc.Rollback[0], Results{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if got := config.GetAttr("run").Index(cty.NumberIntVal(1)); !got.RawEquals(cty.StringVal("restore did not run")) {
		t.Errorf("run[1] = %#v", got)
	}
}

func TestNewestRecord(t *testing.T) {
	set, sc := loadEvaluateScenario(t)
	got, diags := set.NewestRecord(sc.DataLoss, sqlResult(cty.StringVal("2026-11-25T03:00:00Z"), 1), nil)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if !got.RawEquals(cty.StringVal("2026-11-25T03:00:00Z")) {
		t.Errorf("newest_record = %#v", got)
	}
}
