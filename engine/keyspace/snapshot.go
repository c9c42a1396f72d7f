package keyspace

import (
	"math/bits"
	"unsafe"
)

// Fork-less snapshots.
//
// A snapshot serializes the table a few buckets at a time between batches,
// with Scan, while commands keep changing it. To still produce the image of
// the moment it began, every record carries a mark: the table epoch in which
// it was created or last saved. BeginSnapshot starts a new epoch, so every
// record existing at that moment is unsaved. The snapshotter passes each
// entry its Scan reaches to Capture, and serializes it if Capture says it is
// unsaved; Scan's duplicates are thereby dropped. Before the table overwrites,
// deletes, or hands out for writing (GetForWrite) an unsaved record, it calls
// the snapshot's save hook with it first: the copy-ahead rule. Records created
// during the snapshot carry the new epoch and are not part of the image.
//
// The mark lives in the record, not in the bucket, because incremental
// rehashing moves records between buckets and tables mid-snapshot; a
// per-record mark survives that (and resizes stay allowed while saving).
//
// Marks are 8 bits. A completed snapshot leaves every record marked with its
// epoch; after 255 abandoned snapshots in a row, BeginSnapshot re-marks every
// record once so an old mark cannot be mistaken for the new epoch.

// BeginSnapshot starts a snapshot: from now on save is called with each
// record the snapshot has not yet saved, just before the table changes or
// frees it, or hands it out through GetForWrite. save must not change the
// table. Starting a snapshot while one is running abandons the running one.
func (t *Table) BeginSnapshot(save func(Entry)) {
	if t.epoch+1 == t.clean {
		t.remark()
	}
	t.epoch++
	t.save = save
}

// Capture marks e as saved by the running snapshot and reports whether it
// was unsaved until now, that is whether the snapshotter must serialize it.
// It reports false when no snapshot is running.
func (t *Table) Capture(e Entry) bool {
	if t.save == nil || e.mark() == t.epoch {
		return false
	}
	e.setMark(t.epoch)
	return true
}

// EndSnapshot stops the running snapshot. complete says whether the
// snapshotter captured every entry (its Scan finished).
func (t *Table) EndSnapshot(complete bool) {
	if t.save != nil && complete {
		t.clean = t.epoch
	}
	t.save = nil
}

// Snapshotting reports whether a snapshot is running.
func (t *Table) Snapshotting() bool { return t.save != nil }

// capture runs the copy-ahead hook for the record at p if it is unsaved.
func (t *Table) capture(p unsafe.Pointer) {
	e := Entry{p, t.a}
	if e.mark() != t.epoch {
		e.setMark(t.epoch)
		t.save(e)
	}
}

// remark marks every record with the current epoch.
func (t *Table) remark() {
	t.walk(func(b *bucket, pos int) {
		Entry{t.a.ptr(b.slots[pos]), t.a}.setMark(t.epoch)
	})
	t.clean = t.epoch
}

// walk calls fn for every occupied slot; fn must not change the table.
func (t *Table) walk(fn func(b *bucket, pos int)) {
	for tab := 0; tab < 2; tab++ {
		for idx := 0; idx < numBuckets(t.exp[tab]); idx++ {
			for b := t.bucket(tab, uint64(idx)); ; b = t.child(b) {
				for p := b.meta & presenceMask; p != 0; p &= p - 1 {
					fn(b, bits.TrailingZeros64(p))
				}
				if b.meta&chainedBit == 0 {
					break
				}
			}
		}
	}
}
