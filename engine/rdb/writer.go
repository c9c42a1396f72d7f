package rdb

import (
	"encoding/binary"
	"io"
	"math"
	"strconv"

	"github.com/volleydb/volley/engine/resp"
)

const (
	writeBufSize = 64 << 10 // the Writer's buffer
	// lzfScratchKeep is the largest compression scratch buffer a Writer
	// keeps between strings; bigger strings get a buffer of their own, as
	// Valkey mallocs one past its static 8 KiB.
	lzfScratchKeep = 1 << 20
	// lzfMinLen: Valkey does not try LZF on strings of 20 bytes or fewer.
	lzfMinLen = 20
)

// Writer writes the RDB encoding to an io.Writer through a buffer,
// keeping the CRC64 of every byte for Footer. Methods record the first
// error from the underlying writer and do nothing after it; check Err,
// Flush or Footer at the end. A Writer is used by one goroutine.
//
// A new Writer compresses and checksums, as Valkey's rdbcompression and
// rdbchecksum default to yes.
type Writer struct {
	w        io.Writer
	buf      []byte // pending bytes, cap writeBufSize
	sumPos   int    // buf[:sumPos] is already in crc
	crc      uint64 // CRC64 of the bytes before buf[sumPos:], when checksum is on
	flushed  int64  // bytes handed to w
	err      error
	checksum bool
	compress bool
	lzfOut   []byte // compression scratch, reused up to lzfScratchKeep
	text     []byte // Aux's copy of a string argument, to pass it as bytes
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w, buf: make([]byte, 0, writeBufSize), checksum: true, compress: true}
}

// Reset discards any unflushed output and state and makes the Writer write
// to w, keeping its buffers and settings.
func (w *Writer) Reset(dst io.Writer) {
	w.w = dst
	w.buf = w.buf[:0]
	w.sumPos, w.crc, w.flushed, w.err = 0, 0, 0, nil
}

// SetCompress turns LZF compression of strings on or off (rdbcompression).
func (w *Writer) SetCompress(on bool) { w.compress = on }

// SetChecksum turns the running CRC64 on or off (rdbchecksum). With it
// off, Footer writes eight zero bytes, which loaders take as "no
// checksum". Bytes written while it is off are not in the checksum.
func (w *Writer) SetChecksum(on bool) {
	w.sum()
	w.checksum = on
}

// sum folds the pending bytes not yet summed into the CRC.
func (w *Writer) sum() {
	if w.checksum {
		w.crc = CRC64(w.crc, w.buf[w.sumPos:])
	}
	w.sumPos = len(w.buf)
}

// Err returns the first error the underlying writer returned.
func (w *Writer) Err() error { return w.err }

// Written returns the number of bytes written so far, buffered included
// (after an error, the number the underlying writer accepted).
func (w *Writer) Written() int64 { return w.flushed + int64(len(w.buf)) }

// Flush writes the buffered bytes to the underlying writer.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	w.sum()
	if len(w.buf) > 0 {
		n, err := w.w.Write(w.buf)
		w.flushed += int64(n)
		if err == nil && n < len(w.buf) {
			err = io.ErrShortWrite
		}
		if err != nil {
			w.err = err
		}
	}
	w.buf = w.buf[:0] // on error too: Written then counts what w accepted
	w.sumPos = 0
	return w.err
}

// room makes sure n more bytes (n <= writeBufSize) fit in the buffer and
// reports whether writing may go on.
func (w *Writer) room(n int) bool {
	if w.err != nil {
		return false
	}
	if cap(w.buf)-len(w.buf) < n {
		return w.Flush() == nil
	}
	return true
}

// Raw writes b as it is.
func (w *Writer) Raw(b []byte) {
	if w.err != nil {
		return
	}
	if len(b) <= cap(w.buf)-len(w.buf) {
		w.buf = append(w.buf, b...)
		return
	}
	if w.Flush() != nil {
		return
	}
	if len(b) < cap(w.buf) {
		w.buf = append(w.buf, b...)
		return
	}
	// Large: write straight through, without copying into the buffer.
	if w.checksum {
		w.crc = CRC64(w.crc, b)
	}
	n, err := w.w.Write(b)
	w.flushed += int64(n)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	w.err = err
}

// Byte writes a type or opcode byte.
func (w *Writer) Byte(b byte) {
	if w.room(1) {
		w.buf = append(w.buf, b)
	}
}

// Header writes the magic string and version, "VALKEY080".
func (w *Writer) Header() {
	if w.room(9) {
		w.buf = append(w.buf, "VALKEY"...)
		w.buf = append(w.buf, '0'+Version/100, '0'+Version/10%10, '0'+Version%10)
	}
}

// Len writes a length: 6 bits in one byte below 64, 14 bits in two bytes
// below 16384, then 0x80 and 4 bytes or 0x81 and 8 bytes, big-endian.
func (w *Writer) Len(n uint64) {
	if w.room(9) {
		w.buf = appendLen(w.buf, n)
	}
}

func appendLen(b []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(b, byte(n))
	case n < 1<<14:
		return append(b, byte(n>>8)|0x40, byte(n))
	case n <= math.MaxUint32:
		b = append(b, 0x80)
		return binary.BigEndian.AppendUint32(b, uint32(n))
	default:
		b = append(b, 0x81)
		return binary.BigEndian.AppendUint64(b, n)
	}
}

// appendIntEnc appends v in the smallest of the INT8/16/32 string
// encodings and reports false, appending nothing, when v needs more than
// 32 bits (rdbEncodeInteger).
func appendIntEnc(b []byte, v int64) ([]byte, bool) {
	switch {
	case v >= math.MinInt8 && v <= math.MaxInt8:
		return append(b, 0xC0|EncInt8, byte(v)), true
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return append(b, 0xC0|EncInt16, byte(v), byte(v>>8)), true
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return append(b, 0xC0|EncInt32, byte(v), byte(v>>8), byte(v>>16), byte(v>>24)), true
	}
	return b, false
}

// String writes a string as rdbSaveRawString does: the integer encoding
// when s is at most 11 bytes and the canonical decimal of a value fitting
// 32 bits; else, with compression on and s longer than 20 bytes, LZF when
// liblzf manages within len(s)-4 bytes of output (as liblzf wants spare
// room, the compressed bytes are then at most len(s)-5); else the length
// and the bytes.
func (w *Writer) String(s []byte) {
	if !w.room(9) {
		return
	}
	if len(s) <= 11 {
		if v, ok := resp.ParseInt(s); ok {
			var ok bool
			if w.buf, ok = appendIntEnc(w.buf, v); ok {
				return
			}
		}
	}
	if w.compress && len(s) > lzfMinLen && w.lzf(s) {
		return
	}
	w.buf = appendLen(w.buf, uint64(len(s)))
	w.Raw(s)
}

// lzf writes s compressed and reports whether it did. The output limit of
// len(s)-4 is Valkey's: compression must save four bytes to be used.
func (w *Writer) lzf(s []byte) bool {
	limit := len(s) - 4
	out := w.lzfOut
	if cap(out) < limit {
		out = make([]byte, limit)
		if limit <= lzfScratchKeep {
			w.lzfOut = out
		}
	}
	out = out[:limit]
	c := lzfPool.Get().(*lzfCompressor)
	n := c.compress(s, out)
	lzfPool.Put(c)
	if n == 0 {
		return false
	}
	if w.room(1 + 9 + 9) {
		w.buf = append(w.buf, 0xC0|EncLZF)
		w.buf = appendLen(w.buf, uint64(n))
		w.buf = appendLen(w.buf, uint64(len(s)))
		w.Raw(out[:n])
	}
	return true
}

// Int writes v as a string, as rdbSaveLongLongAsStringObject does: the
// INT8/16/32 encoding when it fits, else its decimal text.
func (w *Writer) Int(v int64) {
	if !w.room(1 + 20) {
		return
	}
	var ok bool
	if w.buf, ok = appendIntEnc(w.buf, v); ok {
		return
	}
	var tmp [20]byte
	d := strconv.AppendInt(tmp[:0], v, 10)
	w.buf = append(w.buf, byte(len(d)))
	w.buf = append(w.buf, d...)
}

// BinaryDouble writes f as 8 bytes, IEEE 754 little-endian (ZSET_2
// scores and other doubles since RDB 8).
func (w *Writer) BinaryDouble(f float64) {
	if w.room(8) {
		w.buf = binary.LittleEndian.AppendUint64(w.buf, math.Float64bits(f))
	}
}

// BinaryFloat writes f as 4 bytes, IEEE 754 little-endian (a module's
// float).
func (w *Writer) BinaryFloat(f float32) {
	if w.room(4) {
		w.buf = binary.LittleEndian.AppendUint32(w.buf, math.Float32bits(f))
	}
}

// MillisecondTime writes a Unix time in milliseconds as 8 bytes,
// little-endian.
func (w *Writer) MillisecondTime(ms int64) {
	if w.room(8) {
		w.buf = binary.LittleEndian.AppendUint64(w.buf, uint64(ms))
	}
}

// Aux writes an auxiliary field: OpAux and two strings.
func (w *Writer) Aux(key, val string) {
	w.Byte(OpAux)
	w.stringText(key)
	w.stringText(val)
}

// stringText is String for a Go string, copied through a kept buffer
// rather than converted (which would allocate: String's argument
// escapes into the underlying writer).
func (w *Writer) stringText(s string) {
	w.text = append(w.text[:0], s...)
	w.String(w.text)
}

// AuxInt writes an auxiliary field with an integer value, formatted as
// decimal text and then written by the String rules (rdbSaveAuxFieldStrInt),
// so small values come out integer encoded.
func (w *Writer) AuxInt(key string, v int64) {
	w.Byte(OpAux)
	w.stringText(key)
	w.text = strconv.AppendInt(w.text[:0], v, 10)
	w.String(w.text)
}

// SelectDB writes OpSelectDB and the database number.
func (w *Writer) SelectDB(n int) {
	w.Byte(OpSelectDB)
	w.Len(uint64(n))
}

// ResizeDB writes OpResizeDB with the number of keys and of keys with an
// expire that follow.
func (w *Writer) ResizeDB(keys, expires uint64) {
	w.Byte(OpResizeDB)
	w.Len(keys)
	w.Len(expires)
}

// Expire writes OpExpireTimeMs and an absolute Unix time in milliseconds,
// for the key that follows.
func (w *Writer) Expire(ms int64) {
	w.Byte(OpExpireTimeMs)
	w.MillisecondTime(ms)
}

// Footer ends the stream: OpEOF, the CRC64 of every byte before the
// checksum itself (eight zero bytes with the checksum off), then a Flush.
func (w *Writer) Footer() error {
	w.Byte(OpEOF)
	if !w.room(8) {
		return w.err
	}
	w.sum()
	var crc uint64
	if w.checksum {
		crc = w.crc
	}
	w.buf = binary.LittleEndian.AppendUint64(w.buf, crc)
	return w.Flush()
}
