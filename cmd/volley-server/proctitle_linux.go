package main

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"unsafe"
)

// argvArea is the memory the kernel put the process's arguments in, and
// the environment's after them, which ps and /proc/PID/cmdline read; nil
// when the arguments are not where Go's os.Args says, one after the
// other.
var argvArea []byte

// initProcTitle takes the arguments' memory for setProcTitle, and gives
// os.Args copies of its own first: the runtime's os.Args strings point
// into that memory, which setProcTitle overwrites. The environment's
// strings follow the arguments'; the runtime has copied them (os.Environ
// does not read that memory), so the title may run on over them, as
// Valkey's setproctitle lets it once it has moved the environment away.
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
	if envStart, envEnd, ok := envArea(); ok && envStart == end && envEnd > end {
		end = envEnd
	}
	args := make([]string, len(os.Args))
	for i, a := range os.Args {
		args[i] = strings.Clone(a)
	}
	area := unsafe.Slice(start, end-uintptr(unsafe.Pointer(start)))
	os.Args = args
	argvArea = area
}

// envArea reads where the kernel put the environment's strings: fields
// env_start and env_end of /proc/self/stat (Linux 3.5 and later).
func envArea() (start, end uintptr, ok bool) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, 0, false
	}
	// The command name, in parentheses, may hold anything: count the
	// fields after its closing parenthesis, which is field 2.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	const envStartField = 50 // 1-based, as proc(5) numbers them
	if len(f) < envStartField-1 {
		return 0, 0, false
	}
	s, err1 := strconv.ParseUint(f[envStartField-3], 10, 64)
	e, err2 := strconv.ParseUint(f[envStartField-2], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return uintptr(s), uintptr(e), true
}

// setProcTitle shows title as the process's command line, as Valkey's
// setproctitle does, cut to the arguments' and environment's length. The
// rest of the area is zeroed, its last byte included, so that the kernel
// reads the title alone: once the arguments' last NUL is overwritten it
// reads on into the environment's memory up to the first NUL.
func setProcTitle(title string) {
	if len(argvArea) < 2 {
		return
	}
	n := copy(argvArea[:len(argvArea)-1], title)
	clear(argvArea[n:])
}
