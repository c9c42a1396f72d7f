package engine

import (
	"os"
	"syscall"
)

// fdatasync flushes f's data (not its metadata times) to the disk, as
// Valkey's valkey_fsync does on Linux.
func fdatasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			if err != nil {
				return os.NewSyscallError("fdatasync", err)
			}
			return nil
		}
	}
}
