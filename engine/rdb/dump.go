package rdb

import "encoding/binary"

// dumpTrailerLen is the 2-byte RDB version and 8-byte CRC64 that end a
// DUMP payload.
const dumpTrailerLen = 10

// AppendDumpTrailer appends the DUMP payload trailer to obj (a type byte
// and a serialized value): Version as 2 bytes little-endian, then the
// CRC64 of everything before the CRC, little-endian. Like append, it may
// write into obj's spare capacity.
func AppendDumpTrailer(obj []byte) []byte {
	obj = binary.LittleEndian.AppendUint16(obj, Version)
	return binary.LittleEndian.AppendUint64(obj, CRC64(0, obj))
}

// VerifyDumpPayload checks a RESTORE payload's trailer as Valkey's
// verifyDumpPayload does and returns the object bytes before it and the
// version the trailer names. A payload has no magic string, so the
// version must be 1 to 11 or Version (when strict). skipCRC skips only the checksum
// comparison (skip-checksum-validation); relaxed applies
// rdb-version-check relaxed. Errors: ErrPayloadTooShort,
// ErrPayloadVersion (with the version read), ErrPayloadChecksum.
func VerifyDumpPayload(p []byte, skipCRC, relaxed bool) (obj []byte, version int, err error) {
	if len(p) < dumpTrailerLen {
		return nil, 0, ErrPayloadTooShort
	}
	body := len(p) - dumpTrailerLen
	version = int(binary.LittleEndian.Uint16(p[body:]))
	if !versionAccepted(version, false, false, relaxed) {
		return nil, version, ErrPayloadVersion
	}
	if !skipCRC && CRC64(0, p[:body+2]) != binary.LittleEndian.Uint64(p[body+2:]) {
		return nil, version, ErrPayloadChecksum
	}
	return p[:body:body], version, nil
}
