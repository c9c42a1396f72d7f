package engine

// hyperLogLogSpecs returns the hyperloglog group's commands, as COMMAND INFO and COMMAND
// DOCS describe them. Handlers are attached by name in registry.go.
func hyperLogLogSpecs() []*Spec {
	return []*Spec{
		{
			Name:       "pfadd",
			Arity:      -2,
			Flags:      FlagWrite | FlagDenyOOM | FlagFast,
			ACL:        ACLHyperLogLog,
			Group:      GroupHyperLogLog,
			Since:      "2.8.9",
			Summary:    "Adds elements to a HyperLogLog, creating the key when missing.",
			Complexity: "O(1) per element.",
			Keys: []KeySpec{
				{Flags: KeyRW | KeyInsert, BeginIndex: 1, Range: true, Step: 1},
			},
		},
		{
			Name:       "pfcount",
			Arity:      -2,
			Flags:      FlagReadonly | FlagMayReplicate,
			ACL:        ACLHyperLogLog,
			Group:      GroupHyperLogLog,
			Since:      "2.8.9",
			Summary:    "Returns the estimated number of distinct elements seen by one or more HyperLogLogs.",
			Complexity: "O(1) with a small constant for one key; O(N) with a much larger constant for N keys.",
			Keys: []KeySpec{
				{Flags: KeyRW | KeyAccess, Notes: "RW since counting may rewrite the key's representation, which is then replicated", BeginIndex: 1, Range: true, LastKey: -1, Step: 1},
			},
		},
		{
			Name:       "pfdebug",
			Arity:      3,
			Flags:      FlagWrite | FlagDenyOOM | FlagAdmin,
			ACL:        ACLHyperLogLog,
			Group:      GroupHyperLogLog,
			Since:      "2.8.9",
			Summary:    "Internal command for inspecting HyperLogLog values.",
			Complexity: "N/A",
			DocFlags:   "syscmd",
			Keys: []KeySpec{
				{Flags: KeyRW | KeyAccess, BeginIndex: 2, Range: true, Step: 1},
			},
		},
		{
			Name:       "pfmerge",
			Arity:      -2,
			Flags:      FlagWrite | FlagDenyOOM,
			ACL:        ACLHyperLogLog,
			Group:      GroupHyperLogLog,
			Since:      "2.8.9",
			Summary:    "Merges HyperLogLogs into a destination key.",
			Complexity: "O(N) for N HyperLogLogs, with a large constant.",
			Keys: []KeySpec{
				{Flags: KeyRW | KeyAccess | KeyInsert, BeginIndex: 1, Range: true, Step: 1},
				{Flags: KeyRO | KeyAccess, BeginIndex: 2, Range: true, LastKey: -1, Step: 1},
			},
		},
		{
			Name:       "pfselftest",
			Arity:      1,
			Flags:      FlagAdmin,
			ACL:        ACLHyperLogLog,
			Group:      GroupHyperLogLog,
			Since:      "2.8.9",
			Summary:    "Internal self test of the HyperLogLog code.",
			Complexity: "N/A",
			DocFlags:   "syscmd",
		},
	}
}
