package main

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestApplyGCPolicy(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	for _, tc := range []struct {
		maxmemory uint64
		want      int64
	}{
		{0, math.MaxInt64},
		{1 << 30, 1 << 30},
		{1 << 20, gcLimitFloor},
		{math.MaxUint64, math.MaxInt64},
	} {
		applyGCPolicy(tc.maxmemory)
		if got := debug.SetMemoryLimit(-1); got != tc.want {
			t.Errorf("maxmemory %d: limit %d, want %d", tc.maxmemory, got, tc.want)
		}
	}
	t.Setenv("GOMEMLIMIT", "123MiB")
	debug.SetMemoryLimit(5 << 30)
	applyGCPolicy(1 << 30)
	if got := debug.SetMemoryLimit(-1); got != 5<<30 {
		t.Errorf("GOMEMLIMIT in the environment overridden: %d", got)
	}
}
