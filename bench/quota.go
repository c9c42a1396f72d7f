package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// cpuQuota is a cgroup whose CPU bandwidth limit the servers run under
// (--server-cpu-quota).
//
// Why: on a 2-core machine the load generator saturates its core near -P 16,
// and a server that waits on its client spends CPU per request in ways its
// client's pacing decides: a faster server sleeps and wakes more often, and
// with large values the TCP flow settles, run by run, into a state where the
// segments go out from the client's core (on its window updates) or from the
// server's. Capping every server at the same fraction of a CPU makes the
// server the bottleneck instead, so that its requests per second measure its
// own cost per request. The kernel enforces the cap per period, so a server
// runs in bursts: latencies in such runs say nothing about the server.
type cpuQuota struct {
	dir   string // the cgroup's directory, removed by remove
	procs string // the file a pid is written to, to move a process in
}

// quotaPeriodUs is the cgroup's accounting period. A short period keeps the
// bursts short; the kernel accepts 1 ms and up.
const quotaPeriodUs = 5000

// newCPUQuota makes a cgroup named name under root (the cgroup file system's
// mount point, /sys/fs/cgroup) limited to fraction of one CPU. It takes a
// unified (v2) hierarchy when root has one with the cpu controller, turning
// the controller on for root's children if it is off (and leaving it on),
// and the legacy (v1) cpu hierarchy under root/cpu otherwise.
func newCPUQuota(root, name string, fraction float64) (*cpuQuota, error) {
	if fraction <= 0 {
		return nil, errors.New("--server-cpu-quota must be positive")
	}
	quota := int(fraction*quotaPeriodUs + 0.5)
	if quota < 1000 {
		return nil, fmt.Errorf("--server-cpu-quota %g is below the kernel's minimum of 1 ms per %d µs period", fraction, quotaPeriodUs)
	}
	var dir string
	var limits [][2]string // control file and value, in the order written
	if ctrl, err := os.ReadFile(filepath.Join(root, "cgroup.controllers")); err == nil {
		if !hasWord(string(ctrl), "cpu") {
			return nil, fmt.Errorf("%s: the cpu controller is not available", root)
		}
		sub, _ := os.ReadFile(filepath.Join(root, "cgroup.subtree_control"))
		if !hasWord(string(sub), "cpu") {
			if err := os.WriteFile(filepath.Join(root, "cgroup.subtree_control"), []byte("+cpu"), 0o644); err != nil {
				return nil, fmt.Errorf("enabling the cpu controller: %w", err)
			}
		}
		dir = filepath.Join(root, name)
		limits = [][2]string{{"cpu.max", fmt.Sprintf("%d %d", quota, quotaPeriodUs)}}
	} else {
		v1 := filepath.Join(root, "cpu")
		if _, err := os.Stat(filepath.Join(v1, "cpu.cfs_quota_us")); err != nil {
			return nil, fmt.Errorf("no cgroup cpu controller under %s (needs root and a mounted cgroup file system)", root)
		}
		dir = filepath.Join(v1, name)
		// The period first: a quota is checked against the period in force.
		limits = [][2]string{{"cpu.cfs_period_us", strconv.Itoa(quotaPeriodUs)}, {"cpu.cfs_quota_us", strconv.Itoa(quota)}}
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, fmt.Errorf("making the cgroup: %w", err)
	}
	q := &cpuQuota{dir: dir, procs: filepath.Join(dir, "cgroup.procs")}
	for _, l := range limits {
		if err := q.set(l[0], l[1]); err != nil {
			_ = q.remove() // nothing runs in it yet; the caller never sees it
			return nil, err
		}
	}
	return q, nil
}

func (q *cpuQuota) set(file, value string) error {
	if err := os.WriteFile(filepath.Join(q.dir, file), []byte(value), 0o644); err != nil {
		return fmt.Errorf("setting %s: %w", file, err)
	}
	return nil
}

// add moves process pid, all its threads, into the cgroup.
func (q *cpuQuota) add(pid int) error {
	if err := os.WriteFile(q.procs, []byte(strconv.Itoa(pid)), 0o644); err != nil {
		return fmt.Errorf("moving pid %d under the CPU quota: %w", pid, err)
	}
	return nil
}

// remove deletes the cgroup. The kernel refuses while a process is in it, so
// it runs after every server has been stopped.
func (q *cpuQuota) remove() error { return os.Remove(q.dir) }

// hasWord says whether w is one of the space-separated words of s.
func hasWord(s, w string) bool { return slices.Contains(strings.Fields(s), w) }
