package runner

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"testing"

	"github.com/redrill/redrill/internal/pgtest"
	"github.com/redrill/redrill/store"
)

// crashUnderLoad writes to a server of its own, crashes it (an immediate
// stop: the server dies, the kernel keeps what it was given) mid-workload,
// starts it again and counts the acknowledged writes back.
const crashUnderLoad = `scenario "crash-under-load" {
	objective {
		lost_writes = 0
	}
	setup {
		step "table" {
			sql {
				dsn   = "{{dsn}}"
				query = "CREATE TABLE drill_writes (seq bigint PRIMARY KEY, at timestamptz NOT NULL)"
			}
		}
	}
	workload "writer" {
		rate        = 500
		concurrency = 4
		timeout     = "2s"
		warmup      = "2s"
		sql {
			dsn   = "{{dsn}}"
			query = "INSERT INTO drill_writes (seq, at) VALUES ($1, $2)"
			args  = [workload.seq, workload.at]
		}
		verify {
			survivors = [for row in result.rows : [row.first, row.last]]
			sql {
				dsn   = "{{dsn}}"
				query = "SELECT min(seq) AS first, max(seq) AS last FROM (SELECT seq, seq - row_number() OVER (ORDER BY seq) AS island FROM drill_writes) AS s GROUP BY island ORDER BY first"
			}
		}
	}
	disrupt {
		step "crash" {
			command { run = {{crash}} }
		}
	}
	recover {
		step "start" {
			command { run = {{start}} }
		}
	}
	recovered_when {
		every   = "100ms"
		timeout = "1m"
		check "accepts-writes" {
			sql {
				dsn   = "{{dsn}}"
				query = "SELECT 1"
			}
		}
	}
}`

// A server that acknowledges commits before they are durable loses some
// when it crashes: the drill counts them, measures an RPO above 0 and
// misses lost_writes = 0. The same drill on a server whose commits wait
// for the disk loses none.
func TestCrashUnderLoadCountsLostAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("creates and crashes two PostgreSQL clusters")
	}
	tests := []struct {
		name     string
		settings map[string]string
		lossy    bool
	}{
		{"synchronous_commit off", pgtest.LossyCommits(), true},
		{"synchronous_commit on", pgtest.DurableCommits(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cluster := pgtest.NewCluster(t, tt.settings)
			dsn := cluster.URL("postgres")
			argv := func(args []string) string { text, _ := json.Marshal(args); return string(text) }
			src := strings.NewReplacer("{{dsn}}", dsn, "{{crash}}", argv(cluster.CrashCommand()), "{{start}}", argv(cluster.StartCommand())).Replace(crashUnderLoad)
			result, _, _ := drill(t, context.Background(), src)
			if len(result.Workloads) != 1 || result.Workloads[0].Verified == nil {
				t.Fatalf("verdict %s (%s): the workload was not verified", result.Verdict, result.Reason)
			}
			w := result.Workloads[0]
			lost := w.Verified
			t.Logf("%s: %d attempts, %d acknowledged, %d lost (%d before the clock), RPO %v, longest outage %s",
				tt.name, w.Attempts, lost.Acknowledged, lost.Lost, lost.LostBeforeClock, result.RPO, w.LongestOutage)
			if lost.Acknowledged < 500 {
				t.Fatalf("only %d writes acknowledged before verify: the workload did not run", lost.Acknowledged)
			}
			if !tt.lossy {
				if result.Verdict != store.VerdictMet || lost.Lost != 0 || result.RPO == nil || *result.RPO != 0 {
					t.Errorf("verdict %s (%s), %d lost, RPO %v: want met, none lost", result.Verdict, result.Reason, lost.Lost, result.RPO)
				}
				return
			}
			if result.Verdict != store.VerdictMissed || !strings.Contains(result.Reason, "acknowledged writes lost; the objective allows 0") {
				t.Errorf("verdict %s (%s), want missed for lost writes", result.Verdict, result.Reason)
			}
			// The RPO covers the writes lost, whether the crash came before
			// or after the clock started (the crash command takes a moment).
			if lost.Lost == 0 || result.RPO == nil || *result.RPO <= 0 || *result.RPO < lost.LastLost.AckedAt.Sub(lost.FirstLost.AckedAt) {
				t.Errorf("%d lost, from %s to %s; RPO %v: want an RPO above 0 that spans them", lost.Lost, lost.FirstLost.AckedAt, lost.LastLost.AckedAt, result.RPO)
			}
			// What redrill calls lost is not in the table; what it calls
			// the newest survivor is.
			db, err := sql.Open("postgres", dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var first, last, newest int
			err = db.QueryRow(`SELECT count(*) FILTER (WHERE seq = $1), count(*) FILTER (WHERE seq = $2), count(*) FILTER (WHERE seq = $3) FROM drill_writes`,
				lost.FirstLost.Seq, lost.LastLost.Seq, lost.NewestSurvivor.Seq).Scan(&first, &last, &newest)
			if err != nil || first != 0 || last != 0 || newest != 1 {
				t.Errorf("in the table: first lost %d, last lost %d, newest survivor %d (%v); want 0, 0, 1", first, last, newest, err)
			}
		})
	}
}
