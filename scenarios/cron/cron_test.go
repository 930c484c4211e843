package cron

import (
	"testing"
	"time"
)

func at(t *testing.T, clock string) time.Time {
	t.Helper()
	parsed, err := time.Parse(time.RFC3339Nano, "2026-11-25T"+clock+"Z")
	if err != nil {
		t.Fatal(err)
	}
	return parsed
}

// Every runner names a tick by its scheduled time, even when it fires late.
func TestTickAt(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, cron string
		location   *time.Location
		firedAt    string
		want       string
	}{
		{"on time", "* * * * * *", nil, "03:00:00", "03:00:00"},
		{"late into the next second", "*/5 * * * * *", nil, "03:00:01.2", "03:00:00"},
		{"a minute late", "0 * * * * *", nil, "03:01:00.5", "03:01:00"},
		{"daily, seconds late", "0 0 3 * * *", nil, "03:00:07", "03:00:00"},
		{"later than ten minutes: its second", "0 0 3 * * *", nil, "03:30:07.4", "03:30:07"},
		{"in a time zone", "0 0 4 * * *", paris, "03:00:02", "03:00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			firedAt, want := at(t, tt.firedAt), at(t, tt.want)
			schedule, err := Parse(tt.cron, tt.location, firedAt)
			if err != nil {
				t.Fatal(err)
			}
			if got := schedule.TickAt(firedAt); !got.Equal(want) {
				t.Errorf("tick fired at %s named %s, want %s", firedAt.Format(time.RFC3339Nano), got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
			}
		})
	}
}

func TestScheduleReadsItsTimeZone(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	now := at(t, "12:00:00")
	tests := []struct {
		name     string
		cron     string
		location *time.Location
		next     string
		interval time.Duration
		crontab  string
	}{
		{"daily in UTC", "0 3 * * *", nil, "2026-11-26T03:00:00Z", 24 * time.Hour, "CRON_TZ=UTC 0 3 * * *"},
		{"daily in Paris", "0 3 * * *", paris, "2026-11-26T02:00:00Z", 24 * time.Hour, "CRON_TZ=Europe/Paris 0 3 * * *"},
		{"every five seconds", "*/5 * * * * *", nil, "2026-11-25T12:00:05Z", 5 * time.Second, "CRON_TZ=UTC */5 * * * * *"},
		{"weekly descriptor", "@weekly", nil, "2026-11-29T00:00:00Z", 7 * 24 * time.Hour, "CRON_TZ=UTC @weekly"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			schedule, err := Parse(tt.cron, tt.location, now)
			if err != nil {
				t.Fatal(err)
			}
			if got := schedule.Next(now).UTC().Format(time.RFC3339); got != tt.next {
				t.Errorf("Next = %s, want %s", got, tt.next)
			}
			if got := schedule.Interval(now); got != tt.interval {
				t.Errorf("Interval = %s, want %s", got, tt.interval)
			}
			if got := schedule.Crontab(); got != tt.crontab {
				t.Errorf("Crontab = %q, want %q", got, tt.crontab)
			}
		})
	}
}

func TestInvalidSchedules(t *testing.T) {
	now := at(t, "12:00:00")
	for _, expression := range []string{"", "61 * * * *", "not a schedule", "0 0 30 2 *"} {
		if _, err := Parse(expression, nil, now); err == nil {
			t.Errorf("Parse(%q) accepted an expression that never fires or does not parse", expression)
		}
	}
}
