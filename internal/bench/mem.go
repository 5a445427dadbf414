package bench

import (
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Memory is the peak memory of this process during one section.
type Memory struct {
	Section string `json:"section"`
	Engine  string `json:"engine,omitempty"`
	// RSSPeakMB is the resident set's high-water mark (VmHWM of
	// /proc/self/status) over the section: it is reset at the section's
	// start by writing 5 to /proc/self/clear_refs. Where that is refused,
	// it is the process's peak so far (getrusage ru_maxrss) and RSSReset
	// is false.
	RSSPeakMB float64 `json:"rss_peak_mb"`
	RSSReset  bool    `json:"rss_reset"`
	// HeapPeakMB is the largest Go heap (memory occupied by heap
	// objects, live or not yet swept; runtime/metrics) sampled every 10 ms.
	// SQLite's page cache (modernc's C heap) and memory-mapped files are
	// in the RSS, not here.
	HeapPeakMB float64 `json:"go_heap_peak_mb"`
	Load       string  `json:"loadavg"` // /proc/loadavg at the section's start
}

// memWatch samples the Go heap until stop.
type memWatch struct {
	m     Memory
	stop  chan struct{}
	done  sync.WaitGroup
	peak  uint64
	reset bool
}

const heapMetric = "/memory/classes/heap/objects:bytes"

// watchMemory resets the RSS high-water mark and starts sampling the heap.
func watchMemory(section, engine string) *memWatch {
	w := &memWatch{m: Memory{Section: section, Engine: engine, Load: loadAvg()}, stop: make(chan struct{})}
	w.reset = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	s := []metrics.Sample{{Name: heapMetric}}
	sample := func() {
		metrics.Read(s)
		if s[0].Value.Kind() == metrics.KindUint64 {
			w.peak = max(w.peak, s[0].Value.Uint64())
		}
	}
	sample()
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				sample()
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return w
}

// end stops sampling and returns the section's peaks.
func (w *memWatch) end() Memory {
	close(w.stop)
	w.done.Wait()
	w.m.HeapPeakMB = mb(w.peak)
	hwm := vmHWM()
	w.m.RSSReset = w.reset && hwm > 0
	if hwm == 0 {
		hwm = maxRSS()
	}
	w.m.RSSPeakMB = mb(hwm)
	return w.m
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

// vmHWM is VmHWM of /proc/self/status in bytes (0 where unknown).
func vmHWM() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v) // "123456 kB"
			if len(f) >= 1 {
				n, _ := strconv.ParseUint(f[0], 10, 64)
				return n << 10
			}
		}
	}
	return 0
}

// maxRSS is the process's peak resident set (getrusage), in bytes.
func maxRSS() uint64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return uint64(ru.Maxrss) << 10 // kilobytes on Linux
}
