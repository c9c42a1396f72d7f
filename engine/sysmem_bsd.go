//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package engine

import "golang.org/x/sys/unix"

// totalSystemMemory returns the machine's RAM in bytes, or 0 if the
// kernel does not say.
func totalSystemMemory() uint64 {
	for _, name := range []string{"hw.memsize", "hw.physmem64", "hw.physmem"} {
		if n, err := unix.SysctlUint64(name); err == nil && n > 0 {
			return n
		}
	}
	return 0
}
