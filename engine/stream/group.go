package stream

import (
	"slices"
	"sort"
	"strings"
)

// NACK is a pending (delivered, not acknowledged) entry of a group.
type NACK struct {
	DeliveryTime  int64  // Unix ms of the last delivery
	DeliveryCount uint64 // deliveries so far
	Consumer      *Consumer
}

// PEL is a pending entries list: NACKs by entry ID, in ID order. Entries
// are mostly added in ID order (reads with ">") and removed anywhere, so
// a sorted slice with binary search serves, appending in O(1).
type PEL struct {
	ids   []ID
	nacks []*NACK
}

// Len is the number of entries.
func (p *PEL) Len() int { return len(p.ids) }

// At returns the i-th entry in ID order.
func (p *PEL) At(i int) (ID, *NACK) { return p.ids[i], p.nacks[i] }

// Seek returns the index of the first entry >= id.
func (p *PEL) Seek(id ID) int {
	n := len(p.ids)
	if n == 0 || p.ids[n-1].Cmp(id) < 0 {
		return n
	}
	return sort.Search(n, func(i int) bool { return p.ids[i].Cmp(id) >= 0 })
}

// Find returns the NACK of id.
func (p *PEL) Find(id ID) (*NACK, bool) {
	i := p.Seek(id)
	if i < len(p.ids) && p.ids[i] == id {
		return p.nacks[i], true
	}
	return nil, false
}

// Insert adds id unless present, reporting whether it did.
func (p *PEL) Insert(id ID, n *NACK) bool {
	i := p.Seek(id)
	if i < len(p.ids) && p.ids[i] == id {
		return false
	}
	if i == len(p.ids) {
		p.ids = append(p.ids, id)
		p.nacks = append(p.nacks, n)
		return true
	}
	p.ids = append(p.ids, ID{})
	copy(p.ids[i+1:], p.ids[i:])
	p.ids[i] = id
	p.nacks = append(p.nacks, nil)
	copy(p.nacks[i+1:], p.nacks[i:])
	p.nacks[i] = n
	return true
}

// Set adds or replaces id's NACK.
func (p *PEL) Set(id ID, n *NACK) {
	i := p.Seek(id)
	if i < len(p.ids) && p.ids[i] == id {
		p.nacks[i] = n
		return
	}
	p.Insert(id, n)
}

// Delete removes id, reporting whether it was there.
func (p *PEL) Delete(id ID) bool {
	i := p.Seek(id)
	if i >= len(p.ids) || p.ids[i] != id {
		return false
	}
	p.removeAt(i)
	return true
}

func (p *PEL) removeAt(i int) {
	n := len(p.ids)
	if i == 0 {
		// Acknowledging the oldest is the common case: drop the head
		// without moving the rest.
		p.nacks[0] = nil
		p.ids, p.nacks = p.ids[1:], p.nacks[1:]
		if len(p.ids) == 0 {
			p.ids, p.nacks = nil, nil
		}
		return
	}
	copy(p.ids[i:], p.ids[i+1:])
	copy(p.nacks[i:], p.nacks[i+1:])
	p.nacks[n-1] = nil
	p.ids, p.nacks = p.ids[:n-1], p.nacks[:n-1]
}

// Assign makes c the owner of the pending entry id whose NACK is n,
// taking it out of its previous owner's PEL.
func (n *NACK) Assign(id ID, c *Consumer) {
	if n.Consumer == c {
		return
	}
	if n.Consumer != nil {
		n.Consumer.PEL.Delete(id)
	}
	c.PEL.Set(id, n)
	n.Consumer = c
}

// Consumer is a consumer of a group.
type Consumer struct {
	Name       string
	SeenTime   int64 // last attempted interaction (Unix ms)
	ActiveTime int64 // last successful interaction, -1 if never
	PEL        PEL   // its share of the group's pending entries (same NACKs)
}

// Group is a consumer group.
type Group struct {
	Name        string
	LastID      ID    // last delivered ID
	EntriesRead int64 // logical read counter, InvalidEntriesRead if unknown
	PEL         PEL
	Consumers   []*Consumer // by name, bytewise
}

// groupIndex returns where name is or would be in s.Groups.
func (s *Stream) groupIndex(name string) int {
	return sort.Search(len(s.Groups), func(i int) bool { return strings.Compare(s.Groups[i].Name, name) >= 0 })
}

// Group returns the group called name, or nil.
func (s *Stream) Group(name []byte) *Group {
	i := s.groupIndex(string(name))
	if i < len(s.Groups) && s.Groups[i].Name == string(name) {
		return s.Groups[i]
	}
	return nil
}

// CreateGroup adds a group, or returns nil if the name is taken.
func (s *Stream) CreateGroup(name []byte, last ID, entriesRead int64) *Group {
	i := s.groupIndex(string(name))
	if i < len(s.Groups) && s.Groups[i].Name == string(name) {
		return nil
	}
	g := &Group{Name: string(name), LastID: last, EntriesRead: entriesRead}
	s.Groups = append(s.Groups, nil)
	copy(s.Groups[i+1:], s.Groups[i:])
	s.Groups[i] = g
	return g
}

// DestroyGroup removes the group called name, reporting whether it was.
func (s *Stream) DestroyGroup(name []byte) bool {
	i := s.groupIndex(string(name))
	if i < len(s.Groups) && s.Groups[i].Name == string(name) {
		s.Groups = slices.Delete(s.Groups, i, i+1)
		if len(s.Groups) == 0 {
			s.Groups = nil
		}
		return true
	}
	return false
}

func (g *Group) consumerIndex(name string) int {
	return sort.Search(len(g.Consumers), func(i int) bool { return strings.Compare(g.Consumers[i].Name, name) >= 0 })
}

// Consumer returns the consumer called name, or nil.
func (g *Group) Consumer(name []byte) *Consumer {
	i := g.consumerIndex(string(name))
	if i < len(g.Consumers) && g.Consumers[i].Name == string(name) {
		return g.Consumers[i]
	}
	return nil
}

// CreateConsumer adds a consumer seen at now, or returns nil if the name
// is taken.
func (g *Group) CreateConsumer(name []byte, now int64) *Consumer {
	i := g.consumerIndex(string(name))
	if i < len(g.Consumers) && g.Consumers[i].Name == string(name) {
		return nil
	}
	c := &Consumer{Name: string(name), SeenTime: now, ActiveTime: -1}
	g.Consumers = append(g.Consumers, nil)
	copy(g.Consumers[i+1:], g.Consumers[i:])
	g.Consumers[i] = c
	return c
}

// DeleteConsumer removes c and its pending entries from the group.
func (g *Group) DeleteConsumer(c *Consumer) {
	for _, id := range c.PEL.ids {
		g.PEL.Delete(id)
	}
	i := g.consumerIndex(c.Name)
	if i < len(g.Consumers) && g.Consumers[i] == c {
		g.Consumers = slices.Delete(g.Consumers, i, i+1)
	}
}

// Ack removes id from the group's PEL and its consumer's, reporting
// whether it was pending.
func (g *Group) Ack(id ID) bool {
	i := g.PEL.Seek(id)
	if i >= len(g.PEL.ids) || g.PEL.ids[i] != id {
		return false
	}
	n := g.PEL.nacks[i]
	g.PEL.removeAt(i)
	if n.Consumer != nil {
		n.Consumer.PEL.Delete(id)
	}
	return true
}
