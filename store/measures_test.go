package store

import (
	"context"
	"reflect"
	"testing"
	"time"
)

// What measure blocks recorded is read back by every read, through the
// spool too, and with where the run ran by Measurements; a run that
// measured nothing reads back an empty list.
func TestMeasuresRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		s := open(t, target, base)
		ctx := context.Background()
		measured := []Measure{
			{Name: "dump_size", Unit: UnitBytes, Value: 310e9, Phase: "setup"},
			{Name: "rows_restored", Unit: UnitRows, Value: 1234567, Phase: "data_loss"},
		}
		run := newRun("measured", "orders", base)
		run.RunnerLabels, run.Host, run.PID = map[string]string{"hw": "new"}, "db-restore-1", 4242
		mustDo(t, s.StartRun(ctx, run))
		mustDo(t, s.FinishRun(ctx, "measured", Finish{EndedAt: base.Add(time.Minute), Verdict: VerdictMet, Measures: measured}))
		for read, got := range everyRead(t, s, "measured") {
			if !reflect.DeepEqual(got.Measures, measured) {
				t.Errorf("%s read back measures %+v, want %+v", read, got.Measures, measured)
			}
		}
		mustDo(t, s.StartRun(ctx, newRun("plain", "users", base.Add(time.Hour))))
		mustDo(t, s.FinishRun(ctx, "plain", Finish{EndedAt: base.Add(61 * time.Minute), Verdict: VerdictMet}))
		plain, _, err := s.Run(ctx, "plain")
		mustDo(t, err)
		if plain.Measures == nil || len(plain.Measures) != 0 {
			t.Errorf("Run read back measures %#v for a run without any, want an empty list", plain.Measures)
		}
		var measurements []Measurement
		measurements, err = s.Measurements(ctx, base.Add(-time.Hour))
		mustDo(t, err)
		if len(measurements) != 2 {
			t.Fatalf("measurements %+v, want 2", measurements)
		}
		first := measurements[0]
		if !reflect.DeepEqual(first.Measures, measured) || first.RunnerLabels["hw"] != "new" || first.Host != run.Host {
			t.Errorf("Measurements read back measures %+v, labels %v, host %q; want %+v, hw=new, %q", first.Measures, first.RunnerLabels, first.Host, measured, run.Host)
		}
		if len(measurements[1].Measures) != 0 {
			t.Errorf("Measurements read back measures %+v for a run without any", measurements[1].Measures)
		}
	})
}

// A run that ends while the store is away keeps its measures through the
// spool.
func TestSpoolKeepsMeasures(t *testing.T) {
	for _, o := range outages {
		t.Run(o.name, func(t *testing.T) {
			ctx := context.Background()
			through, direct, down, up := o.setUp(t)
			s, err := Open(ctx, through, Options{SpoolDir: t.TempDir(), WriteTimeout: 300 * time.Millisecond})
			mustDo(t, err)
			defer s.Close()
			mustDo(t, s.StartRun(ctx, newRun("spooled", "orders", base)))
			measured := []Measure{{Name: "database_size", Unit: UnitBytes, Value: 4.2e9, Phase: "steady_state"}}
			down()
			mustDo(t, s.FinishRun(ctx, "spooled", Finish{EndedAt: base.Add(time.Minute), Verdict: VerdictMet, Measures: measured}))
			up()
			flushEventually(t, s)
			got, _, err := open(t, direct, base).Run(ctx, "spooled")
			mustDo(t, err)
			if !reflect.DeepEqual(got.Measures, measured) {
				t.Errorf("after replay: measures %+v, want %+v", got.Measures, measured)
			}
		})
	}
}
