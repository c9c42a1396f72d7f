package engine

// transactionsSpecs returns the transactions group's commands, as COMMAND INFO and COMMAND
// DOCS describe them. Handlers are attached by name in registry.go.
func transactionsSpecs() []*Spec {
	return []*Spec{
		{
			Name:       "discard",
			Arity:      1,
			Flags:      FlagNoScript | FlagLoading | FlagStale | FlagFast | FlagAllowBusy,
			ACL:        ACLTransaction,
			Group:      GroupTransactions,
			Since:      "2.0.0",
			Summary:    "Drops the queued commands of a transaction.",
			Complexity: "O(N), N being the queued commands.",
		},
		{
			Name:       "exec",
			Arity:      1,
			Flags:      FlagNoScript | FlagLoading | FlagStale | FlagSkipCommandlog,
			ACL:        ACLTransaction,
			Group:      GroupTransactions,
			Since:      "1.2.0",
			Summary:    "Runs the queued commands of a transaction.",
			Complexity: "Depends on the queued commands.",
		},
		{
			Name:       "multi",
			Arity:      1,
			Flags:      FlagNoScript | FlagLoading | FlagStale | FlagFast | FlagNoMulti | FlagAllowBusy,
			ACL:        ACLTransaction,
			Group:      GroupTransactions,
			Since:      "1.2.0",
			Summary:    "Begins a transaction.",
			Complexity: "O(1)",
		},
		{
			Name:       "unwatch",
			Arity:      1,
			Flags:      FlagNoScript | FlagLoading | FlagStale | FlagFast | FlagAllowBusy,
			ACL:        ACLTransaction,
			Group:      GroupTransactions,
			Since:      "2.2.0",
			Summary:    "Drops every key the connection is watching.",
			Complexity: "O(1)",
		},
		{
			Name:       "watch",
			Arity:      -2,
			Flags:      FlagNoScript | FlagLoading | FlagStale | FlagFast | FlagNoMulti | FlagAllowBusy,
			ACL:        ACLTransaction,
			Group:      GroupTransactions,
			Since:      "2.2.0",
			Summary:    "Makes the next transaction abort if the given keys change.",
			Complexity: "O(1) per key.",
			Keys: []KeySpec{
				{Flags: KeyRO, BeginIndex: 1, Range: true, LastKey: -1, Step: 1},
			},
		},
	}
}
