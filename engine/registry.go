package engine

import (
	"errors"
	"fmt"
	"sort"
	"strings"
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
		replPrimaryHandlers,
		clusterHandlers,
		migrateHandlers,
		replicaHandlers,
	}
}

// buildCommandTable indexes the specs, numbers them for per-command stats
// and attaches the handlers. A handler naming no spec is a programming
// error, caught here at start-up and by the registry test.
func (s *Server) buildCommandTable() {
	s.commands = make(map[string]*Spec)
	s.origCommands = make(map[string]*Spec)
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
		sp.current = sp.Name
		s.commands[sp.Name] = sp
		s.origCommands[sp.Name] = sp
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

// rename-command: a top-level command known by another name, or by none.
// The table's key changes, so everything that finds commands by name
// (the dispatcher, COMMAND INFO, scripts) sees only the new name; the
// spec keeps its own, which COMMAND, INFO commandstats and the ACL log
// report, as Valkey's keep their full names, and by which ACL rules name
// it (origCommands).

// RenameChecker returns the validation of rename-command lines for
// config.LoadOptions: each line is checked against the table as the lines
// before it left it, with Valkey's fatal reasons.
func RenameChecker() func(from, to string) error {
	names := make(map[string]bool)
	for _, sp := range commandSpecs() {
		names[sp.Name] = true
	}
	return func(from, to string) error {
		from, to = strings.ToLower(from), strings.ToLower(to)
		if !names[from] {
			return errors.New("No such command in rename-command")
		}
		if to != "" && to != from && names[to] {
			return errors.New("Target command name already exists")
		}
		delete(names, from)
		if to != "" {
			names[to] = true
		}
		return nil
	}
}

// renameCommands applies the rename-command lines, in order. Lines the
// checker would refuse are skipped: the configuration that holds them
// never loads.
func (s *Server) renameCommands(renames [][2]string) {
	for _, r := range renames {
		from, to := strings.ToLower(r[0]), strings.ToLower(r[1])
		sp := s.commands[from]
		if sp == nil || (to != "" && to != from && s.commands[to] != nil) {
			continue
		}
		delete(s.commands, from)
		if to == "" {
			continue
		}
		sp.current = to
		s.commands[to] = sp
		if len(to) > 32 {
			s.longCmdNames = true
		}
	}
	s.lastCmd = nil
}
