package engine

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"

	"github.com/valyala/bytebufferpool"
	"github.com/volleydb/volley/engine/keyspace"
)

// Memory accounting. Valkey counts every byte it asks its allocator for;
// Go has no such counter, so the numbers come from the Go runtime
// (runtime/metrics, which reads them without stopping the world) and map
// onto Valkey's fields as follows:
//
//	used_memory          the heap the last collection found live (less
//	                     what is known to have been let go of since),
//	                     plus goroutine stacks, plus the keyspace arenas'
//	                     data outside the Go heap (the slots in use in
//	                     their chunks, large bucket arrays and large
//	                     records, Arena.OffHeapLive): what the server
//	                     holds, as Valkey counts what it asked its
//	                     allocator for and has not freed. Garbage not
//	                     yet collected is not in it (Valkey has none), so
//	                     maxmemory compares with this figure (evict.go).
//	                     Free room inside heap spans and arena chunks is
//	                     fragmentation, as jemalloc's is to Valkey: after
//	                     deleting most keys used_memory drops and
//	                     mem_fragmentation_ratio rises. GOMEMLIMIT counts
//	                     only the heap part.
//	allocator_allocated  heap object bytes (live objects and those not
//	                     yet swept) plus the arenas' live bytes
//	allocator_active     heap spans in use (objects and their free
//	                     slots), plus the arenas' whole off-heap memory
//	                     (Arena.OffHeap)
//	allocator_resident   everything the runtime has mapped and not
//	                     returned to the OS, plus the arenas' off-heap
//	                     memory, plus freed large-record blocks kept for
//	                     reuse
//	allocator_muzzy      0 (Go has no such state)
//	used_memory_rss      resident set size from /proc/self/statm
//
// The ratios and differences Valkey derives from them (fragmentation,
// rss overhead) are derived the same way. used_memory_peak is the largest
// used_memory seen at a snapshot: INFO, MEMORY, and Cron when it calls
// TrackMemoryPeak.

// memSnapshot is one reading of the runtime's memory classes.
type memSnapshot struct {
	objects   uint64 // heap object bytes, plus the arenas' live off-heap bytes
	heap      uint64 // heap spans in use: objects plus their free slots; plus the arenas' off-heap memory
	stacks    uint64 // goroutine and OS stacks
	resident  uint64 // mapped and not released to the OS
	mapped    uint64 // everything the runtime mapped
	released  uint64 // returned to the OS
	metadata  uint64 // runtime metadata (spans, caches, GC bitmaps)
	counted   uint64 // used_memory: what maxmemory is compared with (evict.go)
	gcGoal    uint64 // the heap size that triggers the next cycle
	gcCycles  uint64
	rss       uint64 // resident set size of the process
	arenas    uint64 // keyspace memory outside the Go heap (Arena.OffHeap)
	arenaLive uint64 // the part of it that holds data (Arena.OffHeapLive)
}

// used is used_memory, as eviction counts it (evict.go).
func (m *memSnapshot) used() uint64 { return m.counted }

// memoryMetrics names the runtime metrics a snapshot reads, in the order
// of memorySamples' slots.
var memoryMetrics = [...]string{
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/unused:bytes",
	"/memory/classes/heap/stacks:bytes",
	"/memory/classes/os-stacks:bytes",
	"/memory/classes/total:bytes",
	"/memory/classes/heap/released:bytes",
	"/memory/classes/metadata/mcache/inuse:bytes",
	"/memory/classes/metadata/mspan/inuse:bytes",
	"/memory/classes/metadata/other:bytes",
	"/gc/heap/goal:bytes",
	"/gc/cycles/total:gc-cycles",
}

// memoryState is the server's memory bookkeeping.
type memoryState struct {
	samples []metrics.Sample
	startup uint64 // used_memory when the server was built
	peak    uint64 // largest used_memory seen
}

// memory reads a snapshot and updates the peak.
func (s *Server) memory() memSnapshot {
	st := &s.mem
	if st.samples == nil {
		st.samples = make([]metrics.Sample, len(memoryMetrics))
		for i, name := range memoryMetrics {
			st.samples[i].Name = name
		}
	}
	metrics.Read(st.samples)
	v := func(i int) uint64 { return sampleUint64(st.samples, i) }
	m := memSnapshot{
		objects:  v(0),
		heap:     v(0) + v(1),
		stacks:   v(2) + v(3),
		mapped:   v(4),
		released: v(5),
		metadata: v(6) + v(7) + v(8),
		gcGoal:   v(9),
		gcCycles: v(10),
		rss:      processRSS(),
	}
	m.arenas, m.arenaLive = s.arenaOffHeap()
	m.resident = m.mapped - m.released + m.arenas + uint64(keyspace.LargeSpareBytes())
	m.objects += m.arenaLive
	m.heap += m.arenas
	m.counted = s.usedMemory(true)
	if st.startup == 0 {
		st.startup = m.used()
	}
	st.peak = max(st.peak, m.used())
	return m
}

// sampleUint64 is sample i of a metrics.Read, 0 if the runtime does not
// have it as an integer.
func sampleUint64(samples []metrics.Sample, i int) uint64 {
	if samples[i].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return samples[i].Value.Uint64()
}

// arenaOffHeap sums the databases' keyspace memory outside the Go heap,
// and the part of it that holds data.
func (s *Server) arenaOffHeap() (total, live uint64) {
	for _, db := range s.dbs {
		total += uint64(db.Arena().OffHeap())
		live += uint64(db.Arena().OffHeapLive())
	}
	return total, live
}

// TrackMemoryPeak samples used_memory so that used_memory_peak sees
// peaks between INFO calls; Cron may call it.
func (s *Server) TrackMemoryPeak() { s.memory() }

// pageSize is the OS page size statm counts in.
var pageSize = uint64(os.Getpagesize())

// processRSS returns the resident set size from /proc/self/statm, or 0
// where there is none.
func processRSS() uint64 {
	var buf [128]byte
	f, err := os.Open("/proc/self/statm")
	if err != nil {
		return 0
	}
	n, _ := f.Read(buf[:])
	_ = f.Close()
	fields := bytes.Fields(buf[:n])
	if len(fields) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(string(fields[1]), 10, 64)
	if err != nil {
		return 0
	}
	return pages * pageSize
}

// memOverhead is MEMORY STATS and INFO memory's breakdown, in Valkey's
// terms.
type memOverhead struct {
	total, startup, peak uint64
	clientsNormal        uint64
	replBacklog          uint64 // the backlog's ring (replication.backlog, mem_replication_backlog)
	clientsReplicas      uint64 // the replicas' buffers (clients.slaves, mem_clients_slaves)
	luaCaches            int64  // the EVAL script cache (lua.caches)
	functionsCaches      int64  // the function libraries (functions.caches)
	dbs                  []dbMemory
	overheadTotal        uint64
	dataset              uint64
	keys                 uint64
	datasetPerc          float64
	peakPerc             float64
	allocFrag            float64
	allocFragBytes       int64
	allocRSS             float64
	allocRSSBytes        int64
	rssExtra             float64
	rssExtraBytes        int64
	totalFrag            float64
	totalFragBytes       int64
}

// dbMemory is one database's hash table overhead in MEMORY STATS.
type dbMemory struct {
	id            int
	main, expires uint64
	keys          uint64
}

// dbMemoryUsage reports each database's hash table overhead (the buckets
// of its main and expires tables; the records are the dataset) and key
// count. Database 0 is always listed, as in Valkey, where it always
// exists; the others once they hold keys.
func (s *Server) dbMemoryUsage() []dbMemory {
	var out []dbMemory
	for _, db := range s.dbs {
		if db.ID != 0 && !db.selected && db.Len() == 0 && db.ExpiresLen() == 0 {
			continue
		}
		out = append(out, dbMemory{
			id:      db.ID,
			main:    uint64(db.Keys().MemUsage()),
			expires: uint64(db.Expires().MemUsage()),
			keys:    uint64(db.Len()),
		})
	}
	return out
}

// rehashingTables counts the tables with an incremental rehash under way
// and the bytes of the bucket arrays they are moving out of, as Valkey's
// db.dict.rehashing.count and overhead.db.hashtable.rehashing.
func (s *Server) rehashingTables() (count, bytes int64) {
	for _, db := range s.dbs {
		for _, t := range []*keyspace.Table{db.Keys(), db.Expires()} {
			if t.IsRehashing() {
				size, _ := t.TableSizes()
				count++
				bytes += int64(size[0] / keyspace.SlotsPerBucket * keyspace.BucketBytes)
			}
		}
	}
	return count, bytes
}

// hashtableLUTBytes is the memory of the databases' tables, main and
// expires (Valkey's overhead.db.hashtable.lut): each table with buckets
// counts them and the table header Valkey allocates with them; an empty
// database counts nothing.
func (s *Server) hashtableLUTBytes() int64 {
	var n int64
	for _, db := range s.dbs {
		for _, t := range []*keyspace.Table{db.Keys(), db.Expires()} {
			if b := t.MemUsage(); b > 0 {
				n += int64(hashtableHeaderBytes + b)
			}
		}
	}
	return n
}

// hashtableHeaderBytes is what Valkey 9 allocates for a database table
// besides its buckets on 64-bit: the hashtable struct (72 bytes) and the
// kvstore's metadata (16). The test suite reads the sum to tell 64-bit
// builds from 32-bit ones.
const hashtableHeaderBytes = 88

// clientsMemory sums what clients hold in buffers: replicas (whose output
// is the stream waiting to be sent), and the others, a replica's primary
// client and MONITORs included, as Valkey's clients_normal counts them.
func (s *Server) clientsMemory() (normal, replicas uint64) {
	for _, c := range s.clients {
		n := uint64(c.Out.Cap() + c.sendPending() + c.queryBufAlloc() + c.ArgvMem)
		if c.Flags&ClientReplica != 0 && c.Flags&ClientMonitor == 0 {
			replicas += n
		} else {
			normal += n
		}
	}
	return normal, replicas
}

// replBuffersMemory is the memory the replication stream holds: the
// backlog's ring and what the replicas still have to be sent
// (mem_total_replication_buffers; Valkey shares one buffer between them).
func (o *memOverhead) replBuffersMemory() uint64 { return o.replBacklog + o.clientsReplicas }

func ratio(a, b uint64) float64 {
	if b == 0 {
		return 0
	}
	return float64(float32(float64(a) / float64(b)))
}

// overhead computes the breakdown from a snapshot.
func (s *Server) overhead(m *memSnapshot) memOverhead {
	used := m.used()
	o := memOverhead{
		total:   used,
		startup: s.mem.startup,
		peak:    s.mem.peak,
	}
	o.clientsNormal, o.clientsReplicas = s.clientsMemory()
	if b := s.repl.backlog; b != nil {
		o.replBacklog = uint64(cap(b.buf))
	}
	o.dbs = s.dbMemoryUsage()
	o.luaCaches = s.script.cacheMemory()
	o.functionsCaches = s.script.functionsMemory()
	o.overheadTotal = o.startup + o.clientsNormal + o.replBuffersMemory() + uint64(o.luaCaches+o.functionsCaches)
	for _, db := range o.dbs {
		o.overheadTotal += db.main + db.expires
		o.keys += db.keys
	}
	if used > o.overheadTotal {
		o.dataset = used - o.overheadTotal
	}
	net := uint64(1)
	if used > o.startup {
		net = used - o.startup
	}
	// Valkey computes these in single precision; so do we, so the digits
	// a client sees have the same meaning.
	o.datasetPerc = float64(float32(o.dataset) * 100 / float32(net))
	if o.peak > 0 {
		o.peakPerc = float64(float32(used) * 100 / float32(o.peak))
	}
	o.allocFrag = ratio(m.heap, m.objects)
	o.allocFragBytes = int64(m.heap) - int64(m.objects)
	o.allocRSS = ratio(m.resident, m.heap)
	o.allocRSSBytes = int64(m.resident) - int64(m.heap)
	o.rssExtra = ratio(m.rss, m.resident)
	o.rssExtraBytes = int64(m.rss) - int64(m.resident)
	o.totalFrag = ratio(m.rss, used)
	o.totalFragBytes = int64(m.rss) - int64(used)
	return o
}

// MEMORY STATS.
func cmdMemoryStats(c *Client) {
	s := c.srv
	m := s.memory()
	o := s.overhead(&m)
	c.AddMapLen(33 + len(o.dbs))
	kv := func(name string, v int64) {
		c.AddBulkString(name)
		c.AddInt(v)
	}
	kvf := func(name string, v float64) {
		c.AddBulkString(name)
		c.AddDouble(v)
	}
	kv("peak.allocated", int64(o.peak))
	kv("total.allocated", int64(o.total))
	kv("startup.allocated", int64(o.startup))
	kv("replication.backlog", int64(o.replBacklog))
	kv("clients.slaves", int64(o.clientsReplicas))
	kv("clients.normal", int64(o.clientsNormal))
	kv("cluster.links", 0)
	kv("cluster.slot_import", 0)
	kv("cluster.slot_export", 0)
	kv("aof.buffer", 0)
	kv("lua.caches", o.luaCaches)
	kv("functions.caches", o.functionsCaches)
	for _, db := range o.dbs {
		c.AddBulkString("db." + strconv.Itoa(db.id))
		c.AddMapLen(2)
		kv("overhead.hashtable.main", int64(db.main))
		kv("overhead.hashtable.expires", int64(db.expires))
	}
	kv("overhead.db.hashtable.lut", s.hashtableLUTBytes())
	rehashing, rehashingBytes := s.rehashingTables()
	kv("overhead.db.hashtable.rehashing", rehashingBytes)
	kv("overhead.total", int64(o.overheadTotal))
	kv("db.dict.rehashing.count", rehashing)
	kv("keys.count", int64(o.keys))
	bpk := int64(0)
	if o.keys > 0 {
		bpk = int64(o.dataset / o.keys)
	}
	kv("keys.bytes-per-key", bpk)
	kv("dataset.bytes", int64(o.dataset))
	kvf("dataset.percentage", o.datasetPerc)
	kvf("peak.percentage", o.peakPerc)
	kv("allocator.allocated", int64(m.objects))
	kv("allocator.active", int64(m.heap))
	kv("allocator.resident", int64(m.resident))
	kv("allocator.muzzy", 0)
	kvf("allocator-fragmentation.ratio", o.allocFrag)
	kv("allocator-fragmentation.bytes", o.allocFragBytes)
	kvf("allocator-rss.ratio", o.allocRSS)
	kv("allocator-rss.bytes", o.allocRSSBytes)
	kvf("rss-overhead.ratio", o.rssExtra)
	kv("rss-overhead.bytes", o.rssExtraBytes)
	kvf("fragmentation", o.totalFrag)
	kv("fragmentation.bytes", o.totalFragBytes)
}

// MEMORY USAGE key [SAMPLES count].
func cmdMemoryUsage(c *Client) {
	samples := int64(memoryUsageDefaultSamples)
	for j := 3; j < len(c.Argv); j++ {
		if !strings.EqualFold(string(c.Argv[j]), "samples") || j+1 >= len(c.Argv) {
			c.AddError(ErrSyntax)
			return
		}
		n, ok := parseInt(c.Argv[j+1])
		if !ok {
			c.AddError(ErrNotInteger)
			return
		}
		if n < 0 {
			c.AddError(ErrSyntax)
			return
		}
		if n == 0 {
			n = 1<<63 - 1
		}
		samples = n
		j++
	}
	size, ok := c.srv.keyMemoryUsage(c.DB, c.Argv[2], samples)
	if !ok {
		c.AddNull()
		return
	}
	c.AddInt(size)
}

// memoryUsageDefaultSamples is how many elements of a collection MEMORY
// USAGE looks at by default.
const memoryUsageDefaultSamples = 5

// keyMemoryUsage estimates the bytes key and its value take in database
// db, sampling at most samples elements of a collection; ok is false if
// the key does not exist (an expired key not yet reclaimed exists, as in
// Valkey).
//
// A key costs its record (header, key and value bytes, rounded up to the
// arena slot class that holds it) and its share of a bucket; a value kept
// as a Go object adds the object's own estimate.
func (s *Server) keyMemoryUsage(db int, key []byte, samples int64) (size int64, ok bool) {
	e, ok := s.dbs[db].Keys().Get(key)
	if !ok {
		return 0, false
	}
	size = int64(e.Footprint() + keyspace.BucketShare)
	if o, isObj := e.Obj().(Object); isObj {
		n := 0 // all
		if samples < 1<<31 {
			n = int(samples)
		}
		size += o.MemUsage(n)
	}
	return size, true
}

// MEMORY DOCTOR.
func cmdMemoryDoctor(c *Client) {
	s := c.srv
	m := s.memory()
	o := s.overhead(&m)
	b := bytebufferpool.Get()
	defer bytebufferpool.Put(b)
	b.B = memoryReport(b.B, &o, s.ClientCount())
	c.AddVerbatim(b.B)
}

// memoryReport writes MEMORY DOCTOR's findings in prose.
func memoryReport(dst []byte, o *memOverhead, clients int) []byte {
	if o.total < 5<<20 {
		return append(dst, "This instance holds very little data (under 5 MB in use), too little for a memory "+
			"analysis to mean anything. Load some data and ask again.\n"...)
	}
	var findings []string
	if float64(o.peak)/float64(o.total) > 1.5 {
		findings = append(findings, "Peak memory: the instance once used more than 150% of what it uses now. "+
			"The Go runtime returns freed memory to the OS gradually; MEMORY PURGE returns it at once.")
	}
	if o.totalFrag > 1.4 && o.totalFragBytes > 10<<20 {
		findings = append(findings, "High RSS: the resident set is more than 1.4 times the memory in use. "+
			"This usually follows a peak (see above) or a workload that leaves the heap sparse; MEMORY PURGE "+
			"may help, and GOGC or GOMEMLIMIT bound how far the heap grows between collections.")
	}
	if o.allocFrag > 1.1 && o.allocFragBytes > 10<<20 {
		findings = append(findings, "Heap fragmentation: in-use heap spans hold more than 10% free slots. "+
			"It resolves as the keys of mixed sizes churn; nothing needs to be done unless it keeps growing.")
	}
	if clients > 0 && o.clientsNormal/uint64(clients) > 200<<10 {
		findings = append(findings, "Big client buffers: clients use more than 200 KB each on average, "+
			"usually from large replies or pipelines. Check CLIENT LIST (qbuf, omem) and consider "+
			"client-output-buffer-limit or maxmemory-clients.")
	}
	if len(findings) == 0 {
		return append(dst, "No memory issue found in this instance.\n"...)
	}
	dst = append(dst, "A few memory issues were found in this instance:\n\n"...)
	for _, f := range findings {
		dst = append(dst, " * "...)
		dst = append(dst, f...)
		dst = append(dst, "\n\n"...)
	}
	return dst
}

// MEMORY MALLOC-STATS: the Go runtime's memory statistics, as text.
func cmdMemoryMallocStats(c *Client) {
	b := bytebufferpool.Get()
	defer bytebufferpool.Put(b)
	b.B = mallocStats(b.B)
	c.AddVerbatim(b.B)
}

// mallocStats writes every runtime/metrics memory and GC metric, one per
// line, between a header and a footer.
func mallocStats(dst []byte) []byte {
	dst = fmt.Appendf(dst, "___ Begin Go runtime memory statistics ___\nVersion: %s\nGOMAXPROCS: %d\n",
		runtime.Version(), runtime.GOMAXPROCS(0))
	var samples []metrics.Sample
	for _, d := range metrics.All() {
		if strings.HasPrefix(d.Name, "/memory/") || strings.HasPrefix(d.Name, "/gc/") {
			samples = append(samples, metrics.Sample{Name: d.Name})
		}
	}
	metrics.Read(samples)
	for _, sm := range samples {
		switch sm.Value.Kind() {
		case metrics.KindUint64:
			dst = fmt.Appendf(dst, "%s: %d\n", sm.Name, sm.Value.Uint64())
		case metrics.KindFloat64:
			dst = fmt.Appendf(dst, "%s: %g\n", sm.Name, sm.Value.Float64())
		case metrics.KindFloat64Histogram:
			h := sm.Value.Float64Histogram()
			var n uint64
			for _, k := range h.Counts {
				n += k
			}
			dst = fmt.Appendf(dst, "%s: histogram, %d samples\n", sm.Name, n)
		}
	}
	return append(dst, "___ End Go runtime memory statistics ___\n"...)
}

// MEMORY PURGE: return freed memory to the OS now.
func cmdMemoryPurge(c *Client) {
	debug.FreeOSMemory()
	c.AddOK()
}

func cmdMemoryHelp(c *Client) {
	c.AddHelp(strings.ToUpper(string(c.Argv[0])), []string{
		"DOCTOR",
		"    Return memory problems reports.",
		"MALLOC-STATS",
		"    Return internal statistics report from the memory allocator.",
		"PURGE",
		"    Attempt to purge dirty pages for reclamation by the allocator.",
		"STATS",
		"    Return information about the memory usage of the server.",
		"USAGE <key> [SAMPLES <count>]",
		"    Return memory in bytes used by <key> and its value. Nested values are",
		"    sampled up to <count> times (default: 5, 0 means sample all).",
	})
}
