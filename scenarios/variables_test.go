package scenarios

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
)

// envOf returns a LookupEnv over a fixed environment.
func envOf(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		value, ok := vars[name]
		return value, ok
	}
}

// minimalScenario makes a set valid, so tests see only their own errors.
const minimalScenario = `
scenario "minimal" {
  recover {
    step "noop" {
      command { run = ["true"] }
    }
  }
}
`

func TestVariableValues(t *testing.T) {
	varFile := filepath.Join(t.TempDir(), "prod.vars.hcl")
	if err := os.WriteFile(varFile, []byte("dump = \"/from/var-file\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		src      string
		opts     Options
		variable string
		want     cty.Value
		wantFrom string
	}{
		{
			name:     "default when nothing else is given",
			src:      `variable "dump" { default = "/from/default" }`,
			variable: "dump", want: cty.StringVal("/from/default"), wantFrom: "default",
		},
		{
			name:     "environment beats default",
			src:      `variable "dump" { default = "/from/default" }`,
			opts:     Options{LookupEnv: envOf(map[string]string{"REDRILL_VAR_dump": "/from/env"})},
			variable: "dump", want: cty.StringVal("/from/env"), wantFrom: "REDRILL_VAR_dump",
		},
		{
			name: "var file beats environment",
			src:  `variable "dump" { default = "/from/default" }`,
			opts: Options{
				LookupEnv: envOf(map[string]string{"REDRILL_VAR_dump": "/from/env"}),
				VarFiles:  []string{varFile},
			},
			variable: "dump", want: cty.StringVal("/from/var-file"), wantFrom: "--var-file " + varFile,
		},
		{
			name: "--var beats everything, the last one wins",
			src:  `variable "dump" { default = "/from/default" }`,
			opts: Options{
				LookupEnv: envOf(map[string]string{"REDRILL_VAR_dump": "/from/env"}),
				VarFiles:  []string{varFile},
				Vars:      []string{"dump=/from/first", "dump=/from/flag=with=equals"},
			},
			variable: "dump", want: cty.StringVal("/from/flag=with=equals"), wantFrom: "--var",
		},
		{
			name:     "a list from --var is read as HCL",
			src:      `variable "hosts" { type = list(string) }`,
			opts:     Options{Vars: []string{`hosts=["db-1", "db-2"]`}},
			variable: "hosts", want: cty.ListVal([]cty.Value{cty.StringVal("db-1"), cty.StringVal("db-2")}), wantFrom: "--var",
		},
		{
			name:     "a number from the environment is converted",
			src:      `variable "jobs" { type = number }`,
			opts:     Options{LookupEnv: envOf(map[string]string{"REDRILL_VAR_jobs": "4"})},
			variable: "jobs", want: cty.NumberIntVal(4), wantFrom: "REDRILL_VAR_jobs",
		},
		{
			name:     "a string variable keeps text that looks like HCL",
			src:      `variable "query" { type = string }`,
			opts:     Options{Vars: []string{`query=["not", "a", "list"]`}},
			variable: "query", want: cty.StringVal(`["not", "a", "list"]`), wantFrom: "--var",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, diags := LoadSources(map[string][]byte{"vars.hcl": []byte(tt.src + minimalScenario)}, tt.opts)
			if diags.HasErrors() {
				t.Fatalf("unexpected errors:\n%s", diagnosticText(t, set.Files, diags))
			}
			for _, v := range set.Variables {
				if v.Name != tt.variable {
					continue
				}
				if !v.Value.RawEquals(tt.want) {
					t.Errorf("value = %#v, want %#v", v.Value, tt.want)
				}
				if v.From != tt.wantFrom {
					t.Errorf("from = %q, want %q", v.From, tt.wantFrom)
				}
				return
			}
			t.Fatalf("variable %q not found", tt.variable)
		})
	}
}

func TestVariableErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		opts Options
		want string
	}{
		{
			name: "--var for an undeclared variable",
			src:  `variable "dump" { default = "x" }`,
			opts: Options{Vars: []string{"dmup=/backups/latest.dump"}},
			want: `--var sets "dmup", but no variable of that name is declared. Did you mean "dump"?`,
		},
		{
			name: "--var without a value",
			src:  `variable "dump" { default = "x" }`,
			opts: Options{Vars: []string{"dump"}},
			want: `--var "dump" has no value: write --var NAME=VALUE.`,
		},
		{
			name: "a list variable given text that is not a list",
			src:  `variable "hosts" { type = list(string) }`,
			opts: Options{Vars: []string{"hosts=db-1"}},
			want: `The value of variable "hosts" from --var is not a list of string written in HCL syntax; for example ["a", "b"].`,
		},
		{
			name: "env() of an unset variable without default",
			src:  `locals { home = env("REDRILL_TEST_UNSET") }`,
			want: `environment variable REDRILL_TEST_UNSET is not set; set it, or give a default`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, diags := LoadSources(map[string][]byte{"vars.hcl": []byte(tt.src + minimalScenario)}, tt.opts)
			if !diags.HasErrors() {
				t.Fatal("loaded without errors")
			}
			if text := string(diagnosticText(t, set.Files, diags)); !strings.Contains(strings.Join(strings.Fields(text), " "), tt.want) {
				t.Errorf("errors do not say %q:\n%s", tt.want, text)
			}
		})
	}
}

func TestSensitiveValuesStayHiddenInPlan(t *testing.T) {
	src := `
variable "password" {
  default   = "hunter2"
  sensitive = true
}

locals {
  dsn = "postgres://app:${var.password}@db:5432/orders"
}

scenario "restore" {
  recover {
    step "restore" {
      command { run = ["pg_restore", "--dbname", local.dsn, "/backups/latest.dump"] }
    }
  }
}
`
	set, diags := LoadSources(map[string][]byte{"s.hcl": []byte(src)}, Options{})
	if diags.HasErrors() {
		t.Fatalf("unexpected errors:\n%s", diagnosticText(t, set.Files, diags))
	}
	var plan bytes.Buffer
	if err := set.WritePlan(&plan, PlanOptions{Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plan.String(), "hunter2") {
		t.Fatalf("plan shows the password:\n%s", plan.String())
	}
	if !strings.Contains(plan.String(), `run = ["pg_restore", "--dbname", (sensitive), "/backups/latest.dump"]`) {
		t.Errorf("plan does not show the derived value as (sensitive):\n%s", plan.String())
	}
}

// A password written in a MySQL DSN (no scheme, so not a URL) is hidden
// in the plan like a URL's, though no variable marks it sensitive.
func TestMySQLDSNPasswordHiddenInPlan(t *testing.T) {
	src := `
scenario "restore" {
  timeout = "1h"
  recover {
    step "restore" {
      command { run = ["mysql", "--execute", "SOURCE /backups/latest.sql"] }
    }
  }
  recovered_when {
    check "orders" {
      sql {
        driver = "mysql"
        dsn    = "app:Tr0ub4dor@tcp(db:3306)/orders"
        query  = "SELECT count(*) FROM orders"
      }
    }
  }
}
`
	set, diags := LoadSources(map[string][]byte{"s.hcl": []byte(src)}, Options{})
	if diags.HasErrors() {
		t.Fatalf("unexpected errors:\n%s", diagnosticText(t, set.Files, diags))
	}
	var plan bytes.Buffer
	if err := set.WritePlan(&plan, PlanOptions{Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plan.String(), "Tr0ub4dor") {
		t.Fatalf("plan shows the password:\n%s", plan.String())
	}
	if !strings.Contains(plan.String(), `app:(sensitive)@tcp(db:3306)/orders`) {
		t.Errorf("plan does not show the DSN with its password hidden:\n%s", plan.String())
	}
}

func TestFunctions(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "query.sql"), []byte("SELECT 1"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := `
locals {
  home      = env("REDRILL_TEST_HOME")
  fallback  = env("REDRILL_TEST_UNSET", "none")
  seconds   = duration("1d1h30m")
  epoch     = unix("2026-03-14T09:30:00Z")
  query     = file("query.sql")
  replaced  = replace("db-17.prod", "/[0-9]+/", "N")
  plain     = replace("a.b.c", ".", "-")
  length    = length("héllo")
  safe      = try(jsondecode("not json"), "fallback")
}
` + minimalScenario
	if err := os.WriteFile(filepath.Join(dir, "f.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	set, diags := Load(dir, Options{LookupEnv: envOf(map[string]string{"REDRILL_TEST_HOME": "/home/sre"})})
	if diags.HasErrors() {
		t.Fatalf("unexpected errors:\n%s", diagnosticText(t, set.Files, diags))
	}
	locals := set.evalContext.Variables["local"]
	want := map[string]cty.Value{
		"home":     cty.StringVal("/home/sre"),
		"fallback": cty.StringVal("none"),
		"seconds":  cty.NumberIntVal(91800),
		"epoch":    cty.NumberIntVal(1773480600),
		"query":    cty.StringVal("SELECT 1"),
		"replaced": cty.StringVal("db-N.prod"),
		"plain":    cty.StringVal("a-b-c"),
		"length":   cty.NumberIntVal(5),
		"safe":     cty.StringVal("fallback"),
	}
	for name, wantValue := range want {
		got := locals.GetAttr(name)
		if got.Equals(wantValue).False() {
			t.Errorf("local.%s = %#v, want %#v", name, got, wantValue)
		}
	}
}

// A password or secret key written as a literal is hidden in the plan as
// one from a sensitive variable.
func TestLiteralSecretsAreHiddenInPlan(t *testing.T) {
	for _, tc := range []struct {
		name, block string
		hidden      []string
	}{
		{"a redis password", `redis {
        address  = "cache:6379"
        password = "Lit3ralInPlan"
        command  = ["FLUSHDB"]
      }`, []string{"password"}},
		{"an object store's keys", `object {
        endpoint      = "s3.eu-west-1.amazonaws.com"
        bucket        = "backups"
        access_key    = "AKIAEXAMPLE"
        secret_key    = "Lit3ralInPlan"
        session_token = "Lit3ralInPlanToo"
      }`, []string{"secret_key", "session_token"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "scenario \"s\" {\n  recover {\n    step \"look\" {\n      " + tc.block + "\n    }\n  }\n}\n"
			set, diags := LoadSources(map[string][]byte{"s.hcl": []byte(src)}, Options{})
			if diags.HasErrors() {
				t.Fatalf("unexpected errors:\n%s", diagnosticText(t, set.Files, diags))
			}
			var plan bytes.Buffer
			if err := set.WritePlan(&plan, PlanOptions{Now: time.Now()}); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(plan.String(), "Lit3ralInPlan") {
				t.Fatalf("plan shows a secret:\n%s", plan.String())
			}
			for _, name := range tc.hidden {
				if !regexp.MustCompile(`\b` + name + ` += \(sensitive\)`).MatchString(plan.String()) {
					t.Errorf("plan does not hide %s as (sensitive):\n%s", name, plan.String())
				}
			}
		})
	}
}
