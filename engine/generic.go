package engine

// genericHandlers are the generic group: DEL, EXISTS, EXPIRE, SCAN, OBJECT, COPY and the rest.
var genericHandlers = map[string]Handler{}
