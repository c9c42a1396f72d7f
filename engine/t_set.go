package engine

// setHandlers are the set group.
var setHandlers = map[string]Handler{}
