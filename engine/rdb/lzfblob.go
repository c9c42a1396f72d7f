package rdb

// LZFBlob writes data that is already LZF-compressed from rawLen bytes,
// as an LZF-encoded string (rdbSaveLzfBlob): a quicklist node kept
// compressed in memory goes out as it is, with no second compression.
func (w *Writer) LZFBlob(compressed []byte, rawLen int) {
	if w.room(1 + 9 + 9) {
		w.buf = append(w.buf, 0xC0|EncLZF)
		w.buf = appendLen(w.buf, uint64(len(compressed)))
		w.buf = appendLen(w.buf, uint64(rawLen))
		w.Raw(compressed)
	}
}
