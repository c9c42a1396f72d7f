package rdb

import (
	"encoding/binary"
	"io"
	"math"
	"strconv"

	"github.com/volleydb/volley/engine/cnum"
	"github.com/volleydb/volley/engine/resp"
)

const (
	readBufSize = 64 << 10 // the Reader's buffer
	// readChunk bounds how far ahead of the data read so far a long
	// string's buffer may be allocated: a forged length costs at most
	// this much (or twice what really arrived) before the stream runs
	// out.
	readChunk = 64 << 10
	// scratchKeep is the largest compressed-input scratch buffer a Reader
	// keeps between LZF strings.
	scratchKeep = 1 << 20
)

// Reader reads the RDB encoding, keeping the CRC64 of every byte it
// consumes. It is built for untrusted input (RDB files from anywhere,
// RESTORE payloads): no input makes it panic, and no length field makes
// it allocate much more than the data that actually arrives. A stream
// that ends early gives io.ErrUnexpectedEOF. After an error the Reader's
// position is unspecified. A Reader is used by one goroutine.
type Reader struct {
	r       io.Reader // nil when reading a byte slice
	buf     []byte    // buf[pos:] is read but not consumed
	pos     int
	sumPos  int    // buf[sumPos:pos] is consumed but not yet in crc
	crc     uint64 // CRC64 of consumed bytes before buf[sumPos]
	base    int64  // stream offset of buf[0]
	err     error  // sticky error from r
	scratch []byte // compressed bytes of an LZF string
	relaxed bool   // rdb-version-check relaxed: Header takes future and foreign versions
}

// SetRelaxedVersionCheck makes Header accept what rdb-version-check
// relaxed accepts: a future version, or one of the foreign range.
func (r *Reader) SetRelaxedVersionCheck(on bool) { r.relaxed = on }

// NewReader returns a Reader on r, which it reads through a 64 KiB buffer.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: r, buf: make([]byte, 0, readBufSize)}
}

// NewReaderBytes returns a Reader on b, without copying it (a RESTORE
// payload is already in memory). Strings it returns are still copies.
func NewReaderBytes(b []byte) *Reader {
	return &Reader{buf: b, err: io.ErrUnexpectedEOF}
}

// Offset returns the number of bytes consumed.
func (r *Reader) Offset() int64 { return r.base + int64(r.pos) }

// Buffered returns the bytes read from the source but not consumed: what
// followed the RDB, when it came from a stream that goes on.
func (r *Reader) Buffered() []byte { return r.buf[r.pos:] }

// Sum returns the CRC64 of all bytes consumed so far.
func (r *Reader) Sum() uint64 {
	r.crc = CRC64(r.crc, r.buf[r.sumPos:r.pos])
	r.sumPos = r.pos
	return r.crc
}

// fill makes at least n (<= readBufSize) unconsumed bytes available in
// buf[pos:].
func (r *Reader) fill(n int) error {
	if len(r.buf)-r.pos >= n {
		return nil
	}
	if r.err != nil {
		return r.err
	}
	r.Sum()
	// Slide the unconsumed bytes to the front and read behind them.
	rest := copy(r.buf[:cap(r.buf)], r.buf[r.pos:])
	r.base += int64(r.pos)
	r.buf = r.buf[:rest]
	r.pos, r.sumPos = 0, 0
	for empty := 0; len(r.buf) < n; {
		m, err := r.r.Read(r.buf[len(r.buf):cap(r.buf)])
		r.buf = r.buf[:len(r.buf)+m]
		if m == 0 && err == nil {
			if empty++; empty == 100 {
				err = io.ErrNoProgress
			}
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			if len(r.buf) < n {
				r.err = err
				return err
			}
			r.err = err // reported when more is needed
		}
	}
	return nil
}

// next consumes n (<= readBufSize) bytes, returning them in the buffer:
// valid only until the next read.
func (r *Reader) next(n int) ([]byte, error) {
	if err := r.fill(n); err != nil {
		return nil, err
	}
	b := r.buf[r.pos : r.pos+n]
	r.pos += n
	return b, nil
}

// readInto fills dst entirely from the stream.
func (r *Reader) readInto(dst []byte) error {
	n := copy(dst, r.buf[r.pos:])
	r.pos += n
	dst = dst[n:]
	if len(dst) == 0 {
		return nil
	}
	if len(dst) < readBufSize {
		b, err := r.next(len(dst))
		copy(dst, b)
		return err
	}
	// Large: the buffer is empty now, so read straight into dst.
	if r.err != nil {
		return r.err
	}
	r.Sum()
	r.base += int64(len(r.buf))
	r.buf = r.buf[:0]
	r.pos, r.sumPos = 0, 0
	m, err := io.ReadFull(r.r, dst)
	r.crc = CRC64(r.crc, dst[:m])
	r.base += int64(m)
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		r.err = err
	}
	return err
}

// appendN appends the next n bytes of the stream to dst. The slice grows
// in step with the data read, so a forged n fails with
// io.ErrUnexpectedEOF at the end of the stream having allocated at most
// readChunk bytes, or twice what was read, ahead of it.
func (r *Reader) appendN(dst []byte, n uint64) ([]byte, error) {
	if n > math.MaxInt-uint64(len(dst)) {
		return dst, ErrTooLarge
	}
	if r.r == nil && n > uint64(len(r.buf)-r.pos) {
		r.pos = len(r.buf) // a byte slice that is too short: fail at once
		return dst, io.ErrUnexpectedEOF
	}
	for n > 0 {
		if cap(dst) == len(dst) {
			grow := int(min(uint64(max(len(dst), readChunk)), n))
			dst = append(dst[:cap(dst)], make([]byte, grow)...)[:len(dst)]
		}
		k := int(min(n, uint64(cap(dst)-len(dst))))
		if err := r.readInto(dst[len(dst) : len(dst)+k]); err != nil {
			return dst, err
		}
		dst = dst[:len(dst)+k]
		n -= uint64(k)
	}
	return dst, nil
}

// Raw reads the next n bytes into a new slice.
func (r *Reader) Raw(n int) ([]byte, error) {
	if n < 0 {
		return nil, ErrTooLarge
	}
	if r.r == nil && n > len(r.buf)-r.pos {
		r.pos = len(r.buf) // a byte slice that is too short: fail at once
		return nil, io.ErrUnexpectedEOF
	}
	if n > readChunk && r.r != nil {
		return r.appendN(nil, uint64(n))
	}
	b := make([]byte, n)
	if err := r.readInto(b); err != nil {
		return nil, err
	}
	return b, nil
}

// rawLen is Raw for a length read from the stream.
func (r *Reader) rawLen(n uint64) ([]byte, error) {
	if n > math.MaxInt {
		return nil, ErrTooLarge
	}
	return r.Raw(int(n))
}

// Byte reads a type or opcode byte.
func (r *Reader) Byte() (byte, error) {
	if r.pos < len(r.buf) {
		b := r.buf[r.pos]
		r.pos++
		return b, nil
	}
	b, err := r.next(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

// Len reads a length. With encoded set, n is instead the kind of a
// specially encoded string (EncInt8, EncInt16, EncInt32, EncLZF, or an
// unknown value the caller must refuse).
func (r *Reader) Len() (n uint64, encoded bool, err error) {
	b, err := r.Byte()
	if err != nil {
		return 0, false, err
	}
	switch b >> 6 {
	case 0:
		return uint64(b), false, nil
	case 1:
		c, err := r.Byte()
		if err != nil {
			return 0, false, err
		}
		return uint64(b&0x3F)<<8 | uint64(c), false, nil
	case 3:
		return uint64(b & 0x3F), true, nil
	}
	switch b {
	case 0x80:
		p, err := r.next(4)
		if err != nil {
			return 0, false, err
		}
		return uint64(binary.BigEndian.Uint32(p)), false, nil
	case 0x81:
		p, err := r.next(8)
		if err != nil {
			return 0, false, err
		}
		return binary.BigEndian.Uint64(p), false, nil
	}
	return 0, false, ErrLength
}

// intEnc reads the value of an INT8/16/32 encoded string.
func (r *Reader) intEnc(kind uint64) (int64, error) {
	switch kind {
	case EncInt8:
		b, err := r.Byte()
		return int64(int8(b)), err
	case EncInt16:
		p, err := r.next(2)
		if err != nil {
			return 0, err
		}
		return int64(int16(binary.LittleEndian.Uint16(p))), nil
	case EncInt32:
		p, err := r.next(4)
		if err != nil {
			return 0, err
		}
		return int64(int32(binary.LittleEndian.Uint32(p))), nil
	}
	return 0, ErrEncoding
}

// String reads a string in any encoding: plain, integer (returned as its
// decimal text) or LZF (returned decompressed). The result is a new slice
// the caller owns.
func (r *Reader) String() ([]byte, error) {
	n, encoded, err := r.Len()
	if err != nil {
		return nil, err
	}
	if !encoded {
		return r.rawLen(n)
	}
	switch n {
	case EncInt8, EncInt16, EncInt32:
		v, err := r.intEnc(n)
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(nil, v, 10), nil
	case EncLZF:
		return r.lzf()
	}
	return nil, ErrEncoding
}

// lzf reads the rest of an LZF string: compressed length, original
// length, compressed bytes.
func (r *Reader) lzf() ([]byte, error) {
	// Valkey reads both lengths ignoring the "encoded" form, so a byte
	// such as 0xC5 counts as 5 there; so it does here.
	clen, _, err := r.Len()
	if err != nil {
		return nil, err
	}
	ulen, _, err := r.Len()
	if err != nil {
		return nil, err
	}
	if ulen > math.MaxInt {
		return nil, ErrTooLarge
	}
	// A 3-byte back reference makes at most 264 bytes, the most any
	// input byte can yield: a larger claim is corrupt whatever follows.
	if ulen/lzfMaxExpansion > clen {
		return nil, ErrLZF
	}
	var c []byte
	if clen <= uint64(len(r.buf)-r.pos) {
		// Already buffered: decompress in place, no copy.
		c = r.buf[r.pos : r.pos+int(clen)]
		r.pos += int(clen)
	} else {
		c, err = r.appendN(r.scratch[:0], clen)
		if cap(c) <= scratchKeep {
			r.scratch = c
		}
		if err != nil {
			return nil, err
		}
	}
	// Allocate the whole output when it is small or the compressed size
	// makes it plausible; past that the decompressor grows the buffer
	// as output really arrives.
	out := make([]byte, 0, min(int(ulen), max(4*len(c), readChunk)))
	out, err = lzfDecompress(c, out, int(ulen))
	if err != nil || len(out) != int(ulen) {
		return nil, ErrLZF
	}
	return out, nil
}

// Int reads a string that must hold an integer: an integer encoding, or
// text (plain or compressed) that is the canonical decimal of an int64.
func (r *Reader) Int() (int64, error) {
	n, encoded, err := r.Len()
	if err != nil {
		return 0, err
	}
	var s []byte
	switch {
	case encoded && n <= EncInt32:
		return r.intEnc(n)
	case encoded && n == EncLZF:
		s, err = r.lzf()
	case encoded:
		return 0, ErrEncoding
	case n <= 20:
		s, err = r.next(int(n))
	default:
		return 0, ErrNotInteger // longer than any int64's decimal text
	}
	if err != nil {
		return 0, err
	}
	v, ok := resp.ParseInt(s)
	if !ok {
		return 0, ErrNotInteger
	}
	return v, nil
}

// BinaryDouble reads an 8-byte little-endian IEEE 754 double.
func (r *Reader) BinaryDouble() (float64, error) {
	p, err := r.next(8)
	if err != nil {
		return 0, err
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(p)), nil
}

// BinaryFloat reads a 4-byte little-endian IEEE 754 float (a module's
// float).
func (r *Reader) BinaryFloat() (float32, error) {
	p, err := r.next(4)
	if err != nil {
		return 0, err
	}
	return math.Float32frombits(binary.LittleEndian.Uint32(p)), nil
}

// Double reads a double in the text form of TypeZSet scores: a length
// byte, or 253 for NaN, 254 for +Inf, 255 for -Inf, then the text.
func (r *Reader) Double() (float64, error) {
	n, err := r.Byte()
	if err != nil {
		return 0, err
	}
	switch n {
	case 253:
		return math.NaN(), nil
	case 254:
		return math.Inf(1), nil
	case 255:
		return math.Inf(-1), nil
	}
	p, err := r.next(int(n))
	if err != nil {
		return 0, err
	}
	// Valkey reads it with sscanf("%lg"): the longest number at the
	// front, after white space; a NUL ends the text.
	f, m, _ := cnum.Strtod(p)
	if m == 0 {
		return 0, ErrDouble
	}
	return f, nil
}

// MillisecondTime reads an 8-byte little-endian time in milliseconds.
func (r *Reader) MillisecondTime() (int64, error) {
	p, err := r.next(8)
	if err != nil {
		return 0, err
	}
	return int64(binary.LittleEndian.Uint64(p)), nil
}

// SecondTime reads the 4-byte little-endian signed time in seconds that
// follows OpExpireTime.
func (r *Reader) SecondTime() (int64, error) {
	p, err := r.next(4)
	if err != nil {
		return 0, err
	}
	return int64(int32(binary.LittleEndian.Uint32(p))), nil
}

// Header reads the 9-byte magic and version. It accepts what Valkey 9.0
// accepts under rdb-version-check strict: "REDIS" with versions 1 to 11,
// "VALKEY" with version 80. Otherwise it returns ErrSignature, or
// ErrVersion with the version it read.
func (r *Reader) Header() (version int, err error) {
	p, err := r.next(9)
	if err != nil {
		return 0, err
	}
	var valkey, redis bool
	switch string(p[:6]) {
	case "REDIS0":
		redis = true
	case "VALKEY":
		valkey = true
	default:
		return 0, ErrSignature
	}
	version = int(cnum.Atoi(p[6:9])) // Valkey reads the digits with atoi
	if !versionAccepted(version, valkey, redis, r.relaxed) {
		return version, ErrVersion
	}
	return version, nil
}

// Footer reads what follows OpEOF: for version 5 and later, the 8-byte
// little-endian CRC64 of everything before it. With check set, a nonzero
// stored value (zero means the writer had checksums off) that differs
// from the CRC64 of the bytes consumed gives a *ChecksumError, which is
// ErrChecksum.
func (r *Reader) Footer(version int, check bool) error {
	if version < 5 {
		return nil
	}
	want := r.Sum()
	p, err := r.next(8)
	if err != nil {
		return err
	}
	if got := binary.LittleEndian.Uint64(p); check && got != 0 && got != want {
		return &ChecksumError{Expected: want, Got: got}
	}
	return nil
}

// ChecksumError is Footer's ErrChecksum with the two sums, which a load's
// log reports.
type ChecksumError struct {
	Expected uint64 // the CRC64 of the bytes read
	Got      uint64 // the one the stream stored
}

func (e *ChecksumError) Error() string { return ErrChecksum.Error() }

func (e *ChecksumError) Is(target error) bool { return target == ErrChecksum }
