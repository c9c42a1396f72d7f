package main

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// memoryScenarioNames are the --memory-scenarios the harness knows.
var memoryScenarioNames = []string{"strings", "hash", "overwrite"}

// measureMemory runs each --memory scenario on every server in turn. The
// first runs on the servers as setup started them; every later one on
// servers restarted for it, so that no scenario inherits a heap the previous
// one grew (a Go runtime and jemalloc both keep freed pages for a while, and
// the "before" figure would then hide the growth). All of it happens before
// any throughput run has fragmented a heap.
func (h *harness) measureMemory(ctx context.Context) {
	for i, scenario := range h.cfg.memoryScenarios {
		if i > 0 {
			if err := h.restartServers(ctx); err != nil {
				fmt.Fprintf(h.log, "memory: restarting servers: %v\n", err)
				return
			}
		}
		for _, s := range h.servers {
			if ctx.Err() != nil {
				return
			}
			m := MemoryResult{Scenario: scenario, Server: s.name, Keys: h.cfg.memoryKeys}
			var err error
			switch scenario {
			case "strings":
				m.Method, m.ValueSize = "DEBUG POPULATE", h.cfg.memorySize
				err = measure(s, &m, populateStrings)
			case "hash":
				m.Method, m.Fields = "HSET pipeline", h.cfg.memoryFields
				err = measure(s, &m, populateHashes)
			case "overwrite":
				m.Method, m.ValueSize = "SET pipeline ×"+strconv.Itoa(overwritePasses), h.cfg.memorySize
				err = measure(s, &m, populateOverwrite)
			}
			if err != nil {
				m.Error = err.Error()
				fmt.Fprintf(h.log, "memory %-8s %-7s error: %v\n", s.name, scenario, err)
			} else {
				fmt.Fprintf(h.log, "memory %-8s %-7s %s: RSS %.1f bytes/key, used_memory %.1f bytes/key, encoding %s\n",
					s.name, scenario, m.Method, m.RSSPerKey, m.UsedMemoryPerKey, orDash(m.Encoding))
			}
			h.res.Memory = append(h.res.Memory, m)
		}
	}
}

// restartServers stops every server and starts it again from the same spec,
// on a new port with a new data directory.
func (h *harness) restartServers(ctx context.Context) error {
	for i, s := range h.servers {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.stop()
		ns, err := h.start(s.serverSpec)
		if err != nil {
			return err
		}
		ns.version = s.version
		h.servers[i] = ns
		fmt.Fprintf(h.log, "restarted %-8s on 127.0.0.1:%d, pid %d\n", ns.name, ns.port, ns.pid())
	}
	return nil
}

// measure reads VmRSS and used_memory, fills the server with fill, checks
// DBSIZE, and reads them again. The server is flushed afterwards.
func measure(s *server, m *MemoryResult, fill func(*client, *MemoryResult) error) error {
	c, err := dial(s.port, 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	// The server is fresh; flushing only guards against a rerun. A server
	// without FLUSHALL is measured all the same.
	if err := flushAll(c); err != nil && !isRespError(err) {
		return err
	}
	usedMemory := func() (int64, error) {
		v, err := c.infoField("memory", "used_memory")
		if err != nil {
			return 0, err
		}
		return strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	}
	if m.RSSBefore, err = procRSSBytes(s.pid()); err != nil {
		return err
	}
	if m.UsedMemoryBefore, err = usedMemory(); err != nil {
		return err
	}
	if err := fill(c, m); err != nil {
		return err
	}
	n, err := c.do("DBSIZE")
	if err != nil {
		return err
	}
	if n != int64(m.Keys) {
		return fmt.Errorf("DBSIZE is %v after populating %d keys", n, m.Keys)
	}
	if m.RSSAfter, err = procRSSBytes(s.pid()); err != nil {
		return err
	}
	if m.UsedMemoryAfter, err = usedMemory(); err != nil {
		return err
	}
	// The encoding says whether both servers hold the data the same way
	// (listpack against hashtable would make the comparison meaningless).
	if enc, err := c.do("OBJECT", "ENCODING", "key:0"); err == nil {
		m.Encoding, _ = enc.(string)
	}
	m.RSSPerKey = math.Round(float64(m.RSSAfter-m.RSSBefore)/float64(m.Keys)*10) / 10
	m.UsedMemoryPerKey = math.Round(float64(m.UsedMemoryAfter-m.UsedMemoryBefore)/float64(m.Keys)*10) / 10
	if err := flushAll(c); err != nil && !isRespError(err) {
		return err
	}
	return nil
}

// populateStrings writes m.Keys string keys of m.ValueSize bytes: DEBUG
// POPULATE where the server has it, else the same keys by pipelined SET.
func populateStrings(c *client, m *MemoryResult) error {
	_, err := c.do("DEBUG", "POPULATE", strconv.Itoa(m.Keys), "key", strconv.Itoa(m.ValueSize))
	if !isRespError(err) {
		return err
	}
	m.Method = "SET pipeline"
	return setStrings(c, m.Keys, m.ValueSize, "")
}

// setStrings writes keys string keys "key:N" of size bytes by pipelined
// SET, each value starting "value:<tag>N" and zero-filled after that.
func setStrings(c *client, keys, size int, tag string) error {
	cmd := []byte("SET")
	v := make([]byte, size) // pipeline copies each command out before the next
	var key []byte
	return c.pipeline(keys, func(i int) [][]byte {
		clear(v[:min(len(v), 32)])
		copy(v, fmt.Sprintf("value:%s%d", tag, i))
		key = strconv.AppendInt(append(key[:0], "key:"...), int64(i), 10)
		return [][]byte{cmd, key, v}
	})
}

// overwritePasses is how many times the overwrite scenario writes each key.
const overwritePasses = 3

// populateOverwrite writes m.Keys string keys of m.ValueSize bytes by
// pipelined SET, overwritePasses times over with new contents, as an
// application updating its values does: what stays resident then depends
// on how soon the server reuses what it freed, not only on its layout.
func populateOverwrite(c *client, m *MemoryResult) error {
	for pass := range overwritePasses {
		if err := setStrings(c, m.Keys, m.ValueSize, strconv.Itoa(pass)+":"); err != nil {
			return err
		}
	}
	return nil
}

// populateHashes writes m.Keys hashes "key:N" of m.Fields short fields each,
// HSET key:N f0 v0 f1 v1 …, one command per key, pipelined: small enough to
// stay listpack-encoded under the default hash-max-listpack-* limits.
func populateHashes(c *client, m *MemoryResult) error {
	args := make([][]byte, 2+2*m.Fields)
	args[0] = []byte("HSET")
	for j := range m.Fields {
		args[2+2*j] = fmt.Appendf(nil, "f%d", j)
		args[3+2*j] = fmt.Appendf(nil, "v%d", j)
	}
	var key []byte
	return c.pipeline(m.Keys, func(i int) [][]byte {
		key = strconv.AppendInt(append(key[:0], "key:"...), int64(i), 10)
		args[1] = key
		return args
	})
}
