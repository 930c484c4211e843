package workload

import (
	"bufio"
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hourAt1000 is the number of writes acknowledged in one hour at 1,000 a
// second.
const hourAt1000 = 3_600_000

// BenchmarkHourOfAcknowledgedWrites drives a workload whose attempts
// succeed at once, at the highest rate, until it has acknowledged an
// hour's worth of writes at 1,000 a second, then verifies them against
// survivors that lack one write in a thousand. What it keeps grows with
// the writes acknowledged, not with time, so the hour is compressed into
// seconds. Reported: the process's resident memory (VmRSS) before the
// workload and once verified, its peak (VmHWM), the live heap, and the
// heap kept per acknowledged write. Target: under 100 MB RSS. Run it with
// -count=1: later runs in the same process start from the memory the
// earlier ones left to the runtime.
func BenchmarkHourOfAcknowledgedWrites(b *testing.B) {
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		rssBefore := procStatusMB(b, "VmRSS")
		started := time.Now()

		w := Start(context.Background(), Options{Name: "writer", Kind: "sql", Rate: 1_000_000, Concurrency: 4},
			func(context.Context, int64, time.Time) error { return nil })
		for w.Progress().Succeeded < hourAt1000 {
			time.Sleep(10 * time.Millisecond)
		}
		stats := w.Stop()
		// The survivors: islands of 999 writes, every thousandth lost.
		var islands []Range
		for lo := int64(1); lo <= stats.Attempts; lo += 1000 {
			islands = append(islands, Range{Lo: lo, Hi: min(lo+998, stats.Attempts)})
		}
		survivors, err := NewRanges(islands)
		if err != nil {
			b.Fatal(err)
		}
		lost := w.Verify(survivors, time.Time{}, time.Now())
		elapsed := time.Since(started)
		if lost.Acknowledged != stats.Succeeded || lost.Lost != stats.Succeeded/1000 {
			b.Fatalf("verified %+v after %d acknowledged writes", lost, stats.Succeeded)
		}

		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		rss, hwm := procStatusMB(b, "VmRSS"), procStatusMB(b, "VmHWM")
		runtime.KeepAlive(w)

		b.ReportMetric(float64(stats.Succeeded), "acknowledged")
		b.ReportMetric(float64(stats.Succeeded)/elapsed.Seconds(), "attempts/s")
		b.ReportMetric(rssBefore, "rss-before-MB")
		b.ReportMetric(rss, "rss-MB")
		b.ReportMetric(hwm, "hwm-MB")
		b.ReportMetric(float64(after.HeapAlloc)/(1<<20), "heap-MB")
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(stats.Succeeded), "heap-B/write")
	}
}

// procStatusMB reads a field of /proc/self/status given in kB, in MB.
func procStatusMB(b *testing.B, field string) float64 {
	b.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Skipf("no /proc/self/status: %v", err)
	}
	defer f.Close()
	for scanner := bufio.NewScanner(f); scanner.Scan(); {
		name, value, ok := strings.Cut(scanner.Text(), ":")
		if !ok || name != field {
			continue
		}
		kB, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 64)
		if err != nil {
			b.Fatalf("%s: %v", field, err)
		}
		return kB / 1024
	}
	b.Fatalf("no %s in /proc/self/status", field)
	return 0
}
