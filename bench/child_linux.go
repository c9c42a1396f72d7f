package main

import "syscall"

// childAttr puts a child in its own process group, so that the harness
// can kill it with everything it started, and has the kernel kill it if
// the harness dies first.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
