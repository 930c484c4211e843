// Package cron reads the cron expressions of drill schedules, in their
// time zone: the one way the language validates them, the plan and the
// reports show them, and the scheduler fires them.
package cron

import (
	"fmt"
	"time"

	"github.com/go-co-op/gocron/v2"
)

// Schedule is a parsed cron expression (with an optional seconds field)
// in a time zone.
type Schedule struct {
	expression string
	location   *time.Location
	ticks      gocron.Cron
}

// Parse reads expression in location (nil means UTC). A schedule that
// never fires after now is an error.
func Parse(expression string, location *time.Location, now time.Time) (Schedule, error) {
	if location == nil {
		location = time.UTC
	}
	ticks := gocron.NewDefaultCron(true)
	if err := ticks.IsValid(expression, location, now); err != nil {
		return Schedule{}, err
	}
	return Schedule{expression: expression, location: location, ticks: ticks}, nil
}

// Expression is the cron expression as written.
func (s Schedule) Expression() string { return s.expression }

// Location is the schedule's time zone.
func (s Schedule) Location() *time.Location { return s.location }

// Next is the first tick after t; zero when there is none.
func (s Schedule) Next(t time.Time) time.Time { return s.ticks.Next(t) }

// Interval is the time between the next two ticks after now: how often
// the drill runs.
func (s Schedule) Interval(now time.Time) time.Duration {
	first := s.Next(now)
	second := s.Next(first)
	if first.IsZero() || second.IsZero() {
		return 0
	}
	return second.Sub(first)
}

// Crontab is the expression with its time zone, as gocron's CronJob
// reads it whatever the scheduler's own location.
func (s Schedule) Crontab() string {
	return fmt.Sprintf("CRON_TZ=%s %s", s.location, s.expression)
}

// Job is the gocron job definition that fires on the schedule's ticks.
func (s Schedule) Job() gocron.JobDefinition { return gocron.CronJob(s.Crontab(), true) }

// lateness is how late a tick may fire and still be named by its time.
const lateness = 10 * time.Minute

// TickAt names the tick that fired at now: the latest tick at or before
// it. Every runner names a tick the same way even when one of them fires
// it late, which truncating now would not. A tick later than ten minutes
// is named by its whole second.
func (s Schedule) TickAt(now time.Time) time.Time {
	tick := s.Next(now.Add(-lateness))
	if tick.IsZero() || tick.After(now) {
		return now.UTC().Truncate(time.Second)
	}
	for next := s.Next(tick); !next.IsZero() && !next.After(now); next = s.Next(next) {
		tick = next
	}
	return tick.UTC()
}
