package main

import (
	"math"
	"runtime"
	"slices"
	"syscall"
	"time"
)

// sample is what one stretch of work cost this process.
type sample struct {
	Wall   time.Duration
	CPU    time.Duration // user + system time of the whole process
	Allocs uint64        // heap objects allocated
	Bytes  uint64        // heap bytes allocated
}

// meter measures a stretch of work: start it, do the work, call stop.
type meter struct {
	wall   time.Time
	cpu    time.Duration
	allocs uint64
	bytes  uint64
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// startMeter collects garbage first, so that the stretch measured does not
// pay for what came before it.
func startMeter() *meter {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return &meter{wall: time.Now(), cpu: cpuTime(), allocs: ms.Mallocs, bytes: ms.TotalAlloc}
}

func (m *meter) stop() sample {
	wall := time.Since(m.wall)
	cpu := cpuTime() - m.cpu
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return sample{Wall: wall, CPU: cpu, Allocs: ms.Mallocs - m.allocs, Bytes: ms.TotalAlloc - m.bytes}
}

// median of xs; 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// percentile of xs by the nearest-rank method; 0 for none.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[min(max(rank, 1), len(s))-1]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// ratio is a / b, or 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
