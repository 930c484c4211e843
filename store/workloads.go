package store

import "time"

// ClientDowntime is the longest outage that any of a run's workloads saw:
// how long its clients could not get through. Nil when the run recorded
// no workload.
func ClientDowntime(workloads []Workload) *time.Duration {
	if len(workloads) == 0 {
		return nil
	}
	var longest time.Duration
	for _, w := range workloads {
		longest = max(longest, w.LongestOutage)
	}
	return &longest
}

// LostWritesOf is the count of acknowledged writes that a run's verified
// workloads lost. Nil when none was verified: not measured is not zero.
func LostWritesOf(workloads []Workload) *int64 {
	var lost *int64
	for _, w := range workloads {
		if w.Verified == nil {
			continue
		}
		if lost == nil {
			lost = new(int64)
		}
		*lost += w.Verified.Lost
	}
	return lost
}
