package engine

// Flags are a command's CMD_* flags, as COMMAND INFO reports them.
type Flags uint32

const (
	FlagWrite Flags = 1 << iota
	FlagReadonly
	FlagDenyOOM
	FlagModule
	FlagAdmin
	FlagPubSub
	FlagNoScript
	FlagBlocking
	FlagLoading
	FlagStale
	FlagSkipMonitor
	FlagSkipCommandlog
	FlagAsking
	FlagFast
	FlagNoAuth
	FlagMayReplicate
	FlagSentinel
	FlagOnlySentinel
	FlagNoMandatoryKeys
	FlagProtected
	FlagModuleGetKeys
	FlagModuleNoCluster
	FlagNoAsyncLoading
	FlagNoMulti
	FlagMovableKeys
	FlagAllowBusy
	FlagModuleGetChannels
	FlagTouchesArbitraryKeys
)

// flagNames lists the flags in the order Valkey's COMMAND INFO prints them.
var flagNames = [...]struct {
	f    Flags
	name string
}{
	{FlagWrite, "write"},
	{FlagReadonly, "readonly"},
	{FlagDenyOOM, "denyoom"},
	{FlagModule, "module"},
	{FlagAdmin, "admin"},
	{FlagPubSub, "pubsub"},
	{FlagNoScript, "noscript"},
	{FlagBlocking, "blocking"},
	{FlagLoading, "loading"},
	{FlagStale, "stale"},
	{FlagSkipMonitor, "skip_monitor"},
	{FlagSkipCommandlog, "skip_commandlog"},
	{FlagAsking, "asking"},
	{FlagFast, "fast"},
	{FlagNoAuth, "no_auth"},
	{FlagMayReplicate, "may_replicate"},
	{FlagSentinel, "sentinel"},
	{FlagOnlySentinel, "only_sentinel"},
	{FlagNoMandatoryKeys, "no_mandatory_keys"},
	{FlagProtected, "protected"},
	{FlagModuleGetKeys, "module_getkeys"},
	{FlagModuleNoCluster, "module_no_cluster"},
	{FlagNoAsyncLoading, "no_async_loading"},
	{FlagNoMulti, "no_multi"},
	{FlagMovableKeys, "movablekeys"},
	{FlagAllowBusy, "allow_busy"},
	{FlagModuleGetChannels, "module_getchannels"},
	{FlagTouchesArbitraryKeys, "touches_arbitrary_keys"},
}

// Names returns the flag names in COMMAND INFO order.
func (f Flags) Names() []string {
	var out []string
	for _, n := range flagNames {
		if f&n.f != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

// ACL is a set of ACL categories (@read, @string, ...).
type ACL uint64

const (
	ACLKeyspace ACL = 1 << iota
	ACLRead
	ACLWrite
	ACLSet
	ACLSortedSet
	ACLList
	ACLHash
	ACLString
	ACLBitmap
	ACLHyperLogLog
	ACLGeo
	ACLStream
	ACLPubSub
	ACLAdmin
	ACLFast
	ACLSlow
	ACLBlocking
	ACLDangerous
	ACLConnection
	ACLTransaction
	ACLScripting
)

// aclNames lists the categories in the order Valkey numbers them; ACL CAT
// and COMMAND INFO print them in this order.
var aclNames = [...]struct {
	c    ACL
	name string
}{
	{ACLKeyspace, "keyspace"},
	{ACLRead, "read"},
	{ACLWrite, "write"},
	{ACLSet, "set"},
	{ACLSortedSet, "sortedset"},
	{ACLList, "list"},
	{ACLHash, "hash"},
	{ACLString, "string"},
	{ACLBitmap, "bitmap"},
	{ACLHyperLogLog, "hyperloglog"},
	{ACLGeo, "geo"},
	{ACLStream, "stream"},
	{ACLPubSub, "pubsub"},
	{ACLAdmin, "admin"},
	{ACLFast, "fast"},
	{ACLSlow, "slow"},
	{ACLBlocking, "blocking"},
	{ACLDangerous, "dangerous"},
	{ACLConnection, "connection"},
	{ACLTransaction, "transaction"},
	{ACLScripting, "scripting"},
}

// Names returns the category names ("@read" form without the @) in order.
func (a ACL) Names() []string {
	var out []string
	for _, n := range aclNames {
		if a&n.c != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

// ACLCategoryNames returns every category name in Valkey's order.
func ACLCategoryNames() []string {
	out := make([]string, len(aclNames))
	for i, n := range aclNames {
		out[i] = n.name
	}
	return out
}

// KeyFlags are a key spec's access flags (CMD_KEY_*), as COMMAND INFO prints them.
type KeyFlags uint16

const (
	KeyRO KeyFlags = 1 << iota
	KeyRW
	KeyOW
	KeyRM
	KeyAccess
	KeyUpdate
	KeyInsert
	KeyDelete
	KeyNotKey
	KeyIncomplete
	KeyVariableFlags
)

var keyFlagNames = [...]struct {
	f    KeyFlags
	name string
}{
	{KeyRO, "RO"},
	{KeyRW, "RW"},
	{KeyOW, "OW"},
	{KeyRM, "RM"},
	{KeyAccess, "access"},
	{KeyUpdate, "update"},
	{KeyInsert, "insert"},
	{KeyDelete, "delete"},
	{KeyNotKey, "not_key"},
	{KeyIncomplete, "incomplete"},
	{KeyVariableFlags, "variable_flags"},
}

// Names returns the key flag names in COMMAND INFO order.
func (f KeyFlags) Names() []string {
	var out []string
	for _, n := range keyFlagNames {
		if f&n.f != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

// KeySpec says where a command's keys are, in Valkey's begin_search /
// find_keys terms. At most one of BeginIndex or BeginKeyword is set, and
// at most one of Range or KeyNum; a spec with neither begin_search
// (and then no find_keys) is "unknown", as SORT's BY/GET and STORE keys
// are, and only the command's own key finder can locate those keys.
type KeySpec struct {
	Flags KeyFlags
	Notes string

	BeginIndex   int    // begin_search index: the first key's argv position
	BeginKeyword string // begin_search keyword: search for this token...
	KeywordFrom  int    // ...starting here (negative counts from the end)

	// find_keys range: keys from the begin position to LastKey (negative:
	// from the end), every Step, at most count/Limit when Limit > 0.
	Range   bool
	LastKey int
	Step    int
	Limit   int

	// find_keys keynum: the key count sits at KeyNumIdx past the begin
	// position, the first key at FirstKey past it, every KeyStep.
	KeyNum    bool
	KeyNumIdx int
	FirstKey  int
	KeyStep   int
}

// Group is the command group COMMAND DOCS reports.
type Group uint8

const (
	GroupGeneric Group = iota
	GroupString
	GroupList
	GroupSet
	GroupSortedSet
	GroupHash
	GroupPubSub
	GroupTransactions
	GroupConnection
	GroupServer
	GroupScripting
	GroupHyperLogLog
	GroupCluster
	GroupSentinel
	GroupGeo
	GroupStream
	GroupBitmap
	GroupModule
)

var groupNames = [...]string{
	GroupGeneric:      "generic",
	GroupString:       "string",
	GroupList:         "list",
	GroupSet:          "set",
	GroupSortedSet:    "sorted-set",
	GroupHash:         "hash",
	GroupPubSub:       "pubsub",
	GroupTransactions: "transactions",
	GroupConnection:   "connection",
	GroupServer:       "server",
	GroupScripting:    "scripting",
	GroupHyperLogLog:  "hyperloglog",
	GroupCluster:      "cluster",
	GroupSentinel:     "sentinel",
	GroupGeo:          "geo",
	GroupStream:       "stream",
	GroupBitmap:       "bitmap",
	GroupModule:       "module",
}

func (g Group) String() string { return groupNames[g] }

// Handler executes one command. It runs on the goroutine that holds the
// engine (see loop/), reads c.Argv, and writes its reply through c's
// reply methods. The dispatcher has already checked arity, so handlers
// never re-check len(c.Argv) against the spec's minimum.
type Handler func(c *Client)

// Spec describes one command or subcommand: everything COMMAND INFO and
// COMMAND DOCS report, and what the dispatcher checks before calling
// Handler.
type Spec struct {
	Name       string // lower case; a subcommand's is just its own word ("list")
	Arity      int    // negative: at least -Arity arguments, the name included
	Flags      Flags
	ACL        ACL // categories beyond those implied by Flags (see impliedACL)
	Group      Group
	Since      string
	Summary    string
	Complexity string
	DocFlags   string // "deprecated", "syscmd", or ""
	Deprecated string // doc "deprecated_since"
	Replaced   string // doc "replaced_by"
	Tips       []string
	Keys       []KeySpec
	Subs       []*Spec
	Handler    Handler // nil: not implemented yet

	// Set when the registry is built.
	Parent   *Spec
	FullName string // "client|list" for subcommands, else Name
	current  string // the name the command table knows a top-level command by: Name, or its rename-command name
	ID       int    // dense index, for per-command stats
	subIndex map[string]*Spec

	// Derived from the fields above by finishSpec (spec_table.go).
	categories  ACL         // every ACL category: ACL plus the implied ones
	getKeysProc getKeysProc // the command's own key finder, where key specs cannot say it all
	members     memberArgs  // arguments naming members the prefetcher warms (prefetch.go)

	// COMMAND INFO's legacy (first, last, step) key range; last is
	// absolute, negative counts from the end; all zero when there is none.
	legacyFirst, legacyLast, legacyStep int
}

// Sub returns the subcommand with the given lower-case name, or nil.
func (s *Spec) Sub(name string) *Spec { return s.subIndex[name] }

// arityOK reports whether argc arguments (the name included) fit the
// command's arity (Valkey's commandCheckArity).
func (s *Spec) arityOK(argc int) bool {
	return (s.Arity <= 0 || s.Arity == argc) && argc >= -s.Arity
}
