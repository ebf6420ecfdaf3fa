// The traced program of the tracing-cost benchmark: pairs of goroutines pass a token back
// and forth over unbuffered channels, so every hop is a goroutine switch (the scheduler's
// runtime.execute runs once per hop), and every hop calls main.work, the traced function.
// It runs for -d and prints its throughput as "calls/s N" (per second of wall time) and
// "calls/cpu-s N" (per second of CPU time the process used, user and system: tracing runs in
// the traced thread's context, so this counts its cost while other work on the machine,
// which slows the wall-time figure, does not).
package main

import (
	"flag"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"time"
)

var stop atomic.Bool

// counter is one pair's count, padded to its own cache line so pairs do not contend.
type counter struct {
	n atomic.Int64
	_ [56]byte
}

// work is the traced function: small, so that the probes' cost dominates, and kept out of line
// so that it has a symbol and a call per hop.
//
//go:noinline
func work(token int, label string) int {
	return token*31 + len(label)
}

func player(in <-chan int, out chan<- int, c *counter, label string) {
	for token := range in {
		if stop.Load() {
			return
		}
		c.n.Add(1)
		out <- work(token, label)
	}
}

// cpuSeconds is the user and system CPU time of the whole process so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func main() {
	duration := flag.Duration("d", 5*time.Second, "how long to run")
	pairs := flag.Int("pairs", 16, "goroutine pairs passing a token")
	flag.Parse()

	counters := make([]counter, *pairs)
	for i := range counters {
		a, b := make(chan int), make(chan int)
		go player(a, b, &counters[i], "ping")
		go player(b, a, &counters[i], "pong")
		a <- i
	}
	start, cpuStart := time.Now(), cpuSeconds()
	var first int64
	for i := range counters {
		first += counters[i].n.Load()
	}
	time.Sleep(*duration)
	var calls int64
	for i := range counters {
		calls += counters[i].n.Load()
	}
	calls -= first
	elapsed, cpu := time.Since(start).Seconds(), cpuSeconds()-cpuStart
	stop.Store(true)
	fmt.Printf("calls/s %.0f\n", float64(calls)/elapsed)
	fmt.Printf("calls/cpu-s %.0f\n", float64(calls)/cpu)
	os.Exit(0)
}
