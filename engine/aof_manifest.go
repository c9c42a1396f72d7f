package engine

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/volleydb/volley/engine/cnum"
	"github.com/volleydb/volley/engine/resp"
)

// The AOF manifest: the list of files that together make the append-only
// file, in Valkey 7's multi-part layout. In appenddirname:
//
//	file appendonly.aof.2.base.rdb seq 2 type b
//	file appendonly.aof.1.incr.aof seq 1 type h
//	file appendonly.aof.3.incr.aof seq 3 type i
//
// one line per file: the base (type b, at most one, first), history files
// a rewrite made obsolete and not yet deleted (h), and the incremental
// files the writes since the base go to, in order (i). The manifest is
// replaced atomically (a temporary file, fsync, rename, fsync of the
// directory), so a crash leaves the old list or the new one.

// aofInfo is one line of the manifest.
type aofInfo struct {
	name string
	seq  int64
	typ  byte // 'b', 'h' or 'i'
}

// aofManifest is the list of AOF files.
type aofManifest struct {
	base    *aofInfo
	history []aofInfo
	incr    []aofInfo
	baseSeq int64 // the last base sequence number given
	incrSeq int64 // the last incr sequence number given
}

const (
	aofTypeBase = 'b'
	aofTypeHist = 'h'
	aofTypeIncr = 'i'

	aofManifestMaxLine = 1024
)

func (m *aofManifest) clone() *aofManifest {
	n := *m
	if m.base != nil {
		b := *m.base
		n.base = &b
	}
	n.history = append([]aofInfo(nil), m.history...)
	n.incr = append([]aofInfo(nil), m.incr...)
	return &n
}

// empty reports whether the manifest names no base and no incr file.
func (m *aofManifest) empty() bool { return m.base == nil && len(m.incr) == 0 }

// format is the manifest's text, as Valkey writes it.
func (m *aofManifest) format() []byte {
	var b []byte
	line := func(ai *aofInfo) {
		b = append(b, "file "...)
		name := []byte(ai.name)
		if needsRepr(name) {
			b = appendRepr(b, name)
		} else {
			b = append(b, name...)
		}
		b = append(b, " seq "...)
		b = strconv.AppendInt(b, ai.seq, 10)
		b = append(b, " type "...)
		b = append(b, ai.typ, '\n')
	}
	if m.base != nil {
		line(m.base)
	}
	for i := range m.history {
		line(&m.history[i])
	}
	for i := range m.incr {
		line(&m.incr[i])
	}
	return b
}

// needsRepr reports whether a file name must be quoted in the manifest
// (sdsneedsrepr): quotes, backslashes, spaces and unprintable bytes.
func needsRepr(b []byte) bool {
	for _, ch := range b {
		if ch == '\\' || ch == '"' || ch <= ' ' || ch > '~' {
			return true
		}
	}
	return false
}

// errManifest is a manifest that cannot be used; the server does not
// start with it, as Valkey does not.
type errManifest struct {
	line int    // 1-based line number, 0 when not about a line
	text string // the offending line, trimmed
	msg  string
}

func (e *errManifest) Error() string {
	if e.line == 0 {
		return e.msg
	}
	return fmt.Sprintf("reading the manifest file, at line %d: '%s': %s", e.line, e.text, e.msg)
}

// parseManifest parses a manifest's text with Valkey's rules: '#' lines
// are comments, every other line is key value pairs (at least file, seq
// and type; unknown keys are skipped for forward compatibility).
func parseManifest(data []byte) (*aofManifest, error) {
	m := &aofManifest{}
	if len(data) == 0 {
		return nil, &errManifest{msg: "Found an empty AOF manifest"}
	}
	var maxSeq int64
	lineNo := 0
	for len(data) > 0 {
		var raw []byte
		nl := bytes.IndexByte(data, '\n')
		long := false
		switch {
		case nl >= aofManifestMaxLine || (nl < 0 && len(data) > aofManifestMaxLine):
			raw, data = data[:aofManifestMaxLine], data[aofManifestMaxLine:]
			long = true
		case nl < 0:
			raw, data = data, nil
			long = true // no newline at all: Valkey reports it the same way
		default:
			raw, data = data[:nl+1], data[nl+1:]
		}
		lineNo++
		if raw[0] == '#' {
			continue
		}
		if long {
			return nil, &errManifest{line: lineNo, text: string(bytes.TrimSpace(raw)), msg: "The AOF manifest file contains too long line"}
		}
		line := bytes.Trim(raw, " \t\r\n")
		fail := func(msg string) error {
			return &errManifest{line: lineNo, text: string(line), msg: msg}
		}
		if len(line) == 0 {
			return nil, fail("Invalid AOF manifest file format")
		}
		args, err := resp.SplitArgs(line)
		if err != nil || len(args) < 6 || len(args)%2 != 0 {
			return nil, fail("Invalid AOF manifest file format")
		}
		var ai aofInfo
		for i := 0; i < len(args); i += 2 {
			switch k, v := args[i], args[i+1]; {
			case equalFoldASCII(k, "file"):
				ai.name = string(v)
				if i := bytes.IndexByte(v, 0); i >= 0 {
					ai.name = string(v[:i]) // a C string ends at its NUL
				}
				if ai.name != filepath.Base(ai.name) || ai.name == "." || ai.name == ".." {
					return nil, fail("File can't be a path, just a filename")
				}
			case equalFoldASCII(k, "seq"):
				ai.seq = cnum.Atoi(v)
			case equalFoldASCII(k, "type"):
				if len(v) > 0 {
					ai.typ = v[0]
				}
			}
		}
		if ai.name == "" || ai.seq == 0 || ai.typ == 0 {
			return nil, fail("Invalid AOF manifest file format")
		}
		switch ai.typ {
		case aofTypeBase:
			if m.base != nil {
				return nil, fail("Found duplicate base file information")
			}
			b := ai
			m.base = &b
			m.baseSeq = ai.seq
		case aofTypeHist:
			m.history = append(m.history, ai)
		case aofTypeIncr:
			if ai.seq <= maxSeq {
				return nil, fail("Found a non-monotonic sequence number")
			}
			m.incr = append(m.incr, ai)
			m.incrSeq, maxSeq = ai.seq, ai.seq
		default:
			return nil, fail("Unknown AOF file type")
		}
	}
	if lineNo == 0 {
		return nil, &errManifest{msg: "Found an empty AOF manifest"}
	}
	return m, nil
}

// newBase names a new base file and makes the current one history.
func (m *aofManifest) newBase(filename string, rdbPreamble bool) string {
	if m.base != nil {
		h := *m.base
		h.typ = aofTypeHist
		m.history = append([]aofInfo{h}, m.history...)
	}
	m.baseSeq++
	ext := ".aof"
	if rdbPreamble {
		ext = ".rdb"
	}
	m.base = &aofInfo{name: fmt.Sprintf("%s.%d.base%s", filename, m.baseSeq, ext), seq: m.baseSeq, typ: aofTypeBase}
	return m.base.name
}

// newIncr names a new incr file, appended to the list.
func (m *aofManifest) newIncr(filename string) string {
	m.incrSeq++
	ai := aofInfo{name: fmt.Sprintf("%s.%d.incr.aof", filename, m.incrSeq), seq: m.incrSeq, typ: aofTypeIncr}
	m.incr = append(m.incr, ai)
	return ai.name
}

// lastIncr is the incr file writes go to, created if there is none.
func (m *aofManifest) lastIncr(filename string) string {
	if len(m.incr) == 0 {
		return m.newIncr(filename)
	}
	return m.incr[len(m.incr)-1].name
}

// incrToHistory makes the incr files before the one being written (the
// last, when keepLast) history: a rewrite's base holds their writes.
func (m *aofManifest) incrToHistory(keepLast bool) {
	n := len(m.incr)
	if keepLast && n > 0 {
		n--
	}
	moved := slices.Clone(m.incr[:n]) // in order, ahead of older history
	for i := range moved {
		moved[i].typ = aofTypeHist
	}
	m.history = append(moved, m.history...)
	m.incr = slices.Clone(m.incr[n:])
}

// writeManifest replaces dir's manifest with m: written to a temporary
// file, synced, renamed, and the directory synced.
func writeManifest(dir, filename string, m *aofManifest) error {
	path := filepath.Join(dir, filename+".manifest")
	tmp := filepath.Join(dir, "temp-"+filename+".manifest")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		return fmt.Errorf("can't open the AOF manifest file %s: %w", filepath.Base(tmp), err)
	}
	_, err = f.Write(m.format())
	if err := commitTemp(f, tmp, path, err); err != nil {
		return fmt.Errorf("error writing the AOF manifest file %s: %w", filepath.Base(path), err)
	}
	return nil
}

// readManifest reads dir's manifest; a missing directory or manifest is
// an empty manifest, as when upgrading from a single-file AOF.
func readManifest(dir, filename string) (*aofManifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, filename+".manifest"))
	if errors.Is(err, os.ErrNotExist) {
		return &aofManifest{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("can't open the AOF manifest file for reading: %w", err)
	}
	return parseManifest(data)
}
