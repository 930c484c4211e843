package workload

import (
	"math"
	"time"
)

// latencies is a histogram of attempt latencies in logarithmic buckets 2%
// wide: quantiles within 1% of the truth in constant memory, however
// long the workload runs.
type latencies struct {
	counts []int64
	total  int64
}

const bucketGrowth = 1.02

var logGrowth = math.Log(bucketGrowth)

// maxBucket covers up to about 30 days in nanoseconds.
var maxBucket = int(math.Log(30*24*float64(time.Hour)) / logGrowth)

func newLatencies() *latencies { return &latencies{counts: make([]int64, maxBucket+1)} }

func (l *latencies) add(d time.Duration) {
	bucket := 0
	if d > 1 {
		bucket = min(int(math.Log(float64(d))/logGrowth), maxBucket)
	}
	l.counts[bucket]++
	l.total++
}

// quantile returns the latency below which the fraction q of attempts
// fall: the middle of its bucket; zero before any attempt.
func (l *latencies) quantile(q float64) time.Duration {
	if l.total == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(l.total)))
	var seen int64
	for bucket, n := range l.counts {
		seen += n
		if seen >= max(rank, 1) {
			return time.Duration(math.Exp((float64(bucket) + 0.5) * logGrowth))
		}
	}
	return time.Duration(math.Exp((float64(maxBucket) + 0.5) * logGrowth))
}
