package engine

// bitmapHandlers are the bitmap group.
var bitmapHandlers = map[string]Handler{}
