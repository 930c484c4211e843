package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redrill/redrill/internal/pgtest"
	"github.com/redrill/redrill/reports"
	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/store"
)

// The derived secrets of derivedSecretDrill: upper(var.pw),
// replace(var.pw, "-", "_") and the sensitive number var.pin.
var derivedSecrets = []string{"XYZZY-PLUGH", "xyzzy_plugh", "48151"}

// derivedSecretDrill fails a command on purpose after printing values
// computed from secrets, on stdout and stderr; {{rollback}} is replaced by
// rollback steps of the test's own.
const derivedSecretDrill = `
variable "pw" {
  sensitive = true
}

variable "pin" {
  type      = number
  sensitive = true
  default   = 48151
}

scenario "derived-secrets" {
  recover {
    step "echo" {
      command {
        run = ["sh", "-c", "echo ${upper(var.pw)} ${replace(var.pw, "-", "_")} ${var.pin}; echo ${upper(var.pw)} failed >&2; exit 3"]
      }
    }
  }
  {{rollback}}
}

notify "hook" {
  webhook = "{{webhook}}"
}
`

func TestDerivedSecretsAreHiddenEverywhere(t *testing.T) {
	runDerivedSecretDrill(t, "")
}

// PostgreSQL echoes the name of a missing relation: a value computed from
// a secret that redrill never printed itself.
func TestDerivedSecretEchoedByPostgresIsHidden(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	failures := runDerivedSecretDrill(t, `rollback {
    step "query" {
      sql {
        dsn   = "`+dsn+`"
        query = "SELECT * FROM \"${upper(var.pw)}\""
      }
    }
  }`)
	if !strings.Contains(failures, `relation "(sensitive)" does not exist`) {
		t.Errorf("the PostgreSQL error is not there with its value hidden:\n%s", failures)
	}
}

// runDerivedSecretDrill runs the drill twice, once recorded in SQLite and
// once with every write spooled, and fails the test if a derived secret
// appears in anything the drill produced. It returns the run's reason and
// step messages.
func runDerivedSecretDrill(t *testing.T, rollback string) string {
	t.Helper()
	hook := &receiver{}
	server := httptest.NewServer(hook.handler(http.StatusOK))
	defer server.Close()
	src := strings.NewReplacer("{{rollback}}", rollback, "{{webhook}}", server.URL).Replace(derivedSecretDrill)
	set, diags := scenarios.LoadSources(map[string][]byte{"drill.hcl": []byte(src)}, scenarios.Options{Vars: []string{"pw=xyzzy-plugh"}})
	if diags.HasErrors() {
		t.Fatalf("scenario: %s", diags.Error())
	}

	dir := t.TempDir()
	history, err := store.Open(context.Background(), filepath.Join(dir, "history.db"), store.Options{SpoolDir: filepath.Join(dir, "spool")})
	if err != nil {
		t.Fatal(err)
	}
	defer history.Close()
	var logs bytes.Buffer
	notifier := NewNotifier(set.Notifiers, slog.New(slog.NewTextHandler(&logs, nil)))
	result := Run(context.Background(), set, set.Scenarios[0], Options{Store: history, Observe: notifier.Observe})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	notifier.Wait(ctx)
	if result.Verdict != store.VerdictFailed {
		t.Fatalf("verdict %s (%s), want failed: the command exits 3", result.Verdict, result.Reason)
	}
	var failures strings.Builder
	failures.WriteString(result.Reason + "\n")
	for _, step := range result.Steps {
		failures.WriteString(step.Message + "\n")
	}

	seen := map[string]string{}
	resultJSON, _ := json.Marshal(result)
	seen["the Result"] = string(resultJSON)
	stored, steps, err := history.Run(context.Background(), result.ID)
	if err != nil {
		t.Fatal(err)
	}
	storedSteps, _ := json.Marshal(steps)
	seen["the stored steps"] = string(storedSteps)
	seen["the stored reason"] = stored.Reason
	seen["the stored source"] = stored.ScenarioSource
	record := store.Record{Run: stored, Steps: steps}
	var shown, asJSON, junit bytes.Buffer
	if err := reports.WriteRun(&shown, record); err != nil {
		t.Fatal(err)
	}
	if err := reports.WriteRunJSON(&asJSON, record); err != nil {
		t.Fatal(err)
	}
	if err := reports.WriteJUnit(&junit, []store.Record{result.Record}); err != nil {
		t.Fatal(err)
	}
	seen["show"], seen["show --format json"], seen["JUnit"] = shown.String(), asJSON.String(), junit.String()
	hook.mu.Lock()
	if len(hook.bodies) != 2 {
		t.Errorf("the webhook got %d posts, want start and finish", len(hook.bodies))
	}
	seen["the webhook bodies"] = strings.Join(hook.bodies, "\n")
	hook.mu.Unlock()
	seen["the notifier's log"] = logs.String()

	// Again with a store that never answers in time: every write is spooled.
	spoolDir := filepath.Join(t.TempDir(), "spool")
	slow, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "history.db"), store.Options{SpoolDir: spoolDir, WriteTimeout: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	spooledResult := Run(context.Background(), set, set.Scenarios[0], Options{Store: slow})
	if spooledResult.StoreError == nil {
		t.Error("the run with a store that never answers has no store error: nothing was spooled")
	}
	spooled := readDir(t, spoolDir)
	if spooled == "" {
		t.Error("the spool is empty")
	}
	seen["the spool files"] = spooled

	for where, text := range seen {
		for _, secret := range append(derivedSecrets, "xyzzy-plugh") {
			if strings.Contains(text, secret) {
				t.Errorf("%s show %q:\n%s", where, secret, text)
			}
		}
	}
	if !strings.Contains(seen["the stored steps"], "(sensitive) (sensitive) (sensitive)") {
		t.Errorf("the command's output is not there with its values hidden: %s", seen["the stored steps"])
	}
	return failures.String()
}

// readDir returns the contents of every file in dir.
func readDir(t *testing.T, dir string) string {
	t.Helper()
	var all strings.Builder
	_ = filepath.WalkDir(dir, func(path string, entry os.DirEntry, err error) error {
		if err != nil || entry.IsDir() {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		_, _ = io.Copy(&all, f)
		return nil
	})
	return all.String()
}
