package simd

import (
	"os"
	"strings"
	"sync/atomic"
)

// Level is a family of kernels. Levels are ordered: each one implies the
// ones below it.
type Level int32

const (
	// LevelGeneric runs the pure-Go twins only.
	LevelGeneric Level = iota
	// LevelAVX2 runs the AVX2 kernels.
	LevelAVX2
	// LevelAVX512 adds the AVX-512 popcount and HyperLogLog histogram, for
	// CPUs of the Ice Lake and Zen 4 class (AVX512F, BW, VPOPCNTDQ, VBMI,
	// BITALG and GFNI). The other kernels stay on AVX2 there: they are
	// already limited by memory, not width.
	LevelAVX512
)

// String names a level the way INFO and the start-up log print it.
func (l Level) String() string {
	switch l {
	case LevelGeneric:
		return "generic"
	case LevelAVX2:
		return "avx2"
	case LevelAVX512:
		return "avx512"
	}
	return "unknown"
}

// EnvVar is the environment switch read once at start-up. "off" (or "0",
// "false", "no", "generic", "none") keeps every kernel on its pure-Go twin,
// "avx2" caps the choice at AVX2, and "", "on" or "auto" take the widest
// kernels the CPU has. Any other value is treated as "off": someone who set
// the switch and misspelt it more likely meant to turn something off.
const EnvVar = "VOLLEY_SIMD"

var (
	// supported is what this CPU and build can run, after the environment
	// switch; it never changes after init.
	supported Level
	// envNote records how the environment switch was read, for Describe.
	envNote string
	// active is what the kernels dispatch on; SetLevel changes it.
	active atomic.Int32
)

func init() {
	supported, envNote = capByEnv(detectCPU(), os.Getenv(EnvVar))
	active.Store(int32(supported))
}

// capByEnv applies the environment switch to the level the CPU offers.
func capByEnv(cpu Level, env string) (Level, string) {
	v := strings.ToLower(strings.TrimSpace(env))
	switch v {
	case "", "on", "auto", "avx512":
		return cpu, ""
	case "avx2":
		return min(cpu, LevelAVX2), EnvVar + "=avx2"
	case "off", "0", "false", "no", "generic", "none":
		return LevelGeneric, EnvVar + "=" + v
	}
	return LevelGeneric, EnvVar + "=" + v + " (unknown value, treated as off)"
}

// Active returns the level the kernels currently dispatch on.
func Active() Level { return Level(active.Load()) }

// Supported returns the widest level this CPU and build can run, after the
// environment switch. Active never exceeds it.
func Supported() Level { return supported }

// SetLevel makes the kernels dispatch on l, or on Supported() if l is wider
// than that, and returns a function that restores the previous level. Tests
// use it to force the fallback; PFDEBUG SIMD OFF can use it too. It is safe
// to call concurrently with the kernels: a call already running finishes on
// the level it started with.
func SetLevel(l Level) (restore func()) {
	l = max(LevelGeneric, min(l, supported))
	prev := active.Swap(int32(l))
	return func() { active.Store(prev) }
}

// Describe says in one line which kernels run and why, for INFO and the
// start-up log.
func Describe() string {
	l := Active()
	var s string
	switch l {
	case LevelAVX512:
		s = "avx512 (popcount, hll histogram: avx512; bitpos, bitop, hll merge/pack: avx2; prefetch)"
	case LevelAVX2:
		s = "avx2 (popcount, bitpos, bitop, hll: avx2; prefetch)"
	default:
		s = "generic (pure Go)"
	}
	if l != supported {
		s += ", forced from " + supported.String()
	}
	if envNote != "" {
		s += ", " + envNote
	}
	return s
}
