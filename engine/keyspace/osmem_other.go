//go:build !linux

package keyspace

import "unsafe"

// osMemory is Linux-only; elsewhere every chunk comes from the Go heap.
type osMemory struct{}

func newOSMemory() *osMemory { return nil }

func (m *osMemory) chunk() unsafe.Pointer  { return nil }
func (m *osMemory) release(unsafe.Pointer) {}
func (m *osMemory) mapBig(int) []byte      { return nil }
func (m *osMemory) unmapBig([]byte)        {}
func (m *osMemory) releaseAll()            {}
