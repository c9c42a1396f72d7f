package stream

import (
	"slices"

	"github.com/volleydb/volley/engine/listpack"
)

// Len is the number of live entries.
func (s *Stream) Len() int { return int(s.Length) }

// Clone returns a deep copy (COPY), groups, consumers and PELs included.
func (s *Stream) Clone() any {
	n := &Stream{
		Length: s.Length, LastID: s.LastID, FirstID: s.FirstID,
		MaxDeletedID: s.MaxDeletedID, EntriesAdded: s.EntriesAdded,
	}
	if len(s.Nodes) > 0 {
		n.Nodes = make([]Node, len(s.Nodes))
		for i, nd := range s.Nodes {
			n.Nodes[i] = Node{Master: nd.Master, LP: slices.Clone(nd.LP)}
		}
	}
	for _, g := range s.Groups {
		ng := &Group{Name: g.Name, LastID: g.LastID, EntriesRead: g.EntriesRead}
		copies := make(map[*NACK]*NACK, g.PEL.Len())
		ng.PEL.ids = slices.Clone(g.PEL.ids)
		ng.PEL.nacks = make([]*NACK, len(g.PEL.nacks))
		for i, na := range g.PEL.nacks {
			c := &NACK{DeliveryTime: na.DeliveryTime, DeliveryCount: na.DeliveryCount}
			copies[na] = c
			ng.PEL.nacks[i] = c
		}
		for _, c := range g.Consumers {
			nc := &Consumer{Name: c.Name, SeenTime: c.SeenTime, ActiveTime: c.ActiveTime}
			nc.PEL.ids = slices.Clone(c.PEL.ids)
			nc.PEL.nacks = make([]*NACK, len(c.PEL.nacks))
			for i, na := range c.PEL.nacks {
				cp := copies[na]
				cp.Consumer = nc
				nc.PEL.nacks[i] = cp
			}
			ng.Consumers = append(ng.Consumers, nc)
		}
		n.Groups = append(n.Groups, ng)
	}
	return n
}

// Sizes used by the memory estimate, close to Valkey's structures.
const (
	streamHeader   = 104 // the stream struct
	raxNodeSize    = 24  // a rax node with a few children, roughly
	groupHeader    = 48
	consumerHeader = 48
	nackSize       = 24
	pelEntrySize   = 32 // a PEL key in a rax, roughly
)

// MemUsage estimates the bytes the stream takes (MEMORY USAGE), sampling
// at most samples nodes, groups and consumers (0: all), as Valkey's
// objectComputeSize does for streams.
func (s *Stream) MemUsage(samples int) int64 {
	size := int64(streamHeader) + int64(s.RaxNodes())*raxNodeSize
	if samples <= 0 {
		samples = int(^uint(0) >> 1)
	}
	n := len(s.Nodes)
	var lpSize int64
	k := 0
	for k < samples && k < n {
		lpSize += int64(cap(s.Nodes[k].LP))
		k++
	}
	if n <= k {
		size += lpSize
	} else {
		if k > 0 {
			lpSize /= int64(k)
		}
		size += lpSize*int64(n-1) + int64(cap(s.Nodes[n-1].LP))
	}
	if len(s.Groups) > 0 {
		var ele float64
		k = 0
		for k < samples && k < len(s.Groups) {
			g := s.Groups[k]
			e := float64(groupHeader + g.PEL.Len()*(pelEntrySize+nackSize))
			var inner float64
			j := 0
			for j < samples && j < len(g.Consumers) {
				c := g.Consumers[j]
				inner += float64(consumerHeader + len(c.Name) + c.PEL.Len()*pelEntrySize)
				j++
			}
			if j > 0 {
				e += inner / float64(j) * float64(len(g.Consumers))
			}
			ele += e
			k++
		}
		size += int64(ele / float64(k) * float64(len(s.Groups)))
	}
	return size
}

// RaxNodes is the number of nodes Valkey's radix tree would have for
// this stream's node keys (XINFO STREAM's radix-tree-nodes): a
// path-compressed trie over the 16-byte keys.
func (s *Stream) RaxNodes() int {
	if len(s.Nodes) == 0 {
		return 1
	}
	keys := make([][IDSize]byte, len(s.Nodes))
	for i, n := range s.Nodes {
		keys[i] = n.Master.Bytes()
	}
	return 1 + raxCount(keys, 0)
}

// raxCount counts the nodes below a node at depth d whose subtree holds
// keys (sorted, sharing their first d bytes, all of length IDSize).
func raxCount(keys [][IDSize]byte, d int) int {
	if d == IDSize {
		return 0
	}
	// Group the keys by their byte at depth d.
	groups := 0
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j][d] == keys[i][d] {
			j++
		}
		groups++
		i = j
	}
	if groups == 1 {
		// One child: a compressed run while the keys agree and no key
		// ends, then one node where they part or end.
		e := d
		for e < IDSize && keys[0][e] == keys[len(keys)-1][e] {
			e++
		}
		return 1 + raxCount(keys, e)
	}
	n := 0
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j][d] == keys[i][d] {
			j++
		}
		n += 1 + raxCount(keys[i:j], d+1)
		i = j
	}
	return n
}

// ValidateListpack checks that lp is a well-formed stream node: a valid
// listpack whose master entry and entries follow the layout, every
// element count matching (streamValidateListpackIntegrity, deep).
func ValidateListpack(lp []byte) bool {
	if !listpack.ValidateIntegrity(lp) {
		return false
	}
	p := listpack.First(lp)
	next := func() bool {
		if p < 0 {
			return false
		}
		p = listpack.Next(lp, p)
		return true
	}
	num := func() (int64, bool) {
		if p < 0 {
			return 0, false
		}
		v, ok := lpIntValid(lp, p)
		return v, ok
	}
	count, ok := num()
	if !ok || !next() {
		return false
	}
	deleted, ok := num()
	if !ok || !next() {
		return false
	}
	mf, ok := num()
	if !ok || !next() {
		return false
	}
	for j := int64(0); j < mf; j++ {
		if !next() {
			return false
		}
	}
	zero, ok := num()
	if !ok || zero != 0 || !next() {
		return false
	}
	if count < 0 || deleted < 0 || mf < 0 {
		return false
	}
	for total := count + deleted; total > 0; total-- {
		flags, ok := num()
		if !ok || !next() {
			return false
		}
		if _, ok := num(); !ok || !next() {
			return false
		}
		if _, ok := num(); !ok || !next() {
			return false
		}
		fields, extra := mf, int64(3)
		if flags&FlagSameFields == 0 {
			if fields, ok = num(); !ok || !next() || fields < 0 {
				return false
			}
			for j := int64(0); j < fields; j++ {
				if !next() {
					return false
				}
			}
			extra += fields + 1
		}
		for j := int64(0); j < fields; j++ {
			if !next() {
				return false
			}
		}
		lc, ok := num()
		if !ok || lc != fields+extra {
			return false
		}
		next()
	}
	return p < 0
}
