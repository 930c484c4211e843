package scenarios_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/redrill/redrill/scenarios"
)

// benchCommon is the one file every generated scenario shares: its
// variables and locals.
const benchCommon = `variable "scratch_dsn" {
  description = "Database dumps are restored into; dropped and recreated."
  default     = "postgres://postgres:hunter2@127.0.0.1:5432/restore_drill?sslmode=disable"
  sensitive   = true
}

variable "dump_dir" {
  default = "/var/backups"
}

variable "api" {
  default = "http://127.0.0.1:8080"
}

variable "jobs" {
  type    = number
  default = 4
}

locals {
  admin_dsn = replace(var.scratch_dsn, "/restore_drill", "/postgres")
  api_base  = trimsuffix(var.api, "/")
}
`

// benchScenario is a realistic drill: %[1]s is its service name, %[2]d its
// number, and %[3]d and %[4]d the minute and hour of its weekly schedule.
const benchScenario = `scenario "%[1]s-restore" {
  description = "Restore the %[1]s database from last night's dump and bring its API back."
  owner       = "db-team"
  tags        = ["postgres", "tier-1", "%[1]s"]
  timeout     = "2h"

  postmortem {
    id      = "PM-%[2]d"
    title   = "%[1]s database corrupted; restore ran past plan"
    url     = "https://wiki.example.com/postmortems/%[2]d"
    date    = "2026-03-14"
    finding = "Restore time was never measured on the new hardware."
  }

  objective {
    rto = "30m"
    rpo = "24h"
  }

  schedule {
    cron     = "%[3]d %[4]d * * SAT"
    timezone = "Europe/Paris"
  }

  steady_state {
    check "dump-is-fresh" {
      file { path = "${var.dump_dir}/%[1]s/latest.dump" }
      assert {
        condition     = result.age < duration("26h")
        error_message = "last night's dump of %[1]s is missing or stale"
      }
    }
  }

  recover {
    step "create" {
      sql {
        dsn   = local.admin_dsn
        query = "CREATE DATABASE restore_%[2]d"
      }
      assert {
        condition = result.error == ""
      }
    }
    step "restore" {
      command {
        run     = ["pg_restore", "--jobs=${var.jobs}", "--dbname", var.scratch_dsn, "${var.dump_dir}/%[1]s/latest.dump"]
        env     = { PGAPPNAME = "redrill-%[1]s" }
        timeout = "90m"
      }
      assert {
        condition     = result.exit_code == 0
        error_message = "pg_restore failed: ${result.stderr}"
      }
    }
    step "warm-cache" {
      retries     = 3
      retry_every = "5s"
      http {
        url    = "${local.api_base}/%[1]s/warm"
        method = "POST"
        body   = jsonencode({ restore_seconds = steps.restore.duration })
      }
      assert {
        condition     = result.status == 200
        error_message = "cache warm-up answered ${result.status}"
      }
    }
  }

  recovered_when {
    every   = "1s"
    timeout = "1h"
    check "rows-present" {
      sql {
        dsn   = var.scratch_dsn
        query = "SELECT count(*) FROM %[1]s"
      }
      assert {
        condition     = result.value > 0
        error_message = "%[1]s is empty after the restore"
      }
    }
  }

  data_loss {
    sql {
      dsn   = var.scratch_dsn
      query = "SELECT max(created_at) FROM %[1]s"
    }
    newest_record = result.value
  }

  rollback {
    step "drop-scratch" {
      sql {
        dsn   = local.admin_dsn
        query = "DROP DATABASE IF EXISTS restore_%[2]d"
      }
    }
  }
}
`

// writeBenchScenarios writes n scenario files and the shared file into dir.
func writeBenchScenarios(tb testing.TB, dir string, n int) {
	tb.Helper()
	if err := os.WriteFile(filepath.Join(dir, "common.hcl"), []byte(benchCommon), 0o644); err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		service := fmt.Sprintf("service-%04d", i)
		src := fmt.Sprintf(benchScenario, service, i, i%60, i%24)
		if err := os.WriteFile(filepath.Join(dir, service+".hcl"), []byte(src), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// diagnosticsText renders diagnostics with their source lines.
func diagnosticsText(tb testing.TB, files map[string]*hcl.File, diags hcl.Diagnostics) string {
	tb.Helper()
	var buf bytes.Buffer
	if err := hcl.NewDiagnosticTextWriter(&buf, files, 100, false).WriteDiagnostics(diags); err != nil {
		tb.Fatal(err)
	}
	return buf.String()
}

// BenchmarkLoad1000Files loads a folder of 1,000 scenario files plus the
// file of variables and locals they share.
func BenchmarkLoad1000Files(b *testing.B) {
	const files = 1000
	dir := b.TempDir()
	writeBenchScenarios(b, dir, files)

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		set, diags := scenarios.Load(dir, scenarios.Options{})
		if diags.HasErrors() {
			b.Fatalf("load failed:\n%s", diagnosticsText(b, set.Files, diags))
		}
		if len(set.Scenarios) != files {
			b.Fatalf("loaded %d scenarios, want %d", len(set.Scenarios), files)
		}
	}
}
