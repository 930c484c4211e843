package main

import (
	"strings"
	"testing"
)

const sensitiveVariables = `variable "pw" {
  sensitive = true
}

variable "pin" {
  type      = number
  sensitive = true
}

scenario "restore" {
  recover {
    step "restore" {
      command {
        run = ["sh", "-c", "echo ${upper(var.pw)}; exit ${var.pin}", replace(var.pw, "-", "_"), "${var.pw}x"]
      }
    }
  }
}
`

// A mistake in a --var-file is shown by FILE:LINE:COL and the message,
// never by the line: the line holds the secret.
func TestVarFileErrorsDoNotQuoteTheFile(t *testing.T) {
	tests := []struct {
		name     string
		varFile  string
		wantLine string
		wantText string
	}{
		{
			name:     "a syntax error",
			varFile:  "pw = \"hunter2-secret\nvarfile_pin = 7\n",
			wantLine: "secret.vars.hcl:1:",
			wantText: "error: ",
		},
		{
			name:     "a value of the wrong type",
			varFile:  "pw = \"hunter2-secret\"\npin = \"hunter2-secret\"\n",
			wantLine: "secret.vars.hcl:2:7: error: Invalid value for variable",
			wantText: "a number is required",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeFile(t, dir, "drill.hcl", sensitiveVariables)
			varFile := writeFile(t, dir, "secret.vars.hcl", tt.varFile)
			code, _, stderr := run(t, "validate", "--var-file", varFile, path)
			if code != 2 {
				t.Fatalf("exit code %d, want 2\n%s", code, stderr)
			}
			if strings.Contains(stderr, "hunter2") || strings.Contains(stderr, "varfile_pin") {
				t.Errorf("the diagnostic quotes the var file:\n%s", stderr)
			}
			if !strings.Contains(stderr, tt.wantLine) || !strings.Contains(stderr, tt.wantText) {
				t.Errorf("stderr does not say %q ... %q:\n%s", tt.wantLine, tt.wantText, stderr)
			}
		})
	}
}

func TestSensitiveDefaultOfTheWrongTypeIsNotQuoted(t *testing.T) {
	path := writeFile(t, t.TempDir(), "drill.hcl", `variable "pw" {
  sensitive = true
  type      = number
  default   = "s3cret"
}

scenario "restore" {
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
}
`)
	code, _, stderr := run(t, "validate", path)
	if code != 2 || strings.Contains(stderr, "s3cret") {
		t.Errorf("exit %d, want 2 without the value:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "drill.hcl:1:1: error: Invalid value for variable") || !strings.Contains(stderr, `variable "pw" from default is not a number`) {
		t.Errorf("the diagnostic does not point at the variable:\n%s", stderr)
	}
}

// Values computed from a sensitive variable read (sensitive) in the plan.
func TestPlanHidesValuesComputedFromSecrets(t *testing.T) {
	path := writeFile(t, t.TempDir(), "drill.hcl", sensitiveVariables)
	code, stdout, stderr := run(t, "plan", "--var", "pw=xyzzy-plugh", "--var", "pin=48151", path)
	if code != 0 {
		t.Fatalf("exit code %d\n%s", code, stderr)
	}
	for _, secret := range []string{"xyzzy", "XYZZY", "48151"} {
		if strings.Contains(stdout, secret) {
			t.Errorf("plan shows %q:\n%s", secret, stdout)
		}
	}
	if !strings.Contains(stdout, `run = ["sh", "-c", (sensitive), (sensitive), (sensitive)]`) {
		t.Errorf("plan does not show the derived values as (sensitive):\n%s", stdout)
	}
}
