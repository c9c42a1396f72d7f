//go:build !linux

package keyspace

import "unsafe"

// osMemory is Linux-only; elsewhere every chunk comes from the Go heap.
type osMemory struct{}

func newOSMemory() *osMemory { return nil }

func (m *osMemory) chunk() unsafe.Pointer    { return nil }
func (m *osMemory) release(unsafe.Pointer)   {}
func (m *osMemory) mapBig(int) []byte        { return nil }
func (m *osMemory) unmapBig([]byte)          {}
func (m *osMemory) releaseAll()              {}
func (m *osMemory) keepLarge(*largeHeader)   {}
func (m *osMemory) forgetLarge(*largeHeader) {}

// Large records live on the Go heap here.
func allocLargeBlock(int) (unsafe.Pointer, int) { return nil, 0 }
func freeLargeBlock(unsafe.Pointer, int)        {}

// LargeSpareBytes is the memory of freed large-record blocks kept for
// reuse: none, where large records live on the Go heap.
func LargeSpareBytes() int64 { return 0 }

// DecayLargeSpare has nothing to give back where large records live on
// the Go heap.
func DecayLargeSpare(int64) {}
