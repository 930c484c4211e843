package runner

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/redrill/redrill/store"
)

// A drill records what its measure blocks measured, in the order they
// ran, in its result and in the store; a measure whose value is not a
// number fails like a check, saying where the value was written.
func TestMeasuresAreRecorded(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		verdict  string
		measures []store.Measure
		reason   string
	}{
		{
			name: "sizes before and rows after the restore are recorded",
			src: `scenario "sized" {
  steady_state {
    measure "database_size" {
      command { run = ["printf", " 4096\n"] }
      value = result.stdout
      unit  = "bytes"
    }
  }
  setup {
    step "dump" {
      command { run = ["sh", "-c", "printf 0123456789 > {{dir}}/dump"] }
    }
    measure "dump_size" {
      file { path = "{{dir}}/dump" }
      value = result.size
      unit  = "bytes"
    }
  }
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
  data_loss {
    command { run = ["date", "-u", "+%s"] }
    newest_record = tonumber(trimspace(result.stdout))
    measure "rows_restored" {
      command { run = ["echo", "1234"] }
      value = tonumber(trimspace(result.stdout)) + 1
      unit  = "rows"
    }
  }
}`,
			verdict: store.VerdictMet,
			measures: []store.Measure{
				{Name: "database_size", Unit: store.UnitBytes, Value: 4096, Phase: "steady_state"},
				{Name: "dump_size", Unit: store.UnitBytes, Value: 10, Phase: "setup"},
				{Name: "rows_restored", Unit: store.UnitRows, Value: 1235, Phase: "data_loss"},
			},
		},
		{
			name: "a value that is not a number aborts the drill in steady_state",
			src: `scenario "unsized" {
  steady_state {
    measure "database_size" {
      command { run = ["echo", "12 MB"] }
      value = result.stdout
      unit  = "bytes"
    }
  }
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
}`,
			verdict:  store.VerdictAborted,
			measures: []store.Measure{},
			reason:   `measure value at drill.hcl:5:15 is "12 MB", not a number`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			result, _, history := drill(t, context.Background(), tt.src)
			if result.Verdict != tt.verdict {
				t.Fatalf("verdict %s (%s), want %s", result.Verdict, result.Reason, tt.verdict)
			}
			if !reflect.DeepEqual(result.Measures, tt.measures) {
				t.Errorf("measures %+v, want %+v", result.Measures, tt.measures)
			}
			stored, steps, err := history.Run(context.Background(), result.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(stored.Measures, tt.measures) {
				t.Errorf("stored measures %+v, want %+v", stored.Measures, tt.measures)
			}
			if tt.reason != "" {
				var messages []string
				for _, s := range steps {
					messages = append(messages, s.Message)
				}
				if !strings.Contains(strings.Join(messages, "\n"), tt.reason) {
					t.Errorf("step messages %q, want one saying %q", messages, tt.reason)
				}
			}
		})
	}
}
