package engine

import "golang.org/x/sys/unix"

// totalSystemMemory returns the machine's RAM in bytes, or 0 if the
// kernel does not say.
func totalSystemMemory() uint64 {
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) != nil {
		return 0
	}
	return uint64(si.Totalram) * uint64(si.Unit)
}
