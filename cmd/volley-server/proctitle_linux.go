package main

import (
	"os"
	"strings"
	"unsafe"
)

// argvArea is the memory the kernel put the process's arguments in,
// which ps and /proc/PID/cmdline read; nil when they are not where Go's
// os.Args says, one after the other.
var argvArea []byte

// initProcTitle takes the arguments' memory for setProcTitle, and gives
// os.Args copies of its own first: the runtime's os.Args strings point
// into that memory, which setProcTitle overwrites.
func initProcTitle() {
	if len(os.Args) == 0 {
		return
	}
	start := unsafe.StringData(os.Args[0])
	end := uintptr(unsafe.Pointer(start))
	for _, a := range os.Args {
		if len(a) > 0 && uintptr(unsafe.Pointer(unsafe.StringData(a))) != end {
			return // not laid out as the kernel does it: leave the title alone
		}
		end += uintptr(len(a)) + 1
	}
	args := make([]string, len(os.Args))
	for i, a := range os.Args {
		args[i] = strings.Clone(a)
	}
	area := unsafe.Slice(start, end-uintptr(unsafe.Pointer(start)))
	os.Args = args
	argvArea = area
}

// setProcTitle shows title as the process's command line, as Valkey's
// setproctitle does, cut to the arguments' length: Valkey also moves the
// environment away to use its memory, but Go's runtime keeps pointers
// into it. The rest of the area is zeroed, its last byte included, so
// that the kernel reads the title alone.
func setProcTitle(title string) {
	if len(argvArea) < 2 {
		return
	}
	n := copy(argvArea[:len(argvArea)-1], title)
	clear(argvArea[n:])
}
