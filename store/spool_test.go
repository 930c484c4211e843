package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redrill/redrill/internal/pgtest"
)

// proxy forwards a local port to PostgreSQL and can be stopped and started
// again on the same port, to make the store unreachable for real.
type proxy struct {
	t        *testing.T
	address  string
	upstream string
	mu       sync.Mutex
	listener net.Listener
	conns    []net.Conn
}

func newProxy(t *testing.T, upstream string) *proxy {
	p := &proxy{t: t, address: "127.0.0.1:0", upstream: upstream}
	p.start()
	t.Cleanup(p.stop)
	return p
}

func (p *proxy) start() {
	listener, err := net.Listen("tcp", p.address)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.listener, p.address = listener, listener.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			client, err := listener.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", p.upstream)
			if err != nil {
				client.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, client, server)
			p.mu.Unlock()
			go func() { io.Copy(server, client); server.Close() }()
			go func() { io.Copy(client, server); client.Close() }()
		}
	}()
}

// stop closes the port and every connection through it.
func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.listener != nil {
		p.listener.Close()
		p.listener = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// throughProxy points a PostgreSQL URL at the proxy.
func throughProxy(t *testing.T, target string) (*proxy, string) {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, u.Host)
	u.Host = p.address
	return p, u.String()
}

func spoolFiles(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// outage makes a store go away for real, and come back.
type outage struct {
	name string
	// setUp returns the target to open through, the target to check
	// with, and the functions that take the store away and back.
	setUp func(t *testing.T) (through, direct string, down, up func())
}

var outages = []outage{
	{"postgres: its port closes", func(t *testing.T) (string, string, func(), func()) {
		direct := pgtest.NewDatabase(t)
		p, proxied := throughProxy(t, direct)
		return proxied, direct, p.stop, p.start
	}},
	{"sqlite: another connection holds the file's write lock", func(t *testing.T) (string, string, func(), func()) {
		path := filepath.Join(t.TempDir(), "history.db")
		locker, err := sql.Open("sqlite", "file:"+path)
		mustDo(t, err)
		t.Cleanup(func() { locker.Close() })
		var conn *sql.Conn
		down := func() {
			conn, err = locker.Conn(context.Background())
			mustDo(t, err)
			_, err = conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE")
			mustDo(t, err)
		}
		up := func() {
			_, err := conn.ExecContext(context.Background(), "ROLLBACK")
			mustDo(t, err)
			conn.Close()
		}
		return path, path, down, up
	}},
}

func TestSpoolKeepsEventsWhileTheStoreIsAway(t *testing.T) {
	for _, o := range outages {
		t.Run(o.name, func(t *testing.T) { spoolKeepsEvents(t, o) })
	}
}

func spoolKeepsEvents(t *testing.T, o outage) {
	ctx := context.Background()
	through, direct, down, up := o.setUp(t)
	spoolDir := t.TempDir()
	s, err := Open(ctx, through, Options{SpoolDir: spoolDir, WriteTimeout: 300 * time.Millisecond})
	mustDo(t, err)
	defer s.Close()

	mustDo(t, s.StartRun(ctx, newRun("run-1", "orders", base)))
	mustDo(t, s.RecordStep(ctx, Step{RunID: "run-1", Seq: 1, Phase: "recover", Name: "drop", Kind: "sql", StartedAt: base, Attempts: 1, Passed: true}))

	down() // the store is gone mid-drill
	for seq := 2; seq <= 4; seq++ {
		if err := s.RecordStep(ctx, Step{RunID: "run-1", Seq: seq, Phase: "recover", Name: "step", Kind: "sql", StartedAt: base, Attempts: 1, Passed: true}); err != nil {
			t.Fatalf("a step was lost while the store was away: %v", err)
		}
	}
	mustDo(t, s.FinishRun(ctx, "run-1", Finish{EndedAt: base.Add(time.Minute), Verdict: VerdictMet}))
	files := spoolFiles(t, spoolDir)
	if len(files) != 1 {
		t.Fatalf("spool files = %v", files)
	}
	if content, _ := os.ReadFile(files[0]); strings.Count(string(content), "\n") != 4 {
		t.Fatalf("spool holds %q, want 3 steps and the finish", content)
	}
	if err := s.Flush(ctx); err == nil || !strings.Contains(err.Error(), "4 spooled events wait") {
		t.Fatalf("flush while the store is away: %v", err)
	}

	up() // the store is back
	mustDo(t, s.Flush(ctx))
	if files := spoolFiles(t, spoolDir); len(files) != 0 {
		t.Errorf("spool not removed after replay: %v", files)
	}
	// Flushing again replays nothing twice.
	mustDo(t, s.Flush(ctx))

	check := open(t, direct, base)
	run, steps, err := check.Run(ctx, "run-1")
	mustDo(t, err)
	if run.Verdict != VerdictMet || len(steps) != 4 {
		t.Errorf("after replay: verdict %q, %d steps; want met and 4 steps exactly once", run.Verdict, len(steps))
	}
	// Writes go straight to the store again.
	mustDo(t, s.StartRun(ctx, newRun("run-2", "orders", base)))
	if files := spoolFiles(t, spoolDir); len(files) != 0 {
		t.Errorf("a write was spooled while the store answers: %v", files)
	}
}

// A runner that ends while its store is away leaves its spool; the next
// Open replays it.
func TestSpoolIsReplayedByTheNextOpen(t *testing.T) {
	for _, o := range outages {
		t.Run(o.name, func(t *testing.T) { spoolReplayedByNextOpen(t, o) })
	}
}

func spoolReplayedByNextOpen(t *testing.T, o outage) {
	ctx := context.Background()
	through, direct, down, up := o.setUp(t)
	spoolDir := t.TempDir()
	s, err := Open(ctx, through, Options{SpoolDir: spoolDir, WriteTimeout: 300 * time.Millisecond})
	mustDo(t, err)
	mustDo(t, s.StartRun(ctx, newRun("run-1", "orders", base)))
	down()
	mustDo(t, s.RecordStep(ctx, Step{RunID: "run-1", Seq: 1, Phase: "recover", Name: "restore", Kind: "command", StartedAt: base, Attempts: 1, Passed: true}))
	mustDo(t, s.FinishRun(ctx, "run-1", Finish{EndedAt: base, Verdict: VerdictMissed}))
	if err := s.Close(); err == nil {
		t.Error("Close said everything was written while the store was away")
	}
	if len(spoolFiles(t, spoolDir)) != 1 {
		t.Fatal("no spool left behind")
	}

	up()
	next, err := Open(ctx, direct, Options{SpoolDir: spoolDir})
	mustDo(t, err)
	defer next.Close()
	run, steps, err := next.Run(ctx, "run-1")
	mustDo(t, err)
	if run.Verdict != VerdictMissed || len(steps) != 1 {
		t.Errorf("after the next open: verdict %q, %d steps", run.Verdict, len(steps))
	}
	if files := spoolFiles(t, spoolDir); len(files) != 0 {
		t.Errorf("spool not removed: %v", files)
	}
}

// A spool that cannot be replayed does not stop Open, and is not dropped
// in silence: it stays, and Open says why.
func TestOpenWarnsOfASpoolItCannotReplay(t *testing.T) {
	spoolDir := t.TempDir()
	leftover := filepath.Join(spoolDir, "other-host-1-1.jsonl")
	start, err := json.Marshal(event{Op: "start", Run: &Run{ID: "run-1", Scenario: "orders", StartedAt: base}})
	mustDo(t, err)
	mustDo(t, os.WriteFile(leftover, []byte("{\"op\": \"st\n"+string(start)+"\n"), 0o600))

	var logged bytes.Buffer
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "history.db"),
		Options{SpoolDir: spoolDir, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	mustDo(t, err)
	defer s.Close()
	if want := "line 1 is unreadable and events follow it"; !strings.Contains(logged.String(), "level=WARN") || !strings.Contains(logged.String(), want) {
		t.Errorf("Open logged %q, want a warning saying %q", logged.String(), want)
	}
	if files := spoolFiles(t, spoolDir); len(files) != 1 {
		t.Errorf("spool files after Open = %v, want the leftover kept", files)
	}
}

// unreachable is a store that refuses every write.
type unreachable struct{ Store }

func (unreachable) StartRun(context.Context, Run) error { return errors.New("connection refused") }
func (unreachable) Where() string                       { return "nowhere" }

// A spool is named after the runner and the clock it is given; a clock
// that stands still names a second spool apart instead of replacing the
// first, which still waits to be replayed.
func TestSpoolNamesComeFromOptions(t *testing.T) {
	dir := t.TempDir()
	opts := Options{SpoolDir: dir, WriteTimeout: time.Second, Host: "runner-a", PID: 4242, Now: func() time.Time { return base }}
	for _, id := range []string{"run-1", "run-2"} {
		s, err := newSpooled(unreachable{}, opts)
		mustDo(t, err)
		mustDo(t, s.StartRun(context.Background(), newRun(id, "orders", base)))
		s.file.Close() // the process ends with the store still away
	}
	stem := filepath.Join(dir, fmt.Sprintf("runner-a-4242-%d", base.UnixNano()))
	files := spoolFiles(t, dir)
	if len(files) != 2 || files[0] != stem+"-2.jsonl" || files[1] != stem+".jsonl" {
		t.Fatalf("spool files = %v, want %s.jsonl and %s-2.jsonl", files, stem, stem)
	}
	for _, name := range files {
		if content, _ := os.ReadFile(name); strings.Count(string(content), "\n") != 1 {
			t.Errorf("%s holds %q, want one start", name, content)
		}
	}
}

// A run started while the store is away keeps, through the spool, what it
// records of its scenario.
func TestSpoolKeepsRunMetadata(t *testing.T) {
	for _, o := range outages {
		t.Run(o.name, func(t *testing.T) {
			ctx := context.Background()
			through, direct, down, up := o.setUp(t)
			spoolDir := t.TempDir()
			s, err := Open(ctx, through, Options{SpoolDir: spoolDir, WriteTimeout: 300 * time.Millisecond})
			mustDo(t, err)
			defer s.Close()
			want := scheduledRun("scheduled")
			down()
			mustDo(t, s.StartRun(ctx, want))
			files := spoolFiles(t, spoolDir)
			if len(files) != 1 {
				t.Fatalf("spool files = %v, want the start spooled", files)
			}
			content, _ := os.ReadFile(files[0])
			for _, field := range []string{`"ScheduleTimezone":"Europe/Paris"`, `"finding":"backups were never restored"`, `"runner_labels":{"network.zone":"dmz","site":"eu-west"}`} {
				if !strings.Contains(string(content), field) {
					t.Errorf("spool holds %s, without %s", content, field)
				}
			}
			up()
			flushEventually(t, s)
			got, _, err := open(t, direct, base).Run(ctx, "scheduled")
			mustDo(t, err)
			if !reflect.DeepEqual(metadataOf(got), metadataOf(want)) {
				t.Errorf("after replay: %+v, want %+v", metadataOf(got), metadataOf(want))
			}
		})
	}
}

// Once the store answers again, the spool reaches it within moments,
// without waiting for a Flush; until then, this runner claims nothing.
func TestSpoolIsReplayedOnceTheStoreAnswers(t *testing.T) {
	for _, o := range outages {
		t.Run(o.name, func(t *testing.T) {
			ctx := context.Background()
			through, direct, down, up := o.setUp(t)
			spoolDir := t.TempDir()
			s, err := Open(ctx, through, Options{SpoolDir: spoolDir, WriteTimeout: 300 * time.Millisecond})
			mustDo(t, err)
			defer s.Close()
			spool := s.(interface{ Spooled(string) bool })

			down()
			mustDo(t, s.StartRun(ctx, newRun("run-1", "orders", base)))
			mustDo(t, s.FinishRun(ctx, "run-1", Finish{EndedAt: base.Add(time.Minute), Verdict: VerdictMet}))
			if !spool.Spooled("orders") || spool.Spooled("billing") {
				t.Errorf("Spooled(orders) %v, Spooled(billing) %v: want only orders", spool.Spooled("orders"), spool.Spooled("billing"))
			}
			if won, err := s.Claim(ctx, "orders", base.Add(time.Hour), "me"); won || err == nil || !strings.Contains(err.Error(), "earlier events are not in the store yet") {
				t.Errorf("claim while the spool cannot be replayed: won %v, %v; want refused", won, err)
			}

			up()
			check := open(t, direct, base)
			deadline := time.Now().Add(3 * time.Second)
			for {
				run, _, err := check.Run(ctx, "run-1")
				if err == nil && run.Verdict == VerdictMet {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("3 s after the store came back the run is %+v (%v): the spool was not replayed", run, err)
				}
				time.Sleep(20 * time.Millisecond)
			}
			if spool.Spooled("orders") {
				t.Error("Spooled(orders) after the replay")
			}
			if files := spoolFiles(t, spoolDir); len(files) != 0 {
				t.Errorf("spool not removed after replay: %v", files)
			}
			if won, err := s.Claim(ctx, "orders", base.Add(time.Hour), "me"); !won || err != nil {
				t.Errorf("claim once the store is back: won %v, %v", won, err)
			}
		})
	}
}

// flushEventually replays the spool once the store answers again: on a
// busy machine the first write after an outage can outlast a short write
// timeout, and a runner flushes again, as serve does every minute.
func flushEventually(t *testing.T, s Store) {
	t.Helper()
	var err error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if err = s.Flush(context.Background()); err == nil {
			return
		}
	}
	t.Fatalf("the spool is not replayed 20 s after the store came back: %v", err)
}
