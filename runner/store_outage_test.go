package runner

import (
	"context"
	"errors"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redrill/redrill/internal/pgtest"
	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/store"
)

// freezableProxy forwards TCP connections to a server; while frozen it
// holds every byte, as a server that hangs or a dead network path would.
type freezableProxy struct {
	listener net.Listener
	target   string
	gate     sync.RWMutex // held for writing while frozen
}

// proxiedDatabase is a fresh PostgreSQL database, and its address
// through a freezableProxy: a store whose path to it the test can cut.
func proxiedDatabase(t *testing.T) (direct, viaProxy string, proxy *freezableProxy) {
	t.Helper()
	direct = pgtest.NewDatabase(t)
	u, err := url.Parse(direct)
	if err != nil {
		t.Fatal(err)
	}
	proxy = startProxy(t, u.Host)
	through := *u
	through.Host = proxy.listener.Addr().String()
	return direct, through.String(), proxy
}

func startProxy(t *testing.T, target string) *freezableProxy {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezableProxy{listener: listener, target: target}
	t.Cleanup(func() { listener.Close() })
	go func() {
		for {
			client, err := listener.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			go p.pipe(client, server)
			go p.pipe(server, client)
		}
	}()
	return p
}

func (p *freezableProxy) pipe(from, to net.Conn) {
	defer from.Close()
	defer to.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := from.Read(buf)
		if n > 0 {
			p.gate.RLock()
			_, werr := to.Write(buf[:n])
			p.gate.RUnlock()
			if werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *freezableProxy) freeze() { p.gate.Lock() }
func (p *freezableProxy) thaw()   { p.gate.Unlock() }

// A store that stops answering mid-drill (it hangs rather than refuses)
// neither delays the drill nor inflates its measured RTO; the run is
// spooled and reaches the store once it answers again.
func TestHangingStoreDoesNotInflateRTO(t *testing.T) {
	direct, viaProxy, proxy := proxiedDatabase(t)
	spool := t.TempDir()

	history, err := store.Open(context.Background(), viaProxy, store.Options{SpoolDir: spool, WriteTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	set, diags := scenarios.LoadSources(map[string][]byte{"outage.hcl": []byte(`scenario "store-outage" {
		recover {
			step "one" {
				command { run = ["true"] }
			}
			step "two" {
				command { run = ["true"] }
			}
			step "three" {
				command { run = ["true"] }
			}
		}
	}`)}, scenarios.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	frozen := false
	result := Run(context.Background(), set, set.Scenarios[0], Options{Store: history, Observe: func(e store.Event) {
		if e.Type == store.EventClockStart {
			proxy.freeze()
			frozen = true
		}
	}})
	if !frozen {
		t.Fatal("the clock never started")
	}
	proxy.thaw()

	if result.Verdict != store.VerdictMet {
		t.Fatalf("verdict %s (%s), want met", result.Verdict, result.Reason)
	}
	// Three `true` commands take milliseconds; one store write waited on
	// would add the 2 s write timeout.
	if *result.RTO > time.Second {
		t.Errorf("measured RTO %s with a hanging store, want the drill's own few milliseconds", *result.RTO)
	}
	if result.StoreError == nil {
		t.Error("the run was not reported as spooled")
	}
	if err := history.Close(); err != nil {
		t.Logf("close: %v", err)
	}

	reopened, err := store.Open(context.Background(), direct, store.Options{SpoolDir: spool})
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	stored, steps, err := reopened.Run(context.Background(), result.ID)
	if err != nil {
		t.Fatalf("the spooled run did not reach the store: %v", err)
	}
	if stored.Verdict != store.VerdictMet || len(steps) != 3 || stored.RTO == nil || *stored.RTO != *result.RTO {
		t.Errorf("stored run %s with %d steps and RTO %v, want met, 3 steps, RTO %s", stored.Verdict, len(steps), stored.RTO, *result.RTO)
	}
}

// A run whose events reach neither the store nor the spool says so: its
// store error is store.ErrNotRecorded, which `redrill run` exits 3 for.
func TestRunLostEvenToTheSpoolIsReportedNotRecorded(t *testing.T) {
	_, viaProxy, proxy := proxiedDatabase(t)
	spool := filepath.Join(t.TempDir(), "spool")
	history, err := store.Open(context.Background(), viaProxy, store.Options{SpoolDir: spool, WriteTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// The spool folder becomes a file: no spool can be created in it.
	if err := os.Remove(spool); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(spool, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	set, diags := scenarios.LoadSources(map[string][]byte{"lost.hcl": []byte(`scenario "lost" {
		recover {
			step "one" {
				command { run = ["true"] }
			}
		}
	}`)}, scenarios.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	result := Run(context.Background(), set, set.Scenarios[0], Options{Store: history, Observe: func(e store.Event) {
		if e.Type == store.EventClockStart {
			proxy.freeze()
		}
	}})
	proxy.thaw()
	history.Close()
	if !errors.Is(result.StoreError, store.ErrNotRecorded) {
		t.Fatalf("store error %v, want store.ErrNotRecorded", result.StoreError)
	}
}

// A scheduled drill whose start reaches only the spool touches nothing:
// other runners cannot see it running, and one of them could start the
// same drill at once.
func TestScheduledDrillDoesNotRunUnseen(t *testing.T) {
	_, viaProxy, proxy := proxiedDatabase(t)
	history, err := store.Open(context.Background(), viaProxy, store.Options{SpoolDir: t.TempDir(), WriteTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer history.Close()
	dir := t.TempDir()
	set, diags := scenarios.LoadSources(map[string][]byte{"unseen.hcl": []byte(`scenario "unseen" {
		recover {
			step "touch" {
				command { run = ["touch", "` + dir + `/touched"] }
			}
		}
	}`)}, scenarios.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	proxy.freeze()
	result := Run(context.Background(), set, set.Scenarios[0], Options{Store: history, OnlyIfStartStored: true})
	proxy.thaw()
	if _, err := os.Stat(filepath.Join(dir, "touched")); err == nil {
		t.Error("the drill ran though no other runner could see it")
	}
	if result.Verdict != store.VerdictAborted || !strings.Contains(result.Reason, "reached only the spool") || result.Rollback != store.RollbackNotNeeded {
		t.Errorf("verdict %s (%s), rollback %s: want aborted, its start only in the spool, rollback not needed", result.Verdict, result.Reason, result.Rollback)
	}
}
