package rdb

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func TestDumpTrailer(t *testing.T) {
	obj := []byte{TypeString, 0x03, 'f', 'o', 'o'}
	p := AppendDumpTrailer(bytes.Clone(obj))
	if len(p) != len(obj)+10 || binary.LittleEndian.Uint16(p[len(obj):]) != Version {
		t.Fatalf("payload %x", p)
	}
	if binary.LittleEndian.Uint64(p[len(p)-8:]) != CRC64(0, p[:len(p)-8]) {
		t.Fatalf("CRC does not cover object and version: %x", p)
	}
	got, v, err := VerifyDumpPayload(p, false, false)
	if err != nil || v != Version || !bytes.Equal(got, obj) {
		t.Fatalf("VerifyDumpPayload = %x, %d, %v", got, v, err)
	}
	// The returned object has no room to append over the trailer.
	if cap(got) != len(got) {
		t.Errorf("object cap %d extends into the trailer", cap(got))
	}
	// An empty object is a valid trailer (the loader will refuse it).
	if _, _, err := VerifyDumpPayload(AppendDumpTrailer(nil), false, false); err != nil {
		t.Errorf("empty object: %v", err)
	}
}

// withVersion returns a payload of obj with version v and a correct CRC.
func withVersion(obj []byte, v uint16) []byte {
	p := binary.LittleEndian.AppendUint16(bytes.Clone(obj), v)
	return binary.LittleEndian.AppendUint64(p, CRC64(0, p))
}

func TestVerifyDumpPayloadErrors(t *testing.T) {
	obj := []byte{TypeString, 0xC0, 0x05}
	for _, tc := range []struct {
		name    string
		p       []byte
		skipCRC bool
		version int
		err     error
	}{
		{"too short", make([]byte, 9), false, 0, ErrPayloadTooShort},
		{"empty", nil, true, 0, ErrPayloadTooShort},
		{"version 0", withVersion(obj, 0), false, 0, ErrPayloadVersion},
		{"version 1", withVersion(obj, 1), false, 1, nil},
		{"version 11", withVersion(obj, 11), false, 11, nil},
		{"version 12 (foreign)", withVersion(obj, 12), false, 12, ErrPayloadVersion},
		{"version 79 (foreign)", withVersion(obj, 79), false, 79, ErrPayloadVersion},
		{"version 80", withVersion(obj, 80), false, 80, nil},
		{"version 81 (future)", withVersion(obj, 81), false, 81, ErrPayloadVersion},
		{"version 0x5000", withVersion(obj, 0x5000), true, 0x5000, ErrPayloadVersion},
		{"bad crc", flip(withVersion(obj, 80), -1), false, 80, ErrPayloadChecksum},
		{"bad body", flip(withVersion(obj, 80), 0), false, 80, ErrPayloadChecksum},
		{"bad crc skipped", flip(withVersion(obj, 80), -1), true, 80, nil},
		{"bad version, crc skipped", withVersion(obj, 12), true, 12, ErrPayloadVersion},
	} {
		got, v, err := VerifyDumpPayload(tc.p, tc.skipCRC, false)
		if err != tc.err || v != tc.version {
			t.Errorf("%s: %d, %v; want %d, %v", tc.name, v, err, tc.version, tc.err)
		}
		if err == nil && !bytes.Equal(got, tc.p[:len(tc.p)-10]) {
			t.Errorf("%s: object %x", tc.name, got)
		}
	}
}

// flip returns p with byte i (from the end if negative) changed.
func flip(p []byte, i int) []byte {
	if i < 0 {
		i += len(p)
	}
	p[i] ^= 0x40
	return p
}
