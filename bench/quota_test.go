package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeFile writes a control file of a fake cgroup tree.
func fakeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCPUQuotaUnified(t *testing.T) {
	for _, tc := range []struct {
		subtree     string // root's cgroup.subtree_control before
		fraction    float64
		wantSubtree string // and after
		wantMax     string
	}{
		// A real subtree_control takes "+cpu" as an edit; the fake file
		// just shows that it was asked for.
		{"memory pids\n", 0.5, "+cpu", "2500 5000"},
		{"cpu memory\n", 1.5, "cpu memory\n", "7500 5000"}, // already on: left alone
	} {
		root := t.TempDir()
		fakeFile(t, filepath.Join(root, "cgroup.controllers"), "cpuset cpu io memory pids\n")
		fakeFile(t, filepath.Join(root, "cgroup.subtree_control"), tc.subtree)
		q, err := newCPUQuota(root, "volley-bench-1", tc.fraction)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(root, "volley-bench-1")
		if q.dir != dir || q.procs != filepath.Join(dir, "cgroup.procs") {
			t.Fatalf("cgroup at %q, procs %q", q.dir, q.procs)
		}
		if got := readFile(t, filepath.Join(root, "cgroup.subtree_control")); got != tc.wantSubtree {
			t.Errorf("subtree_control %q became %q, want %q", tc.subtree, got, tc.wantSubtree)
		}
		if got := readFile(t, filepath.Join(dir, "cpu.max")); got != tc.wantMax {
			t.Errorf("quota %g: cpu.max = %q, want %q", tc.fraction, got, tc.wantMax)
		}
		if err := q.add(4242); err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, q.procs); got != "4242" {
			t.Errorf("cgroup.procs = %q, want 4242", got)
		}
	}
}

func TestCPUQuotaLegacy(t *testing.T) {
	root := t.TempDir()
	fakeFile(t, filepath.Join(root, "cpu", "cpu.cfs_quota_us"), "-1\n")
	q, err := newCPUQuota(root, "volley-bench-7", 0.25)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "cpu", "volley-bench-7")
	if q.dir != dir {
		t.Fatalf("cgroup at %q, want %q", q.dir, dir)
	}
	if got := readFile(t, filepath.Join(dir, "cpu.cfs_period_us")); got != "5000" {
		t.Errorf("cpu.cfs_period_us = %q, want 5000", got)
	}
	if got := readFile(t, filepath.Join(dir, "cpu.cfs_quota_us")); got != "1250" {
		t.Errorf("cpu.cfs_quota_us = %q, want 1250", got)
	}
	if err := q.add(99); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "cgroup.procs")); got != "99" {
		t.Errorf("cgroup.procs = %q, want 99", got)
	}
}

func TestCPUQuotaRefusals(t *testing.T) {
	noCPU := t.TempDir()
	fakeFile(t, filepath.Join(noCPU, "cgroup.controllers"), "memory pids\n")
	legacy := t.TempDir()
	fakeFile(t, filepath.Join(legacy, "cpu", "cpu.cfs_quota_us"), "-1\n")
	fakeFile(t, filepath.Join(legacy, "cpu", "taken", "cgroup.procs"), "")
	for _, tc := range []struct {
		root, name string
		fraction   float64
		want       string
	}{
		{legacy, "x", 0, "must be positive"},
		{legacy, "x", 0.1, "below the kernel's minimum"},
		{noCPU, "x", 0.5, "cpu controller is not available"},
		{t.TempDir(), "x", 0.5, "no cgroup cpu controller"},
		{legacy, "taken", 0.5, "making the cgroup"},
	} {
		_, err := newCPUQuota(tc.root, tc.name, tc.fraction)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("newCPUQuota(%s, %q, %g) = %v, want an error saying %q", tc.root, tc.name, tc.fraction, err, tc.want)
		}
	}
}

func TestServerQuotaFlag(t *testing.T) {
	cfg, err := parseFlags([]string{"--server-cpu-quota", "0.5"}, &bytes.Buffer{})
	if err != nil || cfg.serverQuota != 0.5 {
		t.Fatalf("--server-cpu-quota 0.5: %v, quota %g", err, cfg.serverQuota)
	}
	if _, err := parseFlags([]string{"--server-cpu-quota", "-1"}, &bytes.Buffer{}); err == nil {
		t.Error("a negative quota was accepted")
	}
}

func TestMarkdownSaysQuota(t *testing.T) {
	res := cannedResults(t)
	var plain bytes.Buffer
	writeMarkdown(&plain, res, aggregate(res))
	if strings.Contains(plain.String(), "cgroup quota") {
		t.Error("the report mentions a quota on a run without one")
	}
	res.Settings.ServerCPUQuota = 0.5
	var capped bytes.Buffer
	writeMarkdown(&capped, res, aggregate(res))
	want := "Each server was capped at 0.5 of a CPU by a cgroup quota"
	if !strings.Contains(capped.String(), want) {
		t.Errorf("report lacks %q:\n%s", want, capped.String()[:min(600, capped.Len())])
	}
}
