package scenarios

import (
	"reflect"
	"testing"
)

// A scenario's and a game day's runner blocks are the labels a runner
// must have; without one, any runner may run them.
func TestRunnerLabels(t *testing.T) {
	src := `
variable "site" {
  default = "eu-west"
}
scenario "eu-restore" {
  runner {
    labels = { site = var.site, hw = "nvme-2026" }
  }
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
}
scenario "anywhere" {
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
}
gameday "eu" {
  start     = "2030-01-01T09:00:00Z"
  scenarios = ["eu-restore"]
  runner {
    labels = { site = "eu-west" }
  }
}
`
	set, diags := LoadSources(map[string][]byte{"s.hcl": []byte(src)}, Options{})
	if diags.HasErrors() {
		t.Fatalf("unexpected errors:\n%s", diagnosticText(t, set.Files, diags))
	}
	if got := set.Scenarios[0].RunnerLabels; !reflect.DeepEqual(got, map[string]string{"site": "eu-west", "hw": "nvme-2026"}) {
		t.Errorf("eu-restore runner labels = %v", got)
	}
	if got := set.Scenarios[1].RunnerLabels; got != nil {
		t.Errorf("anywhere runner labels = %v, want none", got)
	}
	if got := set.GameDays[0].RunnerLabels; !reflect.DeepEqual(got, map[string]string{"site": "eu-west"}) {
		t.Errorf("game day runner labels = %v", got)
	}
}
