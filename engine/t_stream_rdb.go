package engine

import (
	"strconv"

	"github.com/volleydb/volley/engine/keyspace"
	"github.com/volleydb/volley/engine/listpack"
	"github.com/volleydb/volley/engine/rdb"
	"github.com/volleydb/volley/engine/stream"
)

// Streams in Valkey's RDB form (RDB_TYPE_STREAM_LISTPACKS_3): the nodes,
// each its 16-byte big-endian master ID and its listpack as stored; the
// length, last ID, first ID, largest deleted ID and entries added; then
// per group its name, last delivered ID, entries read, its PEL (IDs with
// delivery time and count) and its consumers (name, seen time, active
// time and the IDs of their PEL). The loader also takes the two older
// stream types.

// rdbSaveStream writes st's value.
func rdbSaveStream(w *rdb.Writer, st *stream.Stream) {
	w.Len(uint64(len(st.Nodes)))
	for _, n := range st.Nodes {
		k := n.Master.Bytes()
		w.String(k[:])
		w.String(n.LP)
	}
	w.Len(st.Length)
	w.Len(st.LastID.Ms)
	w.Len(st.LastID.Seq)
	w.Len(st.FirstID.Ms)
	w.Len(st.FirstID.Seq)
	w.Len(st.MaxDeletedID.Ms)
	w.Len(st.MaxDeletedID.Seq)
	w.Len(st.EntriesAdded)
	w.Len(uint64(len(st.Groups)))
	for _, g := range st.Groups {
		w.String([]byte(g.Name))
		w.Len(g.LastID.Ms)
		w.Len(g.LastID.Seq)
		w.Len(uint64(g.EntriesRead))
		w.Len(uint64(g.PEL.Len()))
		for i := range g.PEL.Len() {
			id, nack := g.PEL.At(i)
			k := id.Bytes()
			w.Raw(k[:])
			w.MillisecondTime(nack.DeliveryTime)
			w.Len(nack.DeliveryCount)
		}
		w.Len(uint64(len(g.Consumers)))
		for _, cons := range g.Consumers {
			w.String([]byte(cons.Name))
			w.MillisecondTime(cons.SeenTime)
			w.MillisecondTime(cons.ActiveTime)
			w.Len(uint64(cons.PEL.Len()))
			for i := range cons.PEL.Len() {
				id, _ := cons.PEL.At(i)
				k := id.Bytes()
				w.Raw(k[:])
			}
		}
	}
}

// stream loads a stream of RDB type typ (15, 19 or 21).
func (ld rdbLoad) stream(r *rdb.Reader, typ byte) (keyspace.Value, error) {
	fail := func(err error) (keyspace.Value, error) { return keyspace.Value{}, err }
	st := stream.New()
	nodes, err := rdbLen(r)
	if err != nil {
		return fail(err)
	}
	for range nodes {
		key, err := r.String()
		if err != nil {
			return fail(err)
		}
		if len(key) != stream.IDSize {
			return fail(errCorrupt)
		}
		lp, err := r.String()
		if err != nil {
			return fail(err)
		}
		if !stream.ValidateListpack(lp) || listpack.First(lp) < 0 {
			return fail(errCorrupt)
		}
		master := stream.DecodeID(key)
		if n := len(st.Nodes); n > 0 && st.Nodes[n-1].Master.Cmp(master) >= 0 {
			return fail(errCorrupt) // out of order, or a repeated key
		}
		st.Nodes = append(st.Nodes, stream.Node{Master: master, LP: lp})
	}
	lens := make([]uint64, 0, 8)
	want := 3
	if typ >= rdb.TypeStreamListpacks2 {
		want = 8
	}
	for range want {
		v, err := rdbLen(r)
		if err != nil {
			return fail(err)
		}
		lens = append(lens, v)
	}
	st.Length = lens[0]
	st.LastID = stream.ID{Ms: lens[1], Seq: lens[2]}
	if typ >= rdb.TypeStreamListpacks2 {
		st.FirstID = stream.ID{Ms: lens[3], Seq: lens[4]}
		st.MaxDeletedID = stream.ID{Ms: lens[5], Seq: lens[6]}
		st.EntriesAdded = lens[7]
	} else {
		st.EntriesAdded = st.Length
		if st.Length > 0 {
			st.FirstID = st.EdgeID(true, true)
		}
	}
	if st.Length > 0 && len(st.Nodes) == 0 {
		return fail(errCorrupt)
	}
	if !streamCountsMatch(st) {
		return fail(errCorrupt)
	}
	ngroups, err := rdbLen(r)
	if err != nil {
		return fail(err)
	}
	for range ngroups {
		name, err := r.String()
		if err != nil {
			return fail(err)
		}
		var last stream.ID
		if last.Ms, err = rdbLen(r); err != nil {
			return fail(err)
		}
		if last.Seq, err = rdbLen(r); err != nil {
			return fail(err)
		}
		var entriesRead int64
		if typ >= rdb.TypeStreamListpacks2 {
			v, err := rdbLen(r)
			if err != nil {
				return fail(err)
			}
			entriesRead = int64(v)
		} else {
			entriesRead = st.EstimateDistance(last)
		}
		g := st.CreateGroup(name, last, entriesRead)
		if g == nil {
			return fail(errCorrupt)
		}
		npel, err := rdbLen(r)
		if err != nil {
			return fail(err)
		}
		for range npel {
			raw, err := r.Raw(stream.IDSize)
			if err != nil {
				return fail(err)
			}
			t, err := r.MillisecondTime()
			if err != nil {
				return fail(err)
			}
			cnt, err := rdbLen(r)
			if err != nil {
				return fail(err)
			}
			if !g.PEL.Insert(stream.DecodeID(raw), &stream.NACK{DeliveryTime: t, DeliveryCount: cnt}) {
				return fail(errCorrupt)
			}
		}
		ncons, err := rdbLen(r)
		if err != nil {
			return fail(err)
		}
		for range ncons {
			cname, err := r.String()
			if err != nil {
				return fail(err)
			}
			cons := g.CreateConsumer(cname, 0)
			if cons == nil {
				return fail(errCorrupt)
			}
			if cons.SeenTime, err = r.MillisecondTime(); err != nil {
				return fail(err)
			}
			if typ >= rdb.TypeStreamListpacks3 {
				if cons.ActiveTime, err = r.MillisecondTime(); err != nil {
					return fail(err)
				}
			} else {
				cons.ActiveTime = cons.SeenTime
			}
			n, err := rdbLen(r)
			if err != nil {
				return fail(err)
			}
			for range n {
				raw, err := r.Raw(stream.IDSize)
				if err != nil {
					return fail(err)
				}
				id := stream.DecodeID(raw)
				nack, ok := g.PEL.Find(id)
				if !ok || nack.Consumer != nil {
					return fail(errCorrupt)
				}
				nack.Consumer = cons
				if !cons.PEL.Insert(id, nack) {
					return fail(errCorrupt)
				}
			}
		}
		// Every pending entry must have an owner (checked always: a
		// NACK without one would crash XPENDING later).
		for i := range g.PEL.Len() {
			if _, nack := g.PEL.At(i); nack.Consumer == nil {
				return fail(errCorrupt)
			}
		}
	}
	return keyspace.Value{Kind: kindStream, Obj: st}, nil
}

// streamCountsMatch checks that the live entries the nodes hold add up to
// the stream's length, and that no node is empty: the commands rely on
// both.
func streamCountsMatch(st *stream.Stream) bool {
	var total uint64
	for _, n := range st.Nodes {
		p := listpack.First(n.LP)
		s, v, isInt := listpack.Get(n.LP, p)
		if !isInt || s != nil || v < 0 {
			return false
		}
		total += uint64(v)
	}
	return total == st.Length
}

// digestStream mixes a stream's entries into d, as Valkey's DEBUG
// DIGEST: per entry its ID as "ms.seq", then each field and value.
// Groups do not count.
func digestStream(d *digest, st *stream.Stream) {
	var it stream.Iterator
	it.Start(st, nil, nil, false)
	var buf []byte
	for {
		id, nf, ok := it.Next()
		if !ok {
			return
		}
		buf = strconv.AppendUint(buf[:0], id.Ms, 10)
		buf = append(buf, '.')
		buf = strconv.AppendUint(buf, id.Seq, 10)
		d.mix(buf)
		for ; nf > 0; nf-- {
			f, v := it.Field()
			d.mix(f)
			d.mix(v)
		}
	}
}
