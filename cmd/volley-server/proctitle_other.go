//go:build !linux

package main

// The process title is set on Linux only.
func initProcTitle()      {}
func setProcTitle(string) {}
