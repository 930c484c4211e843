package workload

import (
	"fmt"
	"slices"
)

// Range is the sequence numbers from Lo to Hi, both included.
type Range struct{ Lo, Hi int64 }

// Ranges is a set of sequence numbers as sorted, disjoint, non-adjacent
// ranges: a verify query that returns islands of consecutive numbers
// describes millions of writes in a few rows.
type Ranges []Range

// NewRanges merges ranges given in any order, overlapping or not. A range
// whose Lo is above its Hi is an error.
func NewRanges(given []Range) (Ranges, error) {
	ranges := slices.Clone(given)
	for _, r := range ranges {
		if r.Lo > r.Hi {
			return nil, fmt.Errorf("range [%d, %d] ends before it starts", r.Lo, r.Hi)
		}
	}
	slices.SortFunc(ranges, func(a, b Range) int { return compare(a.Lo, b.Lo) })
	merged := Ranges{}
	for _, r := range ranges {
		if n := len(merged); n > 0 && r.Lo <= merged[n-1].Hi+1 {
			merged[n-1].Hi = max(merged[n-1].Hi, r.Hi)
			continue
		}
		merged = append(merged, r)
	}
	return merged, nil
}

// Len is how many numbers the set holds.
func (rs Ranges) Len() int64 {
	var n int64
	for _, r := range rs {
		n += r.Hi - r.Lo + 1
	}
	return n
}

// cursor walks a set in increasing order of the numbers asked about,
// which makes testing every sequence number of a workload linear.
type cursor struct {
	ranges Ranges
	at     int
}

// contains tells whether seq is in the set; seq must not decrease between
// calls.
func (c *cursor) contains(seq int64) bool {
	for c.at < len(c.ranges) && c.ranges[c.at].Hi < seq {
		c.at++
	}
	return c.at < len(c.ranges) && c.ranges[c.at].Lo <= seq
}

func compare(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
