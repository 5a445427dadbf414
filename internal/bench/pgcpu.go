package bench

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// CPU time of the PostgreSQL backends serving one database.
//
// The HIS figures on PostgreSQL and pgbench's share the machine's cores
// with the server; to say where a settlement's CPU goes, the bench adds up
// the CPU time of the server processes serving the benchmark's database
// while a timed part runs. A backend names its database in its process
// title ("postgres: [CLUSTER:] USER DATABASE HOST(PORT) STATE"), and its user and
// system time are in /proc/PID/stat. A sampler polls them every 50 ms and
// keeps each backend's latest value, so a backend that exits during the
// span (pgbench's, at its end) is counted up to its last poll — at most
// 50 ms of its time is missed. Other databases' backends, autovacuum, the
// WAL writer and the checkpointer are not counted. Where /proc is not
// there or no backend is visible (a server on another machine), the figure
// is left out.

// clockTicks is Linux's USER_HZ, the unit of /proc/PID/stat times.
const clockTicks = 100

// backendTicks returns the CPU ticks of every postgres process serving
// database.
func backendTicks(database string) map[int]int64 {
	paths, _ := filepath.Glob("/proc/[0-9]*/stat")
	out := map[int]int64{}
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // exited meanwhile
		}
		open, closing := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
		if open < 0 || closing < open || string(b[open+1:closing]) != "postgres" {
			continue
		}
		dir := filepath.Dir(path)
		title, err := os.ReadFile(filepath.Join(dir, "cmdline"))
		if err != nil || !titleNames(string(title), database) {
			continue
		}
		// After "(comm) ": state ppid pgrp session tty tpgid flags minflt
		// cminflt majflt cmajflt utime stime …
		f := strings.Fields(string(b[closing+1:]))
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		pid, _ := strconv.Atoi(filepath.Base(dir))
		out[pid] = u + s
	}
	return out
}

// titleNames reports whether a backend's process title names database.
func titleNames(title, database string) bool {
	f := strings.Fields(strings.ReplaceAll(title, "\x00", " "))
	if len(f) == 0 || f[0] != "postgres:" {
		return false
	}
	i := 1
	if len(f) > i && strings.HasSuffix(f[i], ":") { // cluster_name, as Debian sets it ("15/main:")
		i++
	}
	return len(f) > i+1 && f[i+1] == database
}

// cpuSampler adds up the CPU of one database's backends over a span.
type cpuSampler struct {
	database string
	base     map[int]int64 // at the start
	last     map[int]int64 // latest seen
	stop     chan struct{}
	done     sync.WaitGroup
}

// sampleServerCPU starts sampling the backends of the database named in
// dsn (a postgres:// URL); nil when there is nothing to sample.
func sampleServerCPU(dsn string) *cpuSampler {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil
	}
	database := strings.TrimPrefix(u.Path, "/")
	if database == "" {
		return nil
	}
	s := &cpuSampler{database: database, base: backendTicks(database), stop: make(chan struct{})}
	s.last = map[int]int64{}
	for pid, t := range s.base {
		s.last[pid] = t
	}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-tick.C:
				s.poll()
			}
		}
	}()
	return s
}

func (s *cpuSampler) poll() {
	for pid, t := range backendTicks(s.database) {
		s.last[pid] = t
	}
}

// end stops sampling and returns the backends' CPU time over the span
// (false: no backend was seen, or s is nil).
func (s *cpuSampler) end() (time.Duration, bool) {
	if s == nil {
		return 0, false
	}
	close(s.stop)
	s.done.Wait()
	s.poll()
	if len(s.last) == 0 {
		return 0, false
	}
	var ticks int64
	for pid, t := range s.last {
		if d := t - s.base[pid]; d >= 0 {
			ticks += d
		} else { // the pid was reused by a new backend
			ticks += t
		}
	}
	return time.Duration(ticks) * time.Second / clockTicks, true
}
