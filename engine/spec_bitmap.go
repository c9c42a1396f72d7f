package engine

// bitmapSpecs returns the bitmap group's commands, as COMMAND INFO and COMMAND
// DOCS describe them. Handlers are attached by name in registry.go.
func bitmapSpecs() []*Spec {
	return []*Spec{
		{
			Name:       "bitcount",
			Arity:      -2,
			Flags:      FlagReadonly,
			ACL:        ACLBitmap,
			Group:      GroupBitmap,
			Since:      "2.6.0",
			Summary:    "Counts the bits set to 1 in a string, optionally within a range.",
			Complexity: "O(N)",
			Keys: []KeySpec{
				{Flags: KeyRO | KeyAccess, BeginIndex: 1, Range: true, Step: 1},
			},
		},
		{
			Name:       "bitfield",
			Arity:      -2,
			Flags:      FlagWrite | FlagDenyOOM,
			ACL:        ACLBitmap,
			Group:      GroupBitmap,
			Since:      "3.2.0",
			Summary:    "Reads, writes and increments integer fields of any width packed in a string.",
			Complexity: "O(1) per operation given.",
			Keys: []KeySpec{
				{Flags: KeyRW | KeyUpdate | KeyAccess | KeyVariableFlags, Notes: "Reads the key, and writes it when SET or INCRBY is given", BeginIndex: 1, Range: true, Step: 1},
			},
		},
		{
			Name:       "bitfield_ro",
			Arity:      -2,
			Flags:      FlagReadonly | FlagFast,
			ACL:        ACLBitmap,
			Group:      GroupBitmap,
			Since:      "6.0.0",
			Summary:    "Reads integer fields packed in a string, without writing.",
			Complexity: "O(1) per operation given.",
			Keys: []KeySpec{
				{Flags: KeyRO | KeyAccess, BeginIndex: 1, Range: true, Step: 1},
			},
		},
		{
			Name:       "bitop",
			Arity:      -4,
			Flags:      FlagWrite | FlagDenyOOM,
			ACL:        ACLBitmap,
			Group:      GroupBitmap,
			Since:      "2.6.0",
			Summary:    "Combines strings bit by bit (AND, OR, XOR, NOT, ...) into a destination key.",
			Complexity: "O(N)",
			Keys: []KeySpec{
				{Flags: KeyOW | KeyUpdate, BeginIndex: 2, Range: true, Step: 1},
				{Flags: KeyRO | KeyAccess, BeginIndex: 3, Range: true, LastKey: -1, Step: 1},
			},
		},
		{
			Name:       "bitpos",
			Arity:      -3,
			Flags:      FlagReadonly,
			ACL:        ACLBitmap,
			Group:      GroupBitmap,
			Since:      "2.8.7",
			Summary:    "Finds the position of the first bit set to 0 or 1 in a string.",
			Complexity: "O(N)",
			Keys: []KeySpec{
				{Flags: KeyRO | KeyAccess, BeginIndex: 1, Range: true, Step: 1},
			},
		},
		{
			Name:       "getbit",
			Arity:      3,
			Flags:      FlagReadonly | FlagFast,
			ACL:        ACLBitmap,
			Group:      GroupBitmap,
			Since:      "2.2.0",
			Summary:    "Returns the bit at an offset of a string.",
			Complexity: "O(1)",
			Keys: []KeySpec{
				{Flags: KeyRO | KeyAccess, BeginIndex: 1, Range: true, Step: 1},
			},
		},
		{
			Name:       "setbit",
			Arity:      4,
			Flags:      FlagWrite | FlagDenyOOM,
			ACL:        ACLBitmap,
			Group:      GroupBitmap,
			Since:      "2.2.0",
			Summary:    "Sets or clears one bit of a string, creating the key when missing.",
			Complexity: "O(1)",
			Keys: []KeySpec{
				{Flags: KeyRW | KeyAccess | KeyUpdate, BeginIndex: 1, Range: true, Step: 1},
			},
		},
	}
}
