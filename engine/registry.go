package engine

import (
	"fmt"
	"sort"
)

// handlerGroups joins each group's handlers to the spec table. A group
// file declares its handlers in one map keyed by Spec.FullName
// ("get", "client|list"); nothing registers itself.
func handlerGroups() []map[string]Handler {
	return []map[string]Handler{
		connectionHandlers,
		clientHandlers,
		serverHandlers,
		commandCmdHandlers,
		genericHandlers,
		stringHandlers,
		bitmapHandlers,
		hllHandlers,
		listHandlers,
		hashHandlers,
		setHandlers,
		zsetHandlers,
		sortHandlers,
		functionHandlers,
		moduleHandlers,
		scriptHandlers,
		multiHandlers,
		pubsubHandlers,
		geoHandlers,
		streamHandlers,
		aclHandlers,
	}
}

// buildCommandTable indexes the specs, numbers them for per-command stats
// and attaches the handlers. A handler naming no spec is a programming
// error, caught here at start-up and by the registry test.
func (s *Server) buildCommandTable() {
	s.commands = make(map[string]*Spec)
	s.cmdByID = s.cmdByID[:0]
	index := func(sp *Spec, parent *Spec) {
		sp.Parent = parent
		sp.FullName = sp.Name
		if parent != nil {
			sp.FullName = parent.Name + "|" + sp.Name
		}
		sp.ID = len(s.cmdByID)
		s.cmdByID = append(s.cmdByID, sp)
	}
	for _, sp := range commandSpecs() {
		index(sp, nil)
		s.commands[sp.Name] = sp
		if len(sp.Subs) > 0 {
			sp.subIndex = make(map[string]*Spec, len(sp.Subs))
			for _, sub := range sp.Subs {
				index(sub, sp)
				sp.subIndex[sub.Name] = sub
			}
		}
	}
	for _, hs := range handlerGroups() {
		for name, h := range hs {
			sp := s.specByFullName(name)
			if sp == nil {
				panic(fmt.Sprintf("engine: handler for unknown command %q", name))
			}
			sp.Handler = h
		}
	}
	s.cmdStats = make([]CommandStats, len(s.cmdByID))
}

// specByFullName finds a spec by "name" or "container|sub".
func (s *Server) specByFullName(full string) *Spec {
	for i := 0; i < len(full); i++ {
		if full[i] == '|' {
			parent := s.commands[full[:i]]
			if parent == nil {
				return nil
			}
			return parent.subIndex[full[i+1:]]
		}
	}
	return s.commands[full]
}

// Commands returns the top-level specs sorted by name.
func (s *Server) Commands() []*Spec {
	out := make([]*Spec, 0, len(s.commands))
	for _, sp := range s.commands {
		out = append(out, sp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// AllSpecs returns every command and subcommand, in table order.
func (s *Server) AllSpecs() []*Spec { return s.cmdByID }

// Stats returns the counters of the spec with the given ID.
func (s *Server) CommandStats(sp *Spec) *CommandStats { return &s.cmdStats[sp.ID] }
