package engine

// zsetHandlers are the sorted set group.
var zsetHandlers = map[string]Handler{}
