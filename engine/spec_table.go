package engine

// commandSpecs returns every command Volley declares, one group after
// another, each with its subcommands and its derived fields (categories,
// movable keys, legacy key range, key finder) filled in. Every call
// builds fresh specs, so each Server owns the ones it indexes.
func commandSpecs() []*Spec {
	groups := [...]func() []*Spec{
		bitmapSpecs,
		clusterSpecs,
		connectionSpecs,
		genericSpecs,
		geoSpecs,
		hashSpecs,
		hyperLogLogSpecs,
		listSpecs,
		pubSubSpecs,
		scriptingSpecs,
		serverSpecs,
		setSpecs,
		sortedSetSpecs,
		streamSpecs,
		stringSpecs,
		transactionsSpecs,
	}
	var all []*Spec
	for _, g := range groups {
		all = append(all, g()...)
	}
	for _, sp := range all {
		finishSpec(sp, "")
		for _, sub := range sp.Subs {
			finishSpec(sub, sp.Name)
		}
	}
	return all
}

// impliedACL returns the ACL categories a command's flags put it in, as
// Valkey's setImplicitACLCategories does. Two rules need more than the
// flags and live in (*Spec).finishCategories: a readonly command in
// @scripting is not @read, and a command not @fast is @slow.
func impliedACL(flags Flags) ACL {
	var a ACL
	if flags&FlagWrite != 0 {
		a |= ACLWrite
	}
	if flags&FlagReadonly != 0 {
		a |= ACLRead
	}
	if flags&FlagAdmin != 0 {
		a |= ACLAdmin | ACLDangerous
	}
	if flags&FlagPubSub != 0 {
		a |= ACLPubSub
	}
	if flags&FlagFast != 0 {
		a |= ACLFast
	}
	if flags&FlagBlocking != 0 {
		a |= ACLBlocking
	}
	return a
}

// Categories returns every ACL category the command is in: the explicit
// ones in ACL and those its flags imply.
func (s *Spec) Categories() ACL { return s.categories }

// LegacyKeyRange returns the (first, last, step) key triple COMMAND INFO
// reports; last is absolute, or negative to count from the end. All three
// are zero when the key specs cannot be folded into one range.
func (s *Spec) LegacyKeyRange() (first, last, step int) {
	return s.legacyFirst, s.legacyLast, s.legacyStep
}

// finishSpec fills in what Valkey derives at start-up from a command's
// declared fields. parent is the container's name for a subcommand.
func finishSpec(s *Spec, parent string) {
	s.finishCategories()
	s.finishLegacyRange()
	full := s.Name
	if parent != "" {
		full = parent + "|" + s.Name
	}
	s.getKeysProc = getKeysProcs[full]
	s.members = memberArgSpecs[full]
}

func (s *Spec) finishCategories() {
	a := s.ACL | impliedACL(s.Flags)
	if s.ACL&ACLScripting != 0 && s.ACL&ACLRead == 0 {
		a &^= ACLRead // EVAL_RO and friends may read, but are not "read" commands
	}
	if a&ACLFast == 0 {
		a |= ACLSlow
	}
	s.categories = a
}

// finishLegacyRange folds the key specs into the single (first, last,
// step) range older clients read from COMMAND INFO, and sets
// FlagMovableKeys when some key cannot be found that way: a spec that is
// not an index plus a range, a range with a step or a gap, or an
// incomplete spec. Valkey's populateCommandLegacyRangeSpec does the same.
func (s *Spec) finishLegacyRange() {
	s.legacyFirst, s.legacyLast, s.legacyStep = 0, 0, 0
	if len(s.Keys) == 0 {
		return
	}
	plain := func(k *KeySpec) bool { return k.BeginIndex > 0 && k.Range }
	if len(s.Keys) == 1 && plain(&s.Keys[0]) {
		k := &s.Keys[0]
		s.legacyFirst, s.legacyLast, s.legacyStep = k.BeginIndex, k.LastKey, k.Step
		if k.LastKey >= 0 {
			s.legacyLast += k.BeginIndex
		}
		if k.Flags&KeyIncomplete != 0 {
			s.Flags |= FlagMovableKeys
		}
		return
	}
	const none = int(^uint(0) >> 1)
	first, last, prevLast := none, 0, 0
	for i := range s.Keys {
		k := &s.Keys[i]
		if !plain(k) || k.Step != 1 || (prevLast != 0 && prevLast != k.BeginIndex-1) {
			s.Flags |= FlagMovableKeys
			continue
		}
		if k.Flags&KeyIncomplete != 0 {
			s.Flags |= FlagMovableKeys
		}
		first = min(first, k.BeginIndex)
		abs := k.LastKey
		if abs >= 0 {
			abs += k.BeginIndex
		}
		// A negative last key (counted from the end) lies beyond every
		// absolute one, so compare as unsigned.
		if uint(abs) > uint(last) {
			last = abs
		}
		prevLast = last
	}
	if first == none {
		s.Flags |= FlagMovableKeys
		return
	}
	s.legacyFirst, s.legacyLast, s.legacyStep = first, last, 1
}
