package config

import "strings"

// EnumValue is one accepted word of an enumerated directive. Several words
// may share a value (oom-score-adj accepts "yes" and "relative" for the
// same setting); CONFIG GET prints the first word listed for a value.
type EnumValue struct {
	Name  string
	Value int64
}

// EvictionPolicy is maxmemory-policy.
type EvictionPolicy uint8

// Eviction policies, in the order Valkey lists them.
const (
	VolatileLRU EvictionPolicy = iota
	VolatileLFU
	VolatileRandom
	VolatileTTL
	AllKeysLRU
	AllKeysLFU
	AllKeysRandom
	NoEviction
)

// LogLevel is loglevel; a message is logged when its level is at least the
// configured one.
type LogLevel uint8

// Log levels, from the most to the least verbose.
const (
	LogDebug LogLevel = iota
	LogVerbose
	LogNotice
	LogWarning
	LogNothing
)

// FsyncPolicy is appendfsync.
type FsyncPolicy uint8

// Fsync policies.
const (
	FsyncEverysec FsyncPolicy = iota
	FsyncAlways
	FsyncNo
)

// Permission is the value of enable-debug-command, enable-module-command
// and enable-protected-configs: never, always, or only for clients that
// connect over a loopback address or a unix socket.
type Permission uint8

// Permissions.
const (
	PermitNo Permission = iota
	PermitYes
	PermitLocal
)

// Allowed reports whether a client may use what p guards; local tells
// whether the client is connected over loopback or a unix socket.
func (p Permission) Allowed(local bool) bool {
	return p == PermitYes || (p == PermitLocal && local)
}

// ShutdownFlags is shutdown-on-sigint and shutdown-on-sigterm: a set of
// SHUTDOWN modifiers, zero meaning "default".
type ShutdownFlags uint8

// Shutdown modifiers.
const (
	ShutdownSave ShutdownFlags = 1 << iota
	ShutdownNoSave
	ShutdownNow
	ShutdownForce
	ShutdownSafe
	ShutdownFailover
)

// Keyspace notification classes, as notify-keyspace-events spells them.
const (
	NotifyKeyspace = 1 << iota // K
	NotifyKeyevent             // E
	NotifyGeneric              // g
	NotifyString               // $
	NotifyList                 // l
	NotifySet                  // s
	NotifyHash                 // h
	NotifyZset                 // z
	NotifyExpired              // x
	NotifyEvicted              // e
	NotifyStream               // t
	NotifyKeyMiss              // m, deliberately not part of A
	NotifyLoaded               // modules only, no letter
	NotifyModule               // d
	NotifyNew                  // n, deliberately not part of A

	NotifyAll = NotifyGeneric | NotifyString | NotifyList | NotifySet | NotifyHash |
		NotifyZset | NotifyExpired | NotifyEvicted | NotifyStream | NotifyModule // A
)

// Client classes of client-output-buffer-limit, indexes into
// Config.ClientOutputBufferLimits.
const (
	ClassNormal = iota
	ClassReplica
	ClassPubSub
	numClasses
)

var (
	evictionPolicies = []EnumValue{
		{"volatile-lru", int64(VolatileLRU)},
		{"volatile-lfu", int64(VolatileLFU)},
		{"volatile-random", int64(VolatileRandom)},
		{"volatile-ttl", int64(VolatileTTL)},
		{"allkeys-lru", int64(AllKeysLRU)},
		{"allkeys-lfu", int64(AllKeysLFU)},
		{"allkeys-random", int64(AllKeysRandom)},
		{"noeviction", int64(NoEviction)},
	}
	syslogFacilities = []EnumValue{
		{"user", 0}, {"local0", 1}, {"local1", 2}, {"local2", 3}, {"local3", 4},
		{"local4", 5}, {"local5", 6}, {"local6", 7}, {"local7", 8},
	}
	logLevels = []EnumValue{
		{"debug", int64(LogDebug)},
		{"verbose", int64(LogVerbose)},
		{"notice", int64(LogNotice)},
		{"warning", int64(LogWarning)},
		{"nothing", int64(LogNothing)},
	}
	supervisedModes   = []EnumValue{{"upstart", 1}, {"systemd", 2}, {"auto", 3}, {"no", 0}}
	fsyncPolicies     = []EnumValue{{"everysec", int64(FsyncEverysec)}, {"always", int64(FsyncAlways)}, {"no", int64(FsyncNo)}}
	shutdownModifiers = []EnumValue{
		{"default", 0},
		{"save", int64(ShutdownSave)},
		{"nosave", int64(ShutdownNoSave)},
		{"now", int64(ShutdownNow)},
		{"force", int64(ShutdownForce)},
		{"safe", int64(ShutdownSafe)},
		{"failover", int64(ShutdownFailover)},
	}
	disklessLoadModes = []EnumValue{{"disabled", 0}, {"on-empty-db", 1}, {"swapdb", 2}, {"flush-before-load", 3}}
	tlsAuthClients    = []EnumValue{{"no", 0}, {"yes", 1}, {"optional", 2}}
	tlsAuthUser       = []EnumValue{{"CN", 1}, {"off", 0}}
	oomScoreAdjModes  = []EnumValue{{"no", 0}, {"yes", 1}, {"relative", 1}, {"absolute", 2}}
	aclPubsubDefaults = []EnumValue{{"allchannels", 1}, {"resetchannels", 0}}
	sanitizeModes     = []EnumValue{{"no", 0}, {"yes", 1}, {"clients", 2}}
	permissions       = []EnumValue{{"no", int64(PermitNo)}, {"yes", int64(PermitYes)}, {"local", int64(PermitLocal)}}
	endpointTypes     = []EnumValue{{"ip", 0}, {"hostname", 1}, {"unknown-endpoint", 2}}
	propagationErrors = []EnumValue{{"ignore", 0}, {"panic", 1}, {"panic-on-replicas", 2}}
	logFormats        = []EnumValue{{"legacy", 0}, {"logfmt", 1}}
	timestampFormats  = []EnumValue{{"legacy", 0}, {"iso8601", 1}, {"milliseconds", 2}}
	rdbVersionChecks  = []EnumValue{{"strict", 0}, {"relaxed", 1}}
)

// enumValue parses the words of an enumerated directive. A plain enum takes
// exactly one word; a flag set takes one or more and ORs them.
func enumValue(values []EnumValue, args []string, flagSet bool) (int64, bool) {
	if len(args) == 0 || (!flagSet && len(args) != 1) {
		return 0, false
	}
	var v int64
	for _, a := range args {
		matched := false
		for _, e := range values {
			if strings.EqualFold(a, e.Name) {
				v |= e.Value
				matched = true
			}
		}
		if !matched {
			return 0, false
		}
	}
	return v, true
}

// enumName is the word CONFIG GET prints for v: the first word whose value
// is exactly v, or for a flag set the words covering v in table order, or
// "unknown" when v cannot be spelled.
func enumName(values []EnumValue, v int64, flagSet bool) string {
	var names []string
	left := v
	for _, e := range values {
		if e.Value == v {
			return e.Name
		}
		if flagSet && e.Value != 0 && left&e.Value == e.Value {
			names = append(names, e.Name)
			left &^= e.Value
		}
	}
	if len(names) == 0 || left != 0 {
		return "unknown"
	}
	return strings.Join(names, " ")
}

// enumError is the reason given when no word matches.
func enumError(values []EnumValue) string {
	var b strings.Builder
	b.WriteString("argument(s) must be one of the following: ")
	for i, e := range values {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(e.Name)
	}
	s := b.String()
	if len(s) > 255 { // Valkey formats the message into a 256-byte buffer
		s = s[:255]
	}
	return s
}

// keyspaceEventFlags parses notify-keyspace-events; ok is false on a
// character that names no class.
func keyspaceEventFlags(s string) (flags int, ok bool) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'A':
			flags |= NotifyAll
		case 'g':
			flags |= NotifyGeneric
		case '$':
			flags |= NotifyString
		case 'l':
			flags |= NotifyList
		case 's':
			flags |= NotifySet
		case 'h':
			flags |= NotifyHash
		case 'z':
			flags |= NotifyZset
		case 'x':
			flags |= NotifyExpired
		case 'e':
			flags |= NotifyEvicted
		case 'K':
			flags |= NotifyKeyspace
		case 'E':
			flags |= NotifyKeyevent
		case 't':
			flags |= NotifyStream
		case 'm':
			flags |= NotifyKeyMiss
		case 'd':
			flags |= NotifyModule
		case 'n':
			flags |= NotifyNew
		default:
			return 0, false
		}
	}
	return flags, true
}

// keyspaceEventString spells flags as CONFIG GET does. As in Valkey, 'n'
// is only printed when the set is not the whole of 'A'.
func keyspaceEventString(flags int) string {
	var b []byte
	if flags&NotifyAll == NotifyAll {
		b = append(b, 'A')
	} else {
		for _, f := range []struct {
			bit int
			c   byte
		}{
			{NotifyGeneric, 'g'}, {NotifyString, '$'}, {NotifyList, 'l'}, {NotifySet, 's'},
			{NotifyHash, 'h'}, {NotifyZset, 'z'}, {NotifyExpired, 'x'}, {NotifyEvicted, 'e'},
			{NotifyStream, 't'}, {NotifyModule, 'd'}, {NotifyNew, 'n'},
		} {
			if flags&f.bit != 0 {
				b = append(b, f.c)
			}
		}
	}
	if flags&NotifyKeyspace != 0 {
		b = append(b, 'K')
	}
	if flags&NotifyKeyevent != 0 {
		b = append(b, 'E')
	}
	if flags&NotifyKeyMiss != 0 {
		b = append(b, 'm')
	}
	return string(b)
}
