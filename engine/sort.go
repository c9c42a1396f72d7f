package engine

// sortHandlers are SORT and SORT_RO.
var sortHandlers = map[string]Handler{}
