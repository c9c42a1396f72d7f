package engine

import (
	"bytes"
	"os"
)

// rdtsc reads the CPU's time-stamp counter.
//
//go:noescape
func rdtsc() uint64

// tscUsable reports whether the time-stamp counter ticks at a constant
// rate in every power state (the kernel's constant_tsc and nonstop_tsc
// flags), which is what makes it a clock.
func tscUsable() bool {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return false
	}
	i := bytes.Index(b, []byte("\nflags"))
	if i < 0 {
		return false
	}
	line := b[i+1:]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	line = append(line, ' ')
	return bytes.Contains(line, []byte(" constant_tsc ")) && bytes.Contains(line, []byte(" nonstop_tsc "))
}
