// Package labels reads and writes runner labels: KEY=VALUE pairs that say
// what a runner is (site=eu-west, hw=nvme-2026) and where a drill may run.
package labels

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// keyPattern is a label key: a Prometheus label name without the
// reserved leading "__", so that keys become labels of /metrics as they are.
var keyPattern = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// CheckKey says what is wrong with a key, or nil.
func CheckKey(key string) error {
	if !keyPattern.MatchString(key) || strings.HasPrefix(key, "__") {
		return fmt.Errorf("label key %q: a key is letters, digits and underscores, not starting with a digit or \"__\", such as site or hw_class", key)
	}
	return nil
}

// CheckValue says what is wrong with a value, or nil.
func CheckValue(key, value string) error {
	if strings.TrimSpace(value) == "" {
		return fmt.Errorf("label %s has an empty value: give one, such as site=eu-west", key)
	}
	return nil
}

// Parse reads KEY=VALUE pairs, each an item of pairs or a comma-separated
// list of them (REDRILL_LABELS=site=eu-west,hw=nvme). A key given twice
// with different values is an error.
func Parse(pairs ...string) (map[string]string, error) {
	parsed := map[string]string{}
	for _, item := range pairs {
		for pair := range strings.SplitSeq(item, ",") {
			pair = strings.TrimSpace(pair)
			if pair == "" {
				continue
			}
			key, value, ok := strings.Cut(pair, "=")
			if !ok {
				return nil, fmt.Errorf("label %q: write KEY=VALUE, such as site=eu-west", pair)
			}
			key, value = strings.TrimSpace(key), strings.TrimSpace(value)
			if err := CheckKey(key); err != nil {
				return nil, err
			}
			if err := CheckValue(key, value); err != nil {
				return nil, err
			}
			if previous, ok := parsed[key]; ok && previous != value {
				return nil, fmt.Errorf("label %s is given twice, as %q and %q: keep one", key, previous, value)
			}
			parsed[key] = value
		}
	}
	return parsed, nil
}

// String writes labels as sorted KEY=VALUE pairs joined by commas, "" for
// none: what Parse reads back.
func String(labels map[string]string) string {
	keys := slices.Sorted(maps.Keys(labels))
	pairs := make([]string, len(keys))
	for i, key := range keys {
		pairs[i] = key + "=" + labels[key]
	}
	return strings.Join(pairs, ",")
}

// Missing lists, sorted, the labels of want that have does not have with
// the same value: why a runner does not match.
func Missing(have, want map[string]string) []string {
	var missing []string
	for key, value := range want {
		if have[key] != value {
			missing = append(missing, key+"="+value)
		}
	}
	slices.Sort(missing)
	return missing
}
