package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// The directives in this file have a syntax of their own. Each binds one
// field and spells out its own parse, format and rewrite rules.

func special(name string, flags Flag, def string) *Directive {
	return &Directive{Name: name, Kind: KindSpecial, Flags: flags, Default: def}
}

// saveDirective: "save <seconds> <changes> [...]", or save "" for none.
// Within the files read at start-up, the first save line replaces the
// defaults and later ones add to it; CONFIG SET replaces the whole list.
func saveDirective() *Directive {
	d := special("save", MultiArg, "3600 1 300 100 60 10000")
	d.Implemented = true
	d.get = func(c *Config) string {
		var b []byte
		for i, p := range c.Save {
			if i > 0 {
				b = append(b, ' ')
			}
			b = strconv.AppendInt(b, p[0], 10)
			b = append(b, ' ')
			b = strconv.AppendInt(b, p[1], 10)
		}
		return string(b)
	}
	d.set = func(c *Config, args []string) (bool, string) {
		if len(args) == 1 && args[0] == "" {
			c.Save = nil
			args = nil
		}
		if len(args)%2 != 0 {
			return false, "Invalid save parameters"
		}
		points := make([]SavePoint, 0, len(args)/2)
		for i := 0; i < len(args); i += 2 {
			secs, ok1 := strtollWhole(args[i], 10)
			changes, ok2 := strtollWhole(args[i+1], 10)
			if !ok1 || !ok2 || secs < 1 || changes < 0 {
				return false, "Invalid save parameters"
			}
			// Valkey keeps the count in a C int.
			points = append(points, SavePoint{secs, int64(int32(changes))})
		}
		keep := c.Save
		switch {
		case !c.readingFile:
			keep = nil
		case !c.saveLoaded:
			c.saveLoaded = true
			keep = nil
		}
		c.Save = append(append([]SavePoint(nil), keep...), points...)
		return true, ""
	}
	d.rewrite = func(c *Config, d *Directive, rw *rewriter) {
		if len(c.Save) == 0 {
			rw.line(d.Name, `save ""`, true)
		} else {
			rw.line(d.Name, "save "+d.get(c), true)
		}
		rw.processed(d.Name)
	}
	d.save = func(c *Config) any { return c.Save }
	d.restore = func(c *Config, v any) { c.Save = v.([]SavePoint) }
	return d
}

// outputBufferLimitDirective: "client-output-buffer-limit <class> <hard>
// <soft> <soft-seconds> [...]". Only the classes named change.
func outputBufferLimitDirective() *Directive {
	d := special("client-output-buffer-limit", MultiArg,
		"normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60")
	d.Implemented = true
	names := [numClasses]string{"normal", "slave", "pubsub"}
	d.get = func(c *Config) string {
		var b []byte
		for class, l := range c.ClientOutputBufferLimits {
			if class > 0 {
				b = append(b, ' ')
			}
			b = append(b, names[class]...)
			b = append(b, ' ')
			b = strconv.AppendUint(b, l.Hard, 10)
			b = append(b, ' ')
			b = strconv.AppendUint(b, l.Soft, 10)
			b = append(b, ' ')
			b = strconv.AppendInt(b, l.SoftSeconds, 10)
		}
		return string(b)
	}
	d.set = func(c *Config, args []string) (bool, string) {
		if len(args)%4 != 0 {
			return false, "Wrong number of arguments in buffer limit configuration."
		}
		limits := c.ClientOutputBufferLimits
		for i := 0; i < len(args); i += 4 {
			var class int
			switch strings.ToLower(args[i]) {
			case "normal":
				class = ClassNormal
			case "slave", "replica":
				class = ClassReplica
			case "pubsub":
				class = ClassPubSub
			default:
				return false, "Invalid client class specified in buffer limit configuration."
			}
			hard, ok1 := parseMemory(args[i+1])
			soft, ok2 := parseMemory(args[i+2])
			secs, ok3 := strtollWhole(args[i+3], 10)
			secs = int64(int32(secs)) // a C int in Valkey
			if !ok1 || !ok2 || !ok3 || secs < 0 {
				return false, "Error in hard, soft or soft_seconds setting in buffer limit configuration."
			}
			limits[class] = OutputBufferLimit{hard, soft, secs}
		}
		c.ClientOutputBufferLimits = limits
		return true, ""
	}
	d.rewrite = func(c *Config, d *Directive, rw *rewriter) {
		for class, l := range c.ClientOutputBufferLimits {
			name := names[class]
			if class == ClassReplica {
				name = "replica"
			}
			line := d.Name + " " + name + " " + formatMemory(l.Hard) + " " + formatMemory(l.Soft) + " " +
				strconv.FormatInt(l.SoftSeconds, 10)
			rw.line(d.Name, line, l != defaultOutputBufferLimits[class])
		}
	}
	d.save = func(c *Config) any { return c.ClientOutputBufferLimits }
	d.restore = func(c *Config, v any) { c.ClientOutputBufferLimits = v.([numClasses]OutputBufferLimit) }
	return d
}

// oomScoreAdjValuesDirective: three oom_score_adj values, for the primary,
// a replica and background children.
func oomScoreAdjValuesDirective() *Directive {
	d := special("oom-score-adj-values", MultiArg, "0 200 800")
	d.get = func(c *Config) string {
		v := c.OOMScoreAdjValues
		return strconv.Itoa(v[0]) + " " + strconv.Itoa(v[1]) + " " + strconv.Itoa(v[2])
	}
	d.set = func(c *Config, args []string) (bool, string) {
		if len(args) != 3 {
			return false, "wrong number of arguments"
		}
		var v [3]int
		for i, a := range args {
			n, ok := strtollWhole(a, 10)
			if !ok || n < -2000 || n > 2000 {
				return false, "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
			}
			v[i] = int(n)
		}
		changed := v != c.OOMScoreAdjValues
		c.OOMScoreAdjValues = v
		return changed, ""
	}
	d.rewrite = func(c *Config, d *Directive, rw *rewriter) {
		rw.line(d.Name, d.Name+" "+d.get(c), c.OOMScoreAdjValues != defaultOOMScoreAdjValues)
	}
	d.save = func(c *Config) any { return c.OOMScoreAdjValues }
	d.restore = func(c *Config, v any) { c.OOMScoreAdjValues = v.([3]int) }
	return d
}

// notifyKeyspaceEventsDirective: the classes of keyspace events to publish,
// one letter each.
func notifyKeyspaceEventsDirective() *Directive {
	d := special("notify-keyspace-events", 0, "")
	d.Implemented = true
	d.get = func(c *Config) string { return keyspaceEventString(c.NotifyKeyspaceEvents) }
	d.set = func(c *Config, args []string) (bool, string) {
		if len(args) != 1 {
			return false, "wrong number of arguments"
		}
		flags, ok := keyspaceEventFlags(args[0])
		if !ok {
			return false, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
		}
		c.NotifyKeyspaceEvents = flags
		return true, ""
	}
	d.rewrite = func(c *Config, d *Directive, rw *rewriter) {
		rw.line(d.Name, d.Name+" "+quote(d.get(c)), c.NotifyKeyspaceEvents != 0)
	}
	d.save = func(c *Config) any { return c.NotifyKeyspaceEvents }
	d.restore = func(c *Config, v any) { c.NotifyKeyspaceEvents = v.(int) }
	return d
}

// setAddresses parses the arguments of bind and rdma-bind: up to 16
// addresses, a single "" meaning none.
func setAddresses(args []string) ([]string, string) {
	if len(args) > 16 {
		return nil, "Too many bind addresses specified."
	}
	if len(args) == 1 && args[0] == "" {
		return nil, ""
	}
	return append([]string(nil), args...), ""
}

func rewriteAddresses(rw *rewriter, name string, addrs []string) {
	list := `""`
	if len(addrs) > 0 {
		// Valkey joins them bare; quoting the odd empty or spaced one
		// keeps the file readable back.
		list = joinArgs(addrs)
	}
	rw.line(name, name+" "+list, true)
}

// bindDirective: the addresses to listen on. A line at the default value
// is dropped from the file on rewrite.
func bindDirective() *Directive {
	d := special("bind", MultiArg, "* -::*")
	d.Implemented = true
	d.get = func(c *Config) string { return strings.Join(c.Bind, " ") }
	d.set = func(c *Config, args []string) (bool, string) {
		addrs, reason := setAddresses(args)
		if reason != "" {
			return false, reason
		}
		c.Bind = addrs
		return true, ""
	}
	d.rewrite = func(c *Config, d *Directive, rw *rewriter) {
		if equalStrings(c.Bind, defaultBind) {
			rw.processed(d.Name)
			return
		}
		rewriteAddresses(rw, d.Name, c.Bind)
	}
	d.save = func(c *Config) any { return c.Bind }
	d.restore = func(c *Config, v any) { c.Bind = v.([]string) }
	return d
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func rdmaBindDirective() *Directive {
	d := special("rdma-bind", MultiArg, "")
	d.builtin = noRDMA
	d.get = func(c *Config) string { return strings.Join(c.rdmaBind, " ") }
	d.set = func(c *Config, args []string) (bool, string) {
		addrs, reason := setAddresses(args)
		if reason != "" {
			return false, reason
		}
		c.rdmaBind = addrs
		return true, ""
	}
	d.rewrite = func(c *Config, d *Directive, rw *rewriter) {
		if len(c.rdmaBind) > 0 {
			rewriteAddresses(rw, d.Name, c.rdmaBind)
		}
	}
	d.save = func(c *Config) any { return c.rdmaBind }
	d.restore = func(c *Config, v any) { c.rdmaBind = v.([]string) }
	return d
}

// replicaOfDirective: "replicaof <host> <port>", or "replicaof no one".
func replicaOfDirective() *Directive {
	d := special("replicaof", Immutable|MultiArg, "")
	d.Alias = "slaveof"
	d.Implemented = true
	d.get = func(c *Config) string {
		if c.ReplicaOfHost == "" {
			return ""
		}
		return c.ReplicaOfHost + " " + strconv.Itoa(c.ReplicaOfPort)
	}
	d.set = func(c *Config, args []string) (bool, string) {
		if len(args) != 2 {
			return false, "wrong number of arguments"
		}
		c.ReplicaOfHost = ""
		if strings.EqualFold(args[0], "no") && strings.EqualFold(args[1], "one") {
			return true, ""
		}
		port, ok := strtollWhole(args[1], 10)
		if !ok || port < 0 || port > 65535 {
			return false, "Invalid primary port"
		}
		c.ReplicaOfHost, c.ReplicaOfPort = args[0], int(port)
		return true, ""
	}
	d.rewrite = func(c *Config, d *Directive, rw *rewriter) {
		// A primary, or a cluster node, has no replicaof line at all.
		if c.ClusterEnabled || c.ReplicaOfHost == "" {
			rw.processed(d.Name)
			return
		}
		rw.line(d.Name, d.Name+" "+c.ReplicaOfHost+" "+strconv.Itoa(c.ReplicaOfPort), true)
	}
	type replicaOf struct {
		host string
		port int
	}
	d.save = func(c *Config) any { return replicaOf{c.ReplicaOfHost, c.ReplicaOfPort} }
	d.restore = func(c *Config, v any) {
		r := v.(replicaOf)
		c.ReplicaOfHost, c.ReplicaOfPort = r.host, r.port
	}
	return d
}

// percentilesDirective: the percentiles INFO latencystats reports.
func percentilesDirective() *Directive {
	d := special("latency-tracking-info-percentiles", MultiArg, "50 99 99.9")
	d.Implemented = true
	d.get = func(c *Config) string {
		parts := make([]string, len(c.LatencyTrackingInfoPercentiles))
		for i, p := range c.LatencyTrackingInfoPercentiles {
			parts[i] = formatPercentile(p)
		}
		return strings.Join(parts, " ")
	}
	d.set = func(c *Config, args []string) (bool, string) {
		if len(args) == 1 && args[0] == "" {
			args = nil
		}
		ps := make([]float64, 0, len(args))
		for _, a := range args {
			p, ok := parseCDouble(a)
			if !ok {
				return false, "Invalid latency-tracking-info-percentiles parameters"
			}
			if p > 100 || p < 0 {
				return false, "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
			}
			ps = append(ps, p)
		}
		c.LatencyTrackingInfoPercentiles = ps
		return true, ""
	}
	d.rewrite = func(c *Config, d *Directive, rw *rewriter) {
		v := d.get(c)
		if v == "" {
			v = `""`
		}
		rw.line(d.Name, d.Name+" "+v, true)
	}
	d.save = func(c *Config) any { return c.LatencyTrackingInfoPercentiles }
	d.restore = func(c *Config, v any) { c.LatencyTrackingInfoPercentiles = v.([]float64) }
	return d
}

// dirDirective: the working directory. Valkey changes directory as soon as
// it reads the directive and reports getcwd(); Volley checks that the
// directory could be entered, keeps its absolute, symlink-free path, and
// leaves the chdir itself to the server. Relative paths resolve against
// the current value.
func dirDirective() *Directive {
	d := special("dir", Protected|DenyLoading, "")
	d.Implemented = true
	d.get = func(c *Config) string { return c.Dir }
	d.set = func(c *Config, args []string) (bool, string) {
		if len(args) != 1 {
			return false, "wrong number of arguments"
		}
		if args[0] == "" {
			return false, "dir can't be empty"
		}
		path, err := c.enterable(args[0])
		if err != nil {
			return false, Strerror(err)
		}
		c.Dir = path
		return true, ""
	}
	d.rewrite = func(c *Config, d *Directive, rw *rewriter) {
		if c.Dir == "" {
			rw.processed(d.Name)
			return
		}
		rw.line(d.Name, d.Name+" "+quote(c.Dir), true)
	}
	d.save = func(c *Config) any { return c.Dir }
	d.restore = func(c *Config, v any) { c.Dir = v.(string) }
	return d
}

// resolve makes path absolute against the configured directory.
func (c *Config) resolve(path string) string {
	if filepath.IsAbs(path) || c.Dir == "" {
		return path
	}
	return filepath.Join(c.Dir, path)
}

// enterable reports the canonical path of dir, or why chdir into it would
// fail.
func (c *Config) enterable(dir string) (string, error) {
	path := c.resolve(dir)
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !fi.IsDir() {
		return "", syscall.ENOTDIR
	}
	const searchable = 1 // X_OK
	if err := syscall.Access(path, searchable); err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	} else if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return filepath.Clean(path), nil
}
