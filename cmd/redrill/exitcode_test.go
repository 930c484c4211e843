package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/redrill/redrill/runner"
	"github.com/redrill/redrill/store"
)

func TestExitCodes(t *testing.T) {
	met := runner.Result{Record: store.Record{Run: store.Run{Verdict: store.VerdictMet}}}
	missed := runner.Result{Record: store.Record{Run: store.Run{Verdict: store.VerdictMissed}}}
	spooled := met
	spooled.StoreError = errors.New("3 spooled events wait for the store")
	lost := met
	lost.StoreError = fmt.Errorf("%w: spool not writable", store.ErrNotRecorded)
	interrupted := runner.Result{Record: store.Record{Run: store.Run{Verdict: store.VerdictInterrupted}}}
	for _, tc := range []struct {
		name        string
		results     []runner.Result
		interrupted bool
		want        int
	}{
		{"every drill met", []runner.Result{met}, false, exitMet},
		{"a missed drill exits 1", []runner.Result{met, missed}, false, exitNotMet},
		{"a run waiting in the spool is still recorded", []runner.Result{spooled}, false, exitMet},
		{"a run lost even to the spool exits 3", []runner.Result{lost}, false, exitNotRecorded},
		{"a lost run wins over a missed one", []runner.Result{missed, lost, missed}, false, exitNotRecorded},
		{"an interrupt wins over a lost run", []runner.Result{lost, interrupted}, false, exitInterrupted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := exitMet
			var exit exitError
			if err := exitCodeOf(tc.results, tc.interrupted); errors.As(err, &exit) {
				got = exit.code
			}
			if got != tc.want {
				t.Errorf("exit code %d, want %d", got, tc.want)
			}
		})
	}
}
