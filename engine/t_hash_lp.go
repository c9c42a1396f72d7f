package engine

// Listpack-encoded hashes: field, value, field, value ... in one listpack.
// TEMPORARY stubs until engine/listpack lands.

var hashListpackEnabled = false

func lpHashNew(buf []byte) []byte                       { panic("listpack") }
func lpHashLen(lp []byte) int                           { panic("listpack") }
func lpHashGet(lp, field []byte) (hashElem, bool)       { panic("listpack") }
func lpHashEach(lp []byte, fn func(f, v hashElem) bool) { panic("listpack") }
func lpHashSet(lp, field, value []byte) ([]byte, bool)  { panic("listpack") }
func lpHashDel(lp, field []byte) ([]byte, bool)         { panic("listpack") }
func lpHashAt(lp []byte, i int) (hashElem, hashElem)    { panic("listpack") }
