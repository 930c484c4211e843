package runner

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/store"
)

// One runner of TestRunnerPoolsAtScale: the test binary started again with
// scaleRunnerEnv set runs one scheduler, in a process of its own, on a fake
// clock that the parent moves over stdin.
//
// The protocol, one line each way:
//
//	child:  "scale: ready"     its jobs wait on the clock
//	parent: "advance"          move the clock one minute on
//	child:  "scale: done N"    every tick of minute N is handled here, and
//	                           every job waits on the clock again
//	parent: "exit"             shut the scheduler down and end
//
// Any other line the child prints (the testing package's) is kept by the
// parent to show when something fails.

// scaleRunnerEnv holds the JSON of a scaleRunner; set, the test binary is
// that runner.
const scaleRunnerEnv = "REDRILL_SCALE_RUNNER"

// scaleStart is where every runner's fake clock starts: 30 s before the
// first tick, so that a minute's advance lands mid-minute.
var scaleStart = time.Date(2026, 11, 25, 3, 0, 30, 0, time.UTC)

// scaleReply prefixes the child's protocol lines.
const scaleReply = "scale: "

// scaleRunner is what a child needs to be one runner of the pool.
type scaleRunner struct {
	Store     string            `json:"store"`
	SpoolDir  string            `json:"spool_dir"`
	Name      string            `json:"name"`
	Labels    map[string]string `json:"labels"`
	Scenarios int               `json:"scenarios"`
	Sites     int               `json:"sites"`
	// TickTimeout bounds how long a minute's ticks may take here.
	TickTimeout time.Duration `json:"tick_timeout"`
}

// TestScaleRunnerProcess is a runner of TestRunnerPoolsAtScale when started
// by it; otherwise it does nothing.
func TestScaleRunnerProcess(t *testing.T) {
	raw := os.Getenv(scaleRunnerEnv)
	if raw == "" {
		t.Skip("runs only as a runner of TestRunnerPoolsAtScale")
	}
	var cfg scaleRunner
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatalf("%s: %v", scaleRunnerEnv, err)
	}
	if err := runScaleRunner(cfg, os.Stdin, os.Stdout); err != nil {
		t.Fatalf("runner %s: %v", cfg.Name, err)
	}
}

// runScaleRunner registers the runner as serve does, schedules the pool's
// scenarios on a fake clock and follows the parent's orders on in.
func runScaleRunner(cfg scaleRunner, in io.Reader, out io.Writer) error {
	ctx := context.Background()
	set, diags := scenarios.LoadSources(map[string][]byte{"scale.hcl": []byte(scaleSource(cfg.Scenarios, cfg.Sites))}, scenarios.Options{})
	if diags.HasErrors() {
		return diags
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	identity := Identity{Host: cfg.Name, PID: os.Getpid()}
	history, err := store.Open(ctx, cfg.Store, store.Options{SpoolDir: cfg.SpoolDir, Host: identity.Host, PID: identity.PID, Logger: logger})
	if err != nil {
		return err
	}
	defer history.Close()
	// Registered with a heartbeat on the real clock, as serve does: the
	// other runners tell from it that this one is up.
	presence := startPresence(ServeOptions{Store: history, Identity: identity, Labels: cfg.Labels, Logger: logger})
	defer presence.stop()

	jobs := len(set.Scenarios)
	clock := clockwork.NewFakeClockAt(scaleStart)
	handled := make(chan time.Time, jobs)
	scheduler, err := NewScheduler(set, SchedulerOptions{
		Store: history, Clock: clock, Identity: identity, Labels: cfg.Labels, Logger: logger,
		tickDone: func(_ string, scheduledAt time.Time) { handled <- scheduledAt },
	})
	if err != nil {
		return err
	}
	scheduler.Start()
	defer func() { _ = scheduler.Shutdown(ctx) }()

	// Each job waits on one timer of the fake clock.
	waitJobs := func() error {
		waitCtx, cancel := context.WithTimeout(ctx, cfg.TickTimeout)
		defer cancel()
		if err := clock.BlockUntilContext(waitCtx, jobs); err != nil {
			return fmt.Errorf("not all %d jobs wait on the clock: %w", jobs, err)
		}
		return nil
	}
	if err := waitJobs(); err != nil {
		return err
	}
	fmt.Fprintln(out, scaleReply+"ready")

	lines := bufio.NewScanner(in)
	for minute := 1; lines.Scan(); minute++ {
		switch order := strings.TrimSpace(lines.Text()); order {
		case "exit":
			return nil
		case "advance":
		default:
			return fmt.Errorf("unknown order %q", order)
		}
		tick := scaleStart.Truncate(time.Minute).Add(time.Duration(minute) * time.Minute)
		clock.Advance(time.Minute)
		deadline := time.NewTimer(cfg.TickTimeout)
		for done := 0; done < jobs; done++ {
			select {
			case at := <-handled:
				if !at.Equal(tick) {
					return fmt.Errorf("minute %d: a tick at %s was handled, want %s", minute, at, tick)
				}
			case <-deadline.C:
				return fmt.Errorf("minute %d: %d of %d ticks handled after %s", minute, done, jobs, cfg.TickTimeout)
			}
		}
		deadline.Stop()
		if err := waitJobs(); err != nil {
			return fmt.Errorf("minute %d: %w", minute, err)
		}
		fmt.Fprintf(out, "%sdone %d\n", scaleReply, minute)
	}
	return fmt.Errorf("stdin closed without exit: %v", lines.Err())
}

// The pool's labels: runner r of a pool with sites sites is at site
// r/2+1 on hardware scaleHardware[r%2], so each site has two runners and
// each hardware class one per site.
var scaleHardware = []string{"nvme", "hdd"}

func scaleRunnerLabels(r int) map[string]string {
	return map[string]string{"site": fmt.Sprintf("site-%d", r/2+1), "hw": scaleHardware[r%2]}
}

// scaleScenarioLabels is the runner block of scenario i: a third ask for
// a site (2 matching runners), a third for a hardware class (one runner per
// site), a third for nothing (every runner). Every tick has at least two
// runners competing for its claim.
func scaleScenarioLabels(i, sites int) map[string]string {
	switch i % 3 {
	case 0:
		return map[string]string{"site": fmt.Sprintf("site-%d", (i/3)%sites+1)}
	case 1:
		return map[string]string{"hw": scaleHardware[(i/3)%2]}
	}
	return nil
}

func scaleScenarioName(i int) string { return fmt.Sprintf("drill-%04d", i) }

// scaleSource is n scenarios ticking every minute, each with one step
// that runs `true`: a real process per drill, as quick as one can be.
func scaleSource(n, sites int) string {
	var src strings.Builder
	for i := range n {
		fmt.Fprintf(&src, "scenario %q {\n", scaleScenarioName(i))
		if want := scaleScenarioLabels(i, sites); want != nil {
			src.WriteString("  runner {\n    labels = {")
			for key, value := range want {
				fmt.Fprintf(&src, " %s = %q", key, value)
			}
			src.WriteString(" }\n  }\n")
		}
		src.WriteString(`  schedule {
    cron = "* * * * *"
  }
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
}
`)
	}
	return src.String()
}
