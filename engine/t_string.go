package engine

// stringHandlers are the string group.
var stringHandlers = map[string]Handler{}
