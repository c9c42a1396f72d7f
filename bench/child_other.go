//go:build !linux

package main

import "syscall"

// childAttr puts a child in its own process group, so that the harness
// can kill it with everything it started. Only Linux can also have the
// kernel kill it when the harness dies.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
