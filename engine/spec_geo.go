package engine

// geoSpecs returns the geo group's commands, as COMMAND INFO and COMMAND
// DOCS describe them. Handlers are attached by name in registry.go.
func geoSpecs() []*Spec {
	return []*Spec{
		{
			Name:       "geoadd",
			Arity:      -5,
			Flags:      FlagWrite | FlagDenyOOM,
			ACL:        ACLGeo,
			Group:      GroupGeo,
			Since:      "3.2.0",
			Summary:    "Adds members with their coordinates to a geospatial index, creating the key when missing.",
			Complexity: "O(log(N)) per member added, N being the sorted set size.",
			Keys: []KeySpec{
				{Flags: KeyRW | KeyUpdate, BeginIndex: 1, Range: true, Step: 1},
			},
		},
		{
			Name:       "geodist",
			Arity:      -4,
			Flags:      FlagReadonly,
			ACL:        ACLGeo,
			Group:      GroupGeo,
			Since:      "3.2.0",
			Summary:    "Returns the distance between two members of a geospatial index.",
			Complexity: "O(1)",
			Keys: []KeySpec{
				{Flags: KeyRO | KeyAccess, BeginIndex: 1, Range: true, Step: 1},
			},
		},
		{
			Name:       "geohash",
			Arity:      -2,
			Flags:      FlagReadonly,
			ACL:        ACLGeo,
			Group:      GroupGeo,
			Since:      "3.2.0",
			Summary:    "Returns the geohash strings of members of a geospatial index.",
			Complexity: "O(1) per member.",
			Keys: []KeySpec{
				{Flags: KeyRO | KeyAccess, BeginIndex: 1, Range: true, Step: 1},
			},
		},
		{
			Name:       "geopos",
			Arity:      -2,
			Flags:      FlagReadonly,
			ACL:        ACLGeo,
			Group:      GroupGeo,
			Since:      "3.2.0",
			Summary:    "Returns the longitude and latitude of members of a geospatial index.",
			Complexity: "O(1) per member.",
			Keys: []KeySpec{
				{Flags: KeyRO | KeyAccess, BeginIndex: 1, Range: true, Step: 1},
			},
		},
		{
			Name:       "georadius",
			Arity:      -6,
			Flags:      FlagWrite | FlagDenyOOM,
			ACL:        ACLGeo,
			Group:      GroupGeo,
			Since:      "3.2.0",
			Summary:    "Finds members within a radius of a point, and can store the result.",
			Complexity: "O(N+log(M)), N being the members in the bounding box of the circle and M the index size.",
			Keys: []KeySpec{
				{Flags: KeyRO | KeyAccess, BeginIndex: 1, Range: true, Step: 1},
				{Flags: KeyOW | KeyUpdate, BeginKeyword: "STORE", KeywordFrom: 6, Range: true, Step: 1},
				{Flags: KeyOW | KeyUpdate, BeginKeyword: "STOREDIST", KeywordFrom: 6, Range: true, Step: 1},
			},
		},
		{
			Name:       "georadiusbymember",
			Arity:      -5,
			Flags:      FlagWrite | FlagDenyOOM,
			ACL:        ACLGeo,
			Group:      GroupGeo,
			Since:      "3.2.0",
			Summary:    "Finds members within a radius of another member, and can store the result.",
			Complexity: "O(N+log(M)), N being the members in the bounding box of the circle and M the index size.",
			Keys: []KeySpec{
				{Flags: KeyRO | KeyAccess, BeginIndex: 1, Range: true, Step: 1},
				{Flags: KeyOW | KeyUpdate, BeginKeyword: "STORE", KeywordFrom: 5, Range: true, Step: 1},
				{Flags: KeyOW | KeyUpdate, BeginKeyword: "STOREDIST", KeywordFrom: 5, Range: true, Step: 1},
			},
		},
		{
			Name:       "georadiusbymember_ro",
			Arity:      -5,
			Flags:      FlagReadonly,
			ACL:        ACLGeo,
			Group:      GroupGeo,
			Since:      "3.2.10",
			Summary:    "Finds members within a radius of another member.",
			Complexity: "O(N+log(M)), N being the members in the bounding box of the circle and M the index size.",
			Keys: []KeySpec{
				{Flags: KeyRO | KeyAccess, BeginIndex: 1, Range: true, Step: 1},
			},
		},
		{
			Name:       "georadius_ro",
			Arity:      -6,
			Flags:      FlagReadonly,
			ACL:        ACLGeo,
			Group:      GroupGeo,
			Since:      "3.2.10",
			Summary:    "Finds members within a radius of a point.",
			Complexity: "O(N+log(M)), N being the members in the bounding box of the circle and M the index size.",
			Keys: []KeySpec{
				{Flags: KeyRO | KeyAccess, BeginIndex: 1, Range: true, Step: 1},
			},
		},
		{
			Name:       "geosearch",
			Arity:      -7,
			Flags:      FlagReadonly,
			ACL:        ACLGeo,
			Group:      GroupGeo,
			Since:      "6.2.0",
			Summary:    "Finds members inside a circle, a box or a polygon.",
			Complexity: "O(N+log(M)), N being the members in the grid-aligned box around the shape and M the members inside the shape.",
			Keys: []KeySpec{
				{Flags: KeyRO | KeyAccess, BeginIndex: 1, Range: true, Step: 1},
			},
		},
		{
			Name:       "geosearchstore",
			Arity:      -8,
			Flags:      FlagWrite | FlagDenyOOM,
			ACL:        ACLGeo,
			Group:      GroupGeo,
			Since:      "6.2.0",
			Summary:    "Finds members inside a circle, a box or a polygon and stores them in a key.",
			Complexity: "O(N+log(M)), N being the members in the grid-aligned box around the shape and M the members inside the shape.",
			Keys: []KeySpec{
				{Flags: KeyOW | KeyUpdate, BeginIndex: 1, Range: true, Step: 1},
				{Flags: KeyRO | KeyAccess, BeginIndex: 2, Range: true, Step: 1},
			},
		},
	}
}
