package rdb

import (
	"encoding/binary"
	"math/bits"
)

// jonesPoly is the Jones CRC-64 polynomial Valkey uses, written in the
// usual most-significant-bit-first form.
const jonesPoly = 0xad93d23594c935a9

// crcTable holds sixteen 256-entry tables for slicing-by-16: crcTable[0]
// is the classic reflected byte table; crcTable[k][b] is the CRC of byte
// b followed by k zero bytes, so sixteen input bytes fold into the
// register with sixteen independent lookups instead of a chain of
// sixteen dependent ones.
var crcTable = makeCRCTable()

func makeCRCTable() *[16][256]uint64 {
	t := new([16][256]uint64)
	rpoly := bits.Reverse64(jonesPoly) // the CRC is reflected: shift right
	for i := range 256 {
		c := uint64(i)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ rpoly
			} else {
				c >>= 1
			}
		}
		t[0][i] = c
	}
	for k := 1; k < 16; k++ {
		for i := range 256 {
			c := t[k-1][i]
			t[k][i] = c>>8 ^ t[0][byte(c)]
		}
	}
	return t
}

// CRC64 extends crc with p under Valkey's CRC-64: the Jones polynomial,
// reflected input and output, initial value 0 and no final xor (so it
// chains: CRC64(CRC64(0, a), b) == CRC64(0, a+b)). The check value,
// CRC64(0, "123456789"), is 0xe9c6d914c4b8d9ca.
//
// hash/crc64 cannot be used as is: it inverts the register on entry and
// exit (which can be undone) but only runs slicing-by-8 for its two
// built-in polynomials, building a 16 KiB table on every call of 2 KiB or
// more for any other.
func CRC64(crc uint64, p []byte) uint64 {
	t := crcTable
	for len(p) >= 16 {
		a := crc ^ binary.LittleEndian.Uint64(p)
		b := binary.LittleEndian.Uint64(p[8:])
		crc = t[15][byte(a)] ^ t[14][byte(a>>8)] ^ t[13][byte(a>>16)] ^ t[12][byte(a>>24)] ^
			t[11][byte(a>>32)] ^ t[10][byte(a>>40)] ^ t[9][byte(a>>48)] ^ t[8][a>>56] ^
			t[7][byte(b)] ^ t[6][byte(b>>8)] ^ t[5][byte(b>>16)] ^ t[4][byte(b>>24)] ^
			t[3][byte(b>>32)] ^ t[2][byte(b>>40)] ^ t[1][byte(b>>48)] ^ t[0][b>>56]
		p = p[16:]
	}
	for _, c := range p {
		crc = t[0][byte(crc)^c] ^ crc>>8
	}
	return crc
}
