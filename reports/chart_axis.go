package reports

import (
	"time"
)

// tick is one labelled mark on an axis: at is its position in SVG units,
// label its text and, on the time axis, sub a second line (the date under
// times of day, the year under months) or "".
type tick struct {
	At    float64
	Label string
	Sub   string
}

// durationSteps are the spacings a duration axis may have: what people
// count in (5 s, 15 min, 2 h), never 7 s or 43 min.
var durationSteps = []time.Duration{
	time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond,
	50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 48 * time.Hour,
	7 * 24 * time.Hour, 14 * 24 * time.Hour, 28 * 24 * time.Hour,
}

// niceDurationAxis returns the top of a duration axis that holds highest,
// and its step: at most maxTicks steps of a round size.
func niceDurationAxis(highest time.Duration, maxTicks int) (top, step time.Duration) {
	if highest <= 0 {
		highest = time.Second
	}
	step = durationSteps[len(durationSteps)-1]
	for _, candidate := range durationSteps {
		if int64(highest+candidate-1)/int64(candidate) <= int64(maxTicks) {
			step = candidate
			break
		}
	}
	top = (highest + step - 1) / step * step
	return top, step
}

// timeStep is a spacing of the time axis with the labels that suit it.
type timeStep struct {
	every  time.Duration // zero for calendar months
	months int
	label  string // time layout of each tick
	sub    string // time layout of the line under a tick where it changes
}

// timeSteps go from minutes to years: runs minutes apart show the time of
// day, runs weeks apart the date, runs a year apart the month.
var timeSteps = []timeStep{
	{every: time.Minute, label: "15:04", sub: "Jan 2"},
	{every: 2 * time.Minute, label: "15:04", sub: "Jan 2"},
	{every: 5 * time.Minute, label: "15:04", sub: "Jan 2"},
	{every: 10 * time.Minute, label: "15:04", sub: "Jan 2"},
	{every: 15 * time.Minute, label: "15:04", sub: "Jan 2"},
	{every: 30 * time.Minute, label: "15:04", sub: "Jan 2"},
	{every: time.Hour, label: "15:04", sub: "Jan 2"},
	{every: 2 * time.Hour, label: "15:04", sub: "Jan 2"},
	{every: 3 * time.Hour, label: "15:04", sub: "Jan 2"},
	{every: 6 * time.Hour, label: "15:04", sub: "Jan 2"},
	{every: 12 * time.Hour, label: "15:04", sub: "Jan 2"},
	{every: 24 * time.Hour, label: "Jan 2", sub: "2006"},
	{every: 2 * 24 * time.Hour, label: "Jan 2", sub: "2006"},
	{every: 7 * 24 * time.Hour, label: "Jan 2", sub: "2006"},
	{every: 14 * 24 * time.Hour, label: "Jan 2", sub: "2006"},
	{months: 1, label: "Jan", sub: "2006"},
	{months: 3, label: "Jan", sub: "2006"},
	{months: 6, label: "Jan", sub: "2006"},
	{months: 12, label: "2006"},
}

// timeTicks are the ticks of a time axis from first to last (UTC), at most
// maxTicks of them, placed by x. The line under a tick is written on the
// first tick and wherever it changes, so that "09:00 … 15:00" says its day
// once.
func timeTicks(first, last time.Time, maxTicks int, x func(time.Time) float64) []tick {
	first, last = first.UTC(), last.UTC()
	span := last.Sub(first)
	step := timeSteps[len(timeSteps)-1]
	for _, candidate := range timeSteps {
		if candidate.every > 0 && span/candidate.every < time.Duration(maxTicks) ||
			candidate.months > 0 && span < time.Duration(candidate.months*maxTicks)*30*24*time.Hour {
			step = candidate
			break
		}
	}
	var ticks []tick
	previousSub := ""
	for at := alignTime(first, step); !at.After(last); at = nextTime(at, step) {
		if at.Before(first) {
			continue
		}
		t := tick{At: x(at), Label: at.Format(step.label)}
		if step.sub != "" {
			if sub := at.Format(step.sub); sub != previousSub {
				t.Sub, previousSub = sub, sub
			}
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// alignTime is the first round time of the step at or before t: whole
// minutes, hours, days (midnight), Mondays for weeks, months of the year.
func alignTime(t time.Time, step timeStep) time.Time {
	switch {
	case step.months > 0:
		month := (int(t.Month())-1)/step.months*step.months + 1
		return time.Date(t.Year(), time.Month(month), 1, 0, 0, 0, 0, time.UTC)
	case step.every >= 7*24*time.Hour:
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		return day.AddDate(0, 0, -(int(day.Weekday())+6)%7)
	case step.every >= 24*time.Hour:
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	return t.Truncate(step.every)
}

func nextTime(t time.Time, step timeStep) time.Time {
	if step.months > 0 {
		return t.AddDate(0, step.months, 0)
	}
	if step.every >= 24*time.Hour {
		return t.AddDate(0, 0, int(step.every/(24*time.Hour)))
	}
	return t.Add(step.every)
}

// axisDuration is a tick of a duration axis: "0", "15m", "1h30m".
func axisDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	return readable(&d)
}
