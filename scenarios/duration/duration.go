// Package duration reads and writes durations as scenarios write them:
// Go's syntax plus days ("90m", "1h30m", "2d"). It has no dependency, so
// that the reports can read --since and ?since= the same way.
package duration

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// longestDuration is how a too-long duration's message states the limit:
// a time.Duration holds about 292 years.
const longestDuration = "106751d (about 292 years)"

// durationSyntax is what Parse accepts: an optional number of days,
// then Go's units, each number whole or decimal. Checking the form first
// lets the messages tell a typo from a number too large to hold.
var durationSyntax = regexp.MustCompile(`^(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)d)?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))*$`)

// Format writes a duration as a scenario would: 30m rather than
// Go's 30m0s, 3h rather than 3h0m0s. Parse reads it back.
func Format(d time.Duration) string {
	text := d.String()
	if strings.HasSuffix(text, "m0s") {
		text = strings.TrimSuffix(text, "0s")
	}
	if strings.HasSuffix(text, "h0m") {
		text = strings.TrimSuffix(text, "0m")
	}
	return text
}

// Parse reads a duration as written in a scenario: Go's syntax
// ("90m", "1h30m", "500ms") plus days ("2d", "1d12h"), because recovery
// objectives and schedules are often counted in days. Negative durations
// and durations too long to hold are refused, never wrapped around.
func Parse(text string) (time.Duration, error) {
	trimmed := strings.TrimSpace(text)
	if trimmed == "" {
		return 0, fmt.Errorf("empty duration: use a number with a unit, such as \"90m\", \"1h30m\" or \"2d\"")
	}
	if strings.HasPrefix(trimmed, "-") {
		return 0, fmt.Errorf("invalid duration %q: a duration cannot be negative", text)
	}
	if trimmed == "0" {
		return 0, nil
	}
	if !durationSyntax.MatchString(trimmed) {
		return 0, fmt.Errorf("invalid duration %q: use a number with a unit, such as \"90m\", \"1h30m\" or \"2d\" (units: ms, s, m, h, d)", text)
	}
	tooLong := func() error {
		return fmt.Errorf("invalid duration %q: too long, the longest is %s", text, longestDuration)
	}

	var days time.Duration
	rest := trimmed
	if i := strings.IndexByte(rest, 'd'); i >= 0 {
		n, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil {
			return 0, tooLong()
		}
		nanos := n * float64(24*time.Hour)
		// float64(MaxInt64) rounds up to 2^63, so >= is the safe bound.
		if nanos >= float64(math.MaxInt64) {
			return 0, tooLong()
		}
		days = time.Duration(nanos)
		rest = rest[i+1:]
	}
	if rest == "" {
		return days, nil
	}
	// The syntax is right, so time.ParseDuration can fail only by overflow.
	parsed, err := time.ParseDuration(rest)
	if err != nil || parsed > math.MaxInt64-days {
		return 0, tooLong()
	}
	return days + parsed, nil
}
