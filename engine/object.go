package engine

import "github.com/volleydb/volley/engine/keyspace"

// A value's kind is one byte stored with its record: the type in the high
// nibble and the encoding in the low one. Clients observe both (TYPE,
// OBJECT ENCODING, the WRONGTYPE check), so they follow Valkey's names.
const (
	TypeString uint8 = iota << 4
	TypeList
	TypeSet
	TypeZSet
	TypeHash
	TypeStream

	typeMask = 0xf0
)

// Encodings, the low nibble of a kind.
const (
	EncRaw       uint8 = iota // string: bytes that are not an embstr or int
	EncInt                    // string: a 64-bit integer, kept as its decimal text
	EncEmbstr                 // string: up to embstrMaxLen bytes
	EncListpack               // list, set, zset, hash: one compact byte string
	EncQuicklist              // list: a chain of listpacks
	EncIntset                 // set: sorted integers
	EncHashtable              // set, hash: a hash table
	EncSkiplist               // zset: skiplist and member table
	EncStream                 // stream: radix tree of listpacks

	encMask = 0x0f
)

// Kinds the string commands store.
const (
	KindRaw    = TypeString | EncRaw
	KindInt    = TypeString | EncInt
	KindEmbstr = TypeString | EncEmbstr
)

// embstrMaxLen is the longest string Valkey stores embedded with its
// object header (OBJ_ENCODING_EMBSTR_SIZE_LIMIT).
const embstrMaxLen = 44

var typeNames = [...]string{"string", "list", "set", "zset", "hash", "stream"}

var encodingNames = [...]string{"raw", "int", "embstr", "listpack", "quicklist", "intset", "hashtable", "skiplist", "stream"}

// TypeName is the name TYPE and SCAN TYPE use for a kind.
func TypeName(kind uint8) string {
	if t := int(kind >> 4); t < len(typeNames) {
		return typeNames[t]
	}
	return "none"
}

// EncodingName is OBJECT ENCODING's name for a kind.
func EncodingName(kind uint8) string {
	if e := int(kind & encMask); e < len(encodingNames) {
		return encodingNames[e]
	}
	return "unknown"
}

// typeOf is the type nibble of an entry's kind.
func typeOf(e keyspace.Entry) uint8 { return e.Kind() & typeMask }

// Objects are the Go values collections keep in Value.Obj (large
// encodings). Every such type implements these, so the generic commands
// need not know it.
type Object interface {
	// Clone returns a deep copy, for COPY.
	Clone() any
	// MemUsage estimates the bytes the value takes, looking at no more
	// than samples elements (0 for all), for MEMORY USAGE.
	MemUsage(samples int) int64
	// Len is the number of elements, for DEBUG OBJECT and the lazy-free
	// effort estimate.
	Len() int
}
