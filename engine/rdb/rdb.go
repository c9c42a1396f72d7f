package rdb

import "errors"

// Version is the RDB format version Valkey 9.0 writes (RDB_VERSION). The
// magic string of a file it writes is "VALKEY080"; versions 1 to 11 came
// from open-source Redis with the "REDIS" magic, and 12 to 79 are left to
// formats that are not compatible.
const Version = 80

const (
	foreignVersionMin = 12 // first of the versions reserved for foreign formats
	foreignVersionMax = 79 // last of them
)

// Object types: the byte before a key (or the first byte of a DUMP
// payload) that says how its value is serialized.
const (
	TypeString           = 0
	TypeList             = 1
	TypeSet              = 2
	TypeZSet             = 3 // scores as text (Double)
	TypeHash             = 4
	TypeZSet2            = 5 // scores as BinaryDouble
	TypeModulePreGA      = 6 // Redis 4.0 release candidates; accepted only to be refused by the loader
	TypeModule2          = 7
	TypeHashZipmap       = 9
	TypeListZiplist      = 10
	TypeSetIntset        = 11
	TypeZSetZiplist      = 12
	TypeHashZiplist      = 13
	TypeListQuicklist    = 14 // nodes are ziplists
	TypeStreamListpacks  = 15
	TypeHashListpack     = 16
	TypeZSetListpack     = 17
	TypeListQuicklist2   = 18 // nodes are a container byte and a listpack or plain string
	TypeStreamListpacks2 = 19
	TypeSetListpack      = 20
	TypeStreamListpacks3 = 21
	TypeHash2            = 22 // hash with field expiration (Valkey 9.0)

	typeLast = 23 // one past the highest object type
)

// Opcodes: bytes in an object type's place that carry something else.
// They count down from 255.
const (
	OpSlotImport    = 243
	OpSlotInfo      = 244
	OpFunction2     = 245
	OpFunctionPreGA = 246
	OpModuleAux     = 247
	OpIdle          = 248
	OpFreq          = 249
	OpAux           = 250
	OpResizeDB      = 251
	OpExpireTimeMs  = 252
	OpExpireTime    = 253
	OpSelectDB      = 254
	OpEOF           = 255

	foreignTypeMin = 22  // REDIS-magic files may give 22..243 other meanings
	foreignTypeMax = 243 // (see IsForeignType)
)

// Container kinds of a TypeListQuicklist2 node.
const (
	ContainerPlain  = 1 // one element stored as a plain string
	ContainerPacked = 2 // a listpack
)

// Special string encodings: the kind Reader.Len reports with encoded set.
const (
	EncInt8  = 0 // 1-byte signed integer
	EncInt16 = 1 // 2-byte little-endian signed integer
	EncInt32 = 2 // 4-byte little-endian signed integer
	EncLZF   = 3 // LZF: compressed length, original length, compressed bytes
)

// Opcodes inside a TypeModule2 value, each written with Writer.Len.
const (
	ModuleOpEOF    = 0
	ModuleOpSInt   = 1
	ModuleOpUInt   = 2
	ModuleOpFloat  = 3
	ModuleOpDouble = 4
	ModuleOpString = 5
)

// IsObjectType reports whether t names a value type rather than an
// opcode (rdbIsObjectType): 0 to 7 and 9 to 22.
func IsObjectType(t byte) bool {
	return t <= 7 || (t >= 9 && t < typeLast)
}

// IsForeignType reports whether t, read where a type or opcode belongs in
// a file with the REDIS magic, is one Valkey refuses there: Redis after
// 7.x assigned some of 22..243 meanings Valkey does not share.
func IsForeignType(t byte) bool {
	return t >= foreignTypeMin && t <= foreignTypeMax
}

// Errors the Reader and the payload functions return. A stream that ends
// early gives io.ErrUnexpectedEOF; errors from the underlying reader are
// returned as they are.
var (
	// ErrSignature is returned by Reader.Header when the stream starts
	// with neither "REDIS0" nor "VALKEY".
	ErrSignature = errors.New("rdb: wrong signature")
	// ErrVersion is returned by Reader.Header when the version is one
	// Valkey 9.0 refuses: newer than Version, in the foreign range 12-79,
	// or not matching its magic string.
	ErrVersion = errors.New("rdb: can't handle RDB format version")
	// ErrLength is returned when a length's first byte is none of the
	// defined forms (0x82 to 0xBF).
	ErrLength = errors.New("rdb: unknown length encoding")
	// ErrEncoding is returned when a string's encoded kind is not one of
	// the Enc* values.
	ErrEncoding = errors.New("rdb: unknown string encoding")
	// ErrLZF is returned when LZF data is malformed or does not
	// decompress to exactly its declared length.
	ErrLZF = errors.New("rdb: invalid LZF compressed string")
	// ErrTooLarge is returned when a length is beyond what a slice can
	// hold on this platform.
	ErrTooLarge = errors.New("rdb: length too large")
	// ErrNotInteger is returned by Reader.Int when the string is not an
	// integer.
	ErrNotInteger = errors.New("rdb: string is not an integer")
	// ErrDouble is returned by Reader.Double when the text is not a number.
	ErrDouble = errors.New("rdb: invalid double")
	// ErrChecksum is returned by Reader.Footer when the stored CRC64 is
	// nonzero and differs from the CRC64 of the bytes before it.
	ErrChecksum = errors.New("rdb: wrong RDB checksum")
	// ErrPayloadTooShort is returned by VerifyDumpPayload for a payload
	// shorter than its 10-byte trailer.
	ErrPayloadTooShort = errors.New("rdb: DUMP payload too short")
	// ErrPayloadVersion is returned by VerifyDumpPayload when the
	// payload's RDB version is not one Valkey 9.0 loads.
	ErrPayloadVersion = errors.New("rdb: DUMP payload version not accepted")
	// ErrPayloadChecksum is returned by VerifyDumpPayload when the
	// payload's CRC64 does not match.
	ErrPayloadChecksum = errors.New("rdb: DUMP payload checksum mismatch")
	// ErrZiplist is returned by ZiplistToListpack for a malformed ziplist.
	ErrZiplist = errors.New("rdb: ziplist integrity check failed")
	// ErrZipmap is returned by ZipmapToListpack for a malformed zipmap,
	// one with a repeated field, or one too big for a listpack.
	ErrZipmap = errors.New("rdb: zipmap integrity check failed")
)

// versionAccepted is rdbIsVersionAccepted: a magic string pins the
// version range it may carry; under rdb-version-check strict (relaxed
// false) a future version or one of the foreign range is refused too, so
// with no magic (DUMP payloads) only 1-11 and 80 pass.
func versionAccepted(v int, valkeyMagic, redisMagic, relaxed bool) bool {
	switch {
	case v < 1,
		valkeyMagic && v <= foreignVersionMax,
		redisMagic && v > foreignVersionMax:
		return false
	case relaxed:
		return true
	}
	return v <= Version && !IsForeignVersion(v)
}

// IsForeignVersion reports whether v is in the range of RDB versions
// reserved for formats that other servers derived from Redis's.
func IsForeignVersion(v int) bool { return v >= foreignVersionMin && v <= foreignVersionMax }
