package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redrill/redrill/scenarios/phase"
)

// BenchmarkManualPolls measures what people in drills cost the store: a
// waiting manual step reads its answer every second (AnswerOf), every
// running run reads its abort request with each heartbeat
// (AbortRequested), and the console lists what waits (Waiting). The store
// holds 1,000 running runs, each with a manual step waiting, beside
// 10,000 finished runs.
//
//	go test ./store -run='^$' -bench=ManualPolls -count=1
func BenchmarkManualPolls(b *testing.B) {
	const running, finished = 1_000, 10_000
	for _, backend := range benchBackends {
		b.Run(backend.name, func(b *testing.B) {
			ctx := context.Background()
			s := openBench(b, backend.target(b))
			at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
			for i := range finished {
				id := fmt.Sprintf("done-%05d", i)
				mustDo(b, s.StartRun(ctx, Run{ID: id, Scenario: "failover", ScenarioHash: "h", Trigger: TriggerSchedule, StartedAt: at}))
				mustDo(b, s.RecordStep(ctx, Step{RunID: id, Seq: 1, Phase: phase.Recover, Name: "promote", Kind: KindManual, StartedAt: at,
					Duration: time.Minute, Passed: true, Manual: &Manual{Instructions: "Promote", Timeout: time.Hour}}))
				mustDo(b, s.FinishRun(ctx, id, Finish{EndedAt: at.Add(time.Hour), Verdict: VerdictMet}))
			}
			for i := range running {
				id := fmt.Sprintf("run-%05d", i)
				mustDo(b, s.StartRun(ctx, Run{ID: id, Scenario: fmt.Sprintf("s%d", i), ScenarioHash: "h", Trigger: TriggerSchedule, StartedAt: at}))
				mustDo(b, s.StartStep(ctx, Step{RunID: id, Seq: 1, Phase: phase.Recover, Name: "promote", Kind: KindManual, StartedAt: at,
					Running: true, Manual: &Manual{Instructions: "Promote", Timeout: time.Hour}}))
			}
			b.Run("AnswerOf", func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					if _, _, err := s.AnswerOf(ctx, fmt.Sprintf("run-%05d", i%running), 1); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("AbortRequested", func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					if _, _, err := s.AbortRequested(ctx, fmt.Sprintf("run-%05d", i%running)); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("Waiting", func(b *testing.B) {
				for b.Loop() {
					waiting, err := s.Waiting(ctx)
					if err != nil || len(waiting) != running {
						b.Fatalf("%d waiting, %v", len(waiting), err)
					}
				}
			})
		})
	}
}
