package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkServe1000Scenarios starts `redrill serve` on 1,000 scheduled
// scenarios and reports the time until it serves and its resident memory
// once it has answered /metrics.
func BenchmarkServe1000Scenarios(b *testing.B) {
	binary := redrillBinary(b)
	dir := b.TempDir()
	var src strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&src, `scenario "drill-%04d" {
  objective {
    rto = "30m"
  }
  schedule {
    cron = "%d %d * * *"
  }
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
  recovered_when {
    timeout = "10m"
    check "healthy" {
      http { url = "http://127.0.0.1:1/health" }
    }
  }
}

`, i, i%60, i%24)
	}
	path := filepath.Join(dir, "thousand.hcl")
	if err := os.WriteFile(path, []byte(src.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	serving := regexp.MustCompile(`msg=serving dashboard=(\S+)`)

	var startup, rss float64
	for b.Loop() {
		logs := &lockedBuffer{}
		serve := exec.Command(binary, "serve", path, "--store", filepath.Join(b.TempDir(), "h.db"), "--listen", "127.0.0.1:0")
		serve.Stderr = logs
		started := time.Now()
		if err := serve.Start(); err != nil {
			b.Fatal(err)
		}
		var dashboard string
		waitFor(b, func() bool {
			match := serving.FindStringSubmatch(logs.String())
			if match != nil {
				dashboard = match[1]
			}
			return match != nil
		})
		startup += time.Since(started).Seconds()
		resp, err := http.Get(dashboard + "metrics")
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if !strings.Contains(logs.String(), "scheduled=1000") {
			b.Fatalf("not every scenario scheduled:\n%s", logs.String())
		}
		rss += residentMB(b, serve.Process.Pid)
		_ = serve.Process.Kill()
		_ = serve.Wait()
	}
	b.ReportMetric(startup/float64(b.N), "s-to-serve")
	b.ReportMetric(rss/float64(b.N), "MB-RSS")
}

// residentMB reads a process's resident set size from /proc.
func residentMB(b *testing.B, pid int) float64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	match := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(status)
	if match == nil {
		b.Fatalf("no VmRSS in /proc/%d/status", pid)
	}
	kb, _ := strconv.Atoi(string(match[1]))
	return float64(kb) / 1024
}
