package engine

// listHandlers are the list group.
var listHandlers = map[string]Handler{}
