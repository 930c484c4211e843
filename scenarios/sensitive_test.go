package scenarios

import (
	"slices"
	"strings"
	"testing"
)

const derivedSecretsScenario = `
variable "pw" {
  default   = "xyz-abc"
  sensitive = true
}

variable "pin" {
  type      = number
  default   = 1234
  sensitive = true
}

variable "ratio" {
  type      = number
  default   = 1234.5
  sensitive = true
}

locals {
  shout = upper(var.pw)
}

scenario "derived" {
  recover {
    step "upper" {
      command { run = ["echo", upper(var.pw)] }
    }
    step "replace" {
      command { run = ["echo", replace(var.pw, "-", "_")] }
    }
    step "interpolation" {
      command { run = ["echo", "${var.pw}x"] }
    }
    step "jsonencode" {
      command { run = ["echo", jsonencode({ password = var.pw })] }
    }
    step "local" {
      command { run = ["echo", local.shout] }
    }
    step "number" {
      sql {
        dsn   = "postgres://127.0.0.1/orders"
        query = "SELECT $1, $2"
        args  = [var.pin, var.ratio]
      }
    }
    step "arithmetic" {
      command { run = ["echo", "${var.pin * 2}"] }
    }
    step "template" {
      command { run = ["sh", "-c", "echo ${upper(var.pw)} ${var.pin + 1}; exit 3"] }
    }
    step "plain" {
      command { run = ["echo", "nothing secret"] }
    }
  }
}
`

func TestSensitiveTextsFollowValuesComputedFromSecrets(t *testing.T) {
	set, diags := LoadSources(map[string][]byte{"derived.hcl": []byte(derivedSecretsScenario)}, Options{})
	if diags.HasErrors() {
		t.Fatalf("unexpected errors:\n%s", diagnosticText(t, set.Files, diags))
	}
	sc := set.Scenario("derived")
	tests := []struct {
		step string
		want []string
	}{
		{step: "upper", want: []string{"XYZ-ABC"}},
		{step: "replace", want: []string{"xyz_abc"}},
		{step: "interpolation", want: []string{"xyz-abcx"}},
		{step: "jsonencode", want: []string{`{"password":"xyz-abc"}`}},
		{step: "local", want: []string{"XYZ-ABC"}},
		{step: "number", want: []string{"1234", "1234.5"}},
		{step: "arithmetic", want: []string{"2468"}},
		{step: "template", want: []string{"XYZ-ABC", "1235", "xyz-abc"}},
		{step: "plain", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.step, func(t *testing.T) {
			var step *Step
			for _, s := range sc.Steps() {
				if s.Name == tt.step {
					step = s
				}
			}
			config, diags := set.StepConfig(step, Results{})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			got := append(SensitiveTexts(config), set.StepSecrets(step, Results{})...)
			for _, want := range tt.want {
				if !slices.Contains(got, want) {
					t.Errorf("SensitiveTexts = %q, want it to hold %q", got, want)
				}
			}
			if tt.want == nil && len(got) > 0 {
				t.Errorf("SensitiveTexts = %q, want none", got)
			}
			if planned, config := SensitiveTexts(step.Planned), SensitiveTexts(config); !slices.Equal(planned, config) {
				t.Errorf("before the run: %q, at run time: %q", planned, got)
			}
		})
	}
}

func TestScenarioSecretsHoldVariablesAndDerivedValues(t *testing.T) {
	set, diags := LoadSources(map[string][]byte{"derived.hcl": []byte(derivedSecretsScenario)}, Options{})
	if diags.HasErrors() {
		t.Fatalf("unexpected errors:\n%s", diagnosticText(t, set.Files, diags))
	}
	got := set.ScenarioSecrets(set.Scenario("derived"))
	for _, want := range []string{"xyz-abc", "1234", "1234.5", "XYZ-ABC", "xyz_abc", "2468", "1235"} {
		if !slices.Contains(got, want) {
			t.Errorf("ScenarioSecrets = %q, want it to hold %q", got, want)
		}
	}
	if slices.Contains(got, "nothing secret") {
		t.Errorf("ScenarioSecrets holds a value that is not secret: %q", got)
	}
}

func TestSensitiveNumberVariableIsASecretValue(t *testing.T) {
	set, diags := LoadSources(map[string][]byte{"derived.hcl": []byte(derivedSecretsScenario)}, Options{})
	if diags.HasErrors() {
		t.Fatalf("unexpected errors:\n%s", diagnosticText(t, set.Files, diags))
	}
	got := set.SecretValues()
	for _, want := range []string{"xyz-abc", "1234", "1234.5"} {
		if !slices.Contains(got, want) {
			t.Errorf("SecretValues = %q, want it to hold %q", got, want)
		}
	}
}

func TestErrorsAboutValuesComputedFromSecretsDoNotQuoteThem(t *testing.T) {
	src := `
variable "token" {
  default   = "s3cret"
  sensitive = true
}

scenario "errors" {
  recover {
    step "restore" {
      command { run = ["echo", "restored"] }
      assert {
        condition = result.exit_code == unix("${result.stdout}${upper(var.token)}")
      }
    }
    step "seed" {
      command { run = ["echo", unix("${steps.restore.stdout}${upper(var.token)}")] }
    }
  }
}
`
	set, diags := LoadSources(map[string][]byte{"errors.hcl": []byte(src)}, Options{})
	if diags.HasErrors() {
		t.Fatalf("unexpected errors:\n%s", diagnosticText(t, set.Files, diags))
	}
	sc := set.Scenario("errors")

	failures := set.CheckAsserts(sc.Recover[0], commandResult(0, ""), Results{})
	if len(failures) != 1 || strings.Contains(failures[0].Message, "S3CRET") || !strings.Contains(failures[0].Message, sensitiveDetail) {
		t.Errorf("assert failures = %+v, want one that says its detail is hidden", failures)
	}

	_, diags = set.StepConfig(sc.Recover[1], Results{"restore": commandResult(0, "")})
	if text := diags.Error(); !diags.HasErrors() || strings.Contains(text, "S3CRET") || !strings.Contains(text, sensitiveDetail) {
		t.Errorf("step config diagnostics = %q, want an error whose detail is hidden", text)
	}

	_, diags = LoadSources(map[string][]byte{"load.hcl": []byte(strings.NewReplacer("${steps.restore.stdout}", "", "${result.stdout}", "").Replace(src))}, Options{})
	if text := diags.Error(); !diags.HasErrors() || strings.Contains(text, "S3CRET") || !strings.Contains(text, sensitiveDetail) {
		t.Errorf("load diagnostics = %q, want an error whose detail is hidden", text)
	}
}
