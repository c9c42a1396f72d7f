package engine

// hllHandlers are the hyperloglog group.
var hllHandlers = map[string]Handler{}
