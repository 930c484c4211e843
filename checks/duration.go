package checks

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads a duration as written in a scenario: Go's syntax
// ("90m", "1h30m", "500ms") plus days ("2d", "1d12h"), because recovery
// objectives and schedules are often counted in days.
func ParseDuration(text string) (time.Duration, error) {
	trimmed := strings.TrimSpace(text)
	if trimmed == "" {
		return 0, fmt.Errorf("empty duration: use a number with a unit, such as \"90m\", \"1h30m\" or \"2d\"")
	}
	var days time.Duration
	rest := trimmed
	if i := strings.IndexByte(rest, 'd'); i > 0 {
		n, err := strconv.ParseFloat(rest[:i], 64)
		if err == nil && n >= 0 {
			days = time.Duration(n * float64(24*time.Hour))
			rest = rest[i+1:]
		}
	}
	if rest == "" {
		return days, nil
	}
	parsed, err := time.ParseDuration(rest)
	if err != nil || (days > 0 && strings.HasPrefix(rest, "-")) {
		return 0, fmt.Errorf("invalid duration %q: use a number with a unit, such as \"90m\", \"1h30m\" or \"2d\" (units: ms, s, m, h, d)", text)
	}
	if parsed < 0 {
		return 0, fmt.Errorf("invalid duration %q: a duration cannot be negative", text)
	}
	return days + parsed, nil
}
