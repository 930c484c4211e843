package runner

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/redrill/redrill/internal/pgtest"
	"github.com/redrill/redrill/store"
)

// Runner pools at scale: runners in processes of their own, each a
// scheduler with its labels on a fake clock, share one PostgreSQL
// database; the test moves their clocks on minute by minute and checks
// that every tick ran exactly once, on a runner with its labels. The
// claims are real, on the real database; only the minutes are simulated.
//
// The small pool runs with every `go test`; the pool (10 runners,
// 1,000 scenarios, 10 minutes) only with REDRILL_SCALE=1:
//
//	REDRILL_SCALE=1 go test ./runner -run '^TestRunnerPoolsAtScale$' -v -timeout 60m
//
// It logs the figures of docs/performance.md ("Runner pools at scale").
func TestRunnerPoolsAtScale(t *testing.T) {
	t.Run("4 runners, 45 scenarios, 2 minutes", func(t *testing.T) {
		runPoolAtScale(t, poolAtScale{runners: 4, scenarios: 45, minutes: 2, tickTimeout: time.Minute})
	})
	t.Run("10 runners, 1000 scenarios, 10 minutes", func(t *testing.T) {
		if os.Getenv("REDRILL_SCALE") != "1" {
			t.Skip("the issue's pool takes minutes; set REDRILL_SCALE=1 to run it")
		}
		runPoolAtScale(t, poolAtScale{runners: 10, scenarios: 1000, minutes: 10, tickTimeout: 10 * time.Minute})
	})
}

// poolAtScale is the size of a pool, and how long a minute's ticks may take
// on one runner before the test fails.
type poolAtScale struct {
	runners, scenarios, minutes int
	tickTimeout                 time.Duration
}

func runPoolAtScale(t *testing.T, pool poolAtScale) {
	if pool.runners%2 != 0 {
		t.Fatalf("%d runners: the labels need two runners a site", pool.runners)
	}
	target := pgtest.NewDatabase(t)
	db, err := sqlx.Open("postgres", target)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The runners migrate the new database together, as one deploy would.
	children := startScaleRunners(t, target, pool)
	for _, child := range children {
		child.expect(t, "ready", pool.tickTimeout)
	}

	minuteWall := make([]time.Duration, pool.minutes)
	for minute := 1; minute <= pool.minutes; minute++ {
		began := time.Now()
		for _, child := range children {
			child.order(t, "advance")
		}
		for _, child := range children {
			child.expect(t, fmt.Sprintf("done %d", minute), pool.tickTimeout)
		}
		minuteWall[minute-1] = time.Since(began)
	}
	usage := make([]processUsage, len(children))
	for i, child := range children {
		usage[i] = readProcessUsage(t, child.cmd.Process.Pid)
	}
	for _, child := range children {
		child.order(t, "exit")
	}
	for _, child := range children {
		child.wait(t, pool.tickTimeout)
	}

	checkEveryTickRanOnce(t, db, pool)
	logPoolFigures(t, db, pool, minuteWall, children, usage)
}

// scaleChild is one runner process and its protocol lines.
type scaleChild struct {
	name   string
	labels map[string]string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	// replies are its protocol lines; closed when its stdout is.
	replies <-chan string
	// output is its other lines, and stderr its log, shown on failure.
	output []string
	stderr string
	exited chan error
}

func startScaleRunners(t *testing.T, target string, pool poolAtScale) []*scaleChild {
	t.Helper()
	var children []*scaleChild
	for r := range pool.runners {
		labels := scaleRunnerLabels(r)
		child := &scaleChild{name: fmt.Sprintf("runner-%02d-%s-%s", r+1, labels["site"], labels["hw"]), labels: labels, exited: make(chan error, 1)}
		cfg, err := json.Marshal(scaleRunner{Store: target, SpoolDir: t.TempDir(), Name: child.name, Labels: labels,
			Scenarios: pool.scenarios, Sites: pool.runners / 2, TickTimeout: pool.tickTimeout})
		if err != nil {
			t.Fatal(err)
		}
		child.cmd = exec.Command(os.Args[0], "-test.run=^TestScaleRunnerProcess$")
		child.cmd.Env = append(os.Environ(), scaleRunnerEnv+"="+string(cfg))
		child.stderr = filepath.Join(t.TempDir(), "stderr")
		stderr, err := os.Create(child.stderr)
		if err != nil {
			t.Fatal(err)
		}
		child.cmd.Stderr = stderr
		if child.stdin, err = child.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		// Through an io.Pipe, Wait returns only once all the child printed
		// is copied: its last lines say why it failed.
		stdout, printed := io.Pipe()
		child.cmd.Stdout = printed
		if err := child.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		_ = stderr.Close()
		replies := make(chan string, 16)
		child.replies = replies
		go func() {
			defer close(replies)
			lines := bufio.NewScanner(stdout)
			for lines.Scan() {
				if reply, ok := strings.CutPrefix(lines.Text(), scaleReply); ok {
					replies <- reply
				} else {
					child.output = append(child.output, lines.Text())
				}
			}
		}()
		go func() {
			err := child.cmd.Wait()
			_ = printed.Close()
			child.exited <- err
		}()
		t.Cleanup(func() {
			// A child still there after a failure is killed.
			_ = child.cmd.Process.Kill()
		})
		children = append(children, child)
	}
	return children
}

// order sends the child one line.
func (c *scaleChild) order(t *testing.T, order string) {
	t.Helper()
	if _, err := io.WriteString(c.stdin, order+"\n"); err != nil {
		c.fail(t, fmt.Sprintf("order %q: %v", order, err))
	}
}

// expect waits for the child's next protocol line, which must be want.
func (c *scaleChild) expect(t *testing.T, want string, within time.Duration) {
	t.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	select {
	case reply, ok := <-c.replies:
		switch {
		case !ok:
			c.fail(t, fmt.Sprintf("ended before it said %q", want))
		case reply != want:
			c.fail(t, fmt.Sprintf("said %q, want %q", reply, want))
		}
	case <-deadline.C:
		c.fail(t, fmt.Sprintf("did not say %q within %s", want, within))
	}
}

// wait waits for the child to end, and fails the test unless it ended well.
func (c *scaleChild) wait(t *testing.T, within time.Duration) {
	t.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	select {
	case err := <-c.exited:
		if err != nil {
			c.fail(t, fmt.Sprintf("ended with %v", err))
		}
	case <-deadline.C:
		c.fail(t, fmt.Sprintf("did not end within %s of its exit order", within))
	}
}

// fail ends the test with what the child printed and logged. Its output
// is read once the child is killed, so that the reader is done with it.
func (c *scaleChild) fail(t *testing.T, problem string) {
	t.Helper()
	_ = c.cmd.Process.Kill()
	for range c.replies {
	}
	logged, _ := os.ReadFile(c.stderr)
	t.Fatalf("runner %s %s\noutput:\n%s\nlog (end):\n%s", c.name, problem, strings.Join(c.output, "\n"), lastLines(string(logged), 30))
}

func lastLines(text string, n int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// scaleRun is what the check reads of a run.
type scaleRun struct {
	Scenario     string `db:"scenario"`
	ScheduledAt  int64  `db:"scheduled_at"`
	Host         string `db:"host"`
	RunnerLabels string `db:"runner_labels"`
	Status       string `db:"status"`
	Verdict      string `db:"verdict"`
}

// checkEveryTickRanOnce checks that the store holds one finished, met run
// per scenario and minute, on a runner whose labels match the scenario's,
// and one claim per tick.
func checkEveryTickRanOnce(t *testing.T, db *sqlx.DB, pool poolAtScale) {
	t.Helper()
	var runs []scaleRun
	if err := db.Select(&runs, "SELECT scenario, scheduled_at, host, runner_labels, status, verdict FROM runs"); err != nil {
		t.Fatal(err)
	}
	runnerLabels := map[string]map[string]string{}
	for r := range pool.runners {
		labels := scaleRunnerLabels(r)
		runnerLabels[fmt.Sprintf("runner-%02d-%s-%s", r+1, labels["site"], labels["hw"])] = labels
	}
	type tick struct {
		scenario string
		at       int64
	}
	ran := map[tick]int{}
	// The first problems are shown; all are counted by kind.
	problems, kinds := 0, map[string]int{}
	problem := func(kind, format string, args ...any) {
		kinds[kind]++
		if problems++; problems <= 10 {
			t.Errorf(format, args...)
		}
	}
	for _, run := range runs {
		ran[tick{run.Scenario, run.ScheduledAt}]++
		i, _ := strconv.Atoi(strings.TrimPrefix(run.Scenario, "drill-"))
		want := scaleScenarioLabels(i, pool.runners/2)
		var recorded map[string]string
		if err := json.Unmarshal([]byte(run.RunnerLabels), &recorded); err != nil {
			problem("unreadable runner labels", "run of %s: runner labels %q: %v", run.Scenario, run.RunnerLabels, err)
		}
		have, known := runnerLabels[run.Host]
		if run.Status != store.StatusFinished || run.Verdict != store.VerdictMet {
			problem("run "+run.Verdict, "%s at %d: %s, %s on %s; want finished, met", run.Scenario, run.ScheduledAt, run.Status, run.Verdict, run.Host)
		}
		if !known || !store.Matches(have, want) || !store.Matches(recorded, have) || !store.Matches(have, recorded) {
			problem("ran on a runner without its labels", "%s (runner labels %v) ran on %s, which has labels %v and recorded %v", run.Scenario, want, run.Host, have, recorded)
		}
	}
	for i := range pool.scenarios {
		for minute := 1; minute <= pool.minutes; minute++ {
			at := scaleStart.Truncate(time.Minute).Add(time.Duration(minute) * time.Minute).UnixMicro()
			if n := ran[tick{scaleScenarioName(i), at}]; n != 1 {
				problem(fmt.Sprintf("ticks run %d times", n), "%s at minute %d ran %d times, want once", scaleScenarioName(i), minute, n)
			}
		}
	}
	if want := pool.scenarios * pool.minutes; len(runs) != want {
		problem("runs in all", "%d runs in the store, want %d", len(runs), want)
	}
	var claims int
	if err := db.Get(&claims, "SELECT count(*) FROM claims"); err != nil {
		t.Fatal(err)
	}
	if want := pool.scenarios * pool.minutes; claims != want {
		problem("claims in all", "%d claims in the store, want %d", claims, want)
	}
	if problems > 0 {
		t.Errorf("%d problems: %v", problems, kinds)
	}
}

// logPoolFigures logs, per minute, its wall time and the rate of claims
// the store recorded while the runners claimed it (from the minute's
// first claim to its last), and per runner its runs, CPU and peak RSS.
func logPoolFigures(t *testing.T, db *sqlx.DB, pool poolAtScale, minuteWall []time.Duration, children []*scaleChild, usage []processUsage) {
	t.Helper()
	var windows []struct {
		ScheduledAt int64 `db:"scheduled_at"`
		Claims      int   `db:"claims"`
		First       int64 `db:"first"`
		Last        int64 `db:"last"`
	}
	if err := db.Select(&windows, `SELECT scheduled_at, count(*) AS claims, min(claimed_at) AS first, max(claimed_at) AS last
		FROM claims GROUP BY scheduled_at ORDER BY scheduled_at`); err != nil {
		t.Fatal(err)
	}
	// Each tick is claimed by every runner whose labels match it.
	attemptsPerMinute := 0
	for i := range pool.scenarios {
		for r := range pool.runners {
			if store.Matches(scaleRunnerLabels(r), scaleScenarioLabels(i, pool.runners/2)) {
				attemptsPerMinute++
			}
		}
	}
	t.Logf("%d runners, %d scenarios every minute, %d minutes; %d claim attempts a minute (every matching runner tries each tick)",
		pool.runners, pool.scenarios, pool.minutes, attemptsPerMinute)
	var claims int
	var claiming time.Duration
	for i, w := range windows {
		window := time.Duration(w.Last-w.First) * time.Microsecond
		claims, claiming = claims+w.Claims, claiming+window
		t.Logf("minute %2d: %6.2f s wall; %d claims won within %.2f s (%.0f/s, %.0f attempts/s)", i+1, minuteWall[i].Seconds(),
			w.Claims, window.Seconds(), float64(w.Claims)/window.Seconds(), float64(attemptsPerMinute)/window.Seconds())
	}
	slices.Sort(minuteWall)
	t.Logf("wall time per simulated minute: median %.2f s, max %.2f s; claims won %.0f/s (%.0f attempts/s) over the claim windows",
		minuteWall[len(minuteWall)/2].Seconds(), minuteWall[len(minuteWall)-1].Seconds(),
		float64(claims)/claiming.Seconds(), float64(attemptsPerMinute*len(windows))/claiming.Seconds())

	won := map[string]int{}
	rows, err := db.Query("SELECT host, count(*) FROM runs GROUP BY host")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var host string
		var n int
		if err := rows.Scan(&host, &n); err != nil {
			t.Fatal(err)
		}
		won[host] = n
	}
	for i, child := range children {
		u := usage[i]
		t.Logf("%s: %5d runs; CPU %6.2f s (its steps' processes %5.2f s more); peak RSS %4d MB",
			child.name, won[child.name], u.cpu.Seconds(), u.childrenCPU.Seconds(), u.peakRSS>>20)
	}
}

// processUsage is a live process's CPU time and peak resident memory.
type processUsage struct {
	cpu         time.Duration // user and system, its own
	childrenCPU time.Duration // of its ended child processes (the drills' steps)
	peakRSS     int64         // bytes (VmHWM)
}

// clockTicks is the unit of /proc/PID/stat's times, USER_HZ, which is 100
// on every Linux architecture Go supports.
const clockTicks = 100

// readProcessUsage reads /proc/PID/stat (utime, stime, cutime, cstime) and
// /proc/PID/status (VmHWM).
func readProcessUsage(t *testing.T, pid int) processUsage {
	t.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// The fields after the command's closing parenthesis, from the state
	// (field 3 of proc(5)): utime is field 14, so index 11 here.
	_, after, _ := strings.Cut(string(stat), ") ")
	fields := strings.Fields(after)
	tick := func(i int) time.Duration {
		n, err := strconv.ParseInt(fields[i], 10, 64)
		if err != nil {
			t.Fatalf("/proc/%d/stat field %d: %v", pid, i+3, err)
		}
		return time.Duration(n) * time.Second / clockTicks
	}
	u := processUsage{cpu: tick(11) + tick(12), childrenCPU: tick(13) + tick(14)}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if value, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kB, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(value), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("/proc/%d/status VmHWM: %v", pid, err)
			}
			u.peakRSS = kB << 10
		}
	}
	return u
}
