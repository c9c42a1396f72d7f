package engine

import "github.com/volleydb/volley/engine/listpack"

// Listpack-encoded hashes: field, value, field, value ... in one
// listpack, as Valkey stores a small hash. Fields are found by a linear
// walk that compares only fields (Find with skip 1); new fields go at the
// end.

// lpEmpty is an empty listpack, copied to start a hash.
var lpEmpty = listpack.New(0)

// lpHashNew appends an empty listpack to buf.
func lpHashNew(buf []byte) []byte { return append(buf, lpEmpty...) }

// lpHashLen is the number of fields.
func lpHashLen(lp []byte) int { return listpack.Len(lp) / 2 }

func lpElem(lp []byte, p int) hashElem {
	s, v, isInt := listpack.Get(lp, p)
	return hashElem{s: s, n: v, isInt: isInt}
}

// lpHashFind returns the offset of field's entry, or -1.
func lpHashFind(lp, field []byte) int {
	return listpack.Find(lp, listpack.First(lp), field, 1)
}

// lpHashGet returns field's value.
func lpHashGet(lp, field []byte) (hashElem, bool) {
	p := lpHashFind(lp, field)
	if p < 0 {
		return hashElem{}, false
	}
	return lpElem(lp, listpack.Next(lp, p)), true
}

// lpHashEach calls fn for each field and value in order until it returns
// false.
func lpHashEach(lp []byte, fn func(f, v hashElem) bool) {
	for p := listpack.First(lp); p >= 0; {
		q := listpack.Next(lp, p)
		if !fn(lpElem(lp, p), lpElem(lp, q)) {
			return
		}
		p = listpack.Next(lp, q)
	}
}

// lpHashAt returns the i-th field and its value.
func lpHashAt(lp []byte, i int) (f, v hashElem) {
	p := listpack.Seek(lp, 2*i)
	return lpElem(lp, p), lpElem(lp, listpack.Next(lp, p))
}

// lpHashSet sets field to value, replacing the value in place or
// appending the pair, and reports whether the field existed. lp must be
// the caller's own copy.
func lpHashSet(lp, field, value []byte) ([]byte, bool) {
	if p := lpHashFind(lp, field); p >= 0 {
		return listpack.Replace(lp, listpack.Next(lp, p), value), true
	}
	lp = listpack.Append(lp, field)
	return listpack.Append(lp, value), false
}

// lpHashDel deletes field and its value and reports whether it existed.
func lpHashDel(lp, field []byte) ([]byte, bool) {
	p := lpHashFind(lp, field)
	if p < 0 {
		return lp, false
	}
	return listpack.DeleteRange(lp, p, 2), true
}
