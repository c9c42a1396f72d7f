package engine

import (
	"strings"
	"testing"
)

// A reply that sends a stored value by reference pins it until Reset; one
// that copies (small value, slab record, reply skipped) does not.
func TestReplyPinsReferencedValues(t *testing.T) {
	e := newTestEnv(t)
	c, r := e.newClient(), e.newClient()
	e.do(c, "config", "set", "min-string-size-avoid-copy-reply", "100")
	big := strings.Repeat("v", 300)
	e.do(c, "set", "big", big)
	e.do(c, "set", "small", "short")
	en, _ := entry(t, e, "big")
	if !en.Stable() || !en.Mutable() {
		t.Fatalf("stable %v mutable %v", en.Stable(), en.Mutable())
	}
	call := func(args ...string) {
		argv := make([][]byte, len(args))
		for i, a := range args {
			argv[i] = []byte(a)
		}
		e.srv.Call(r, argv)
	}
	for _, tc := range []struct {
		cmd    []string
		pinned bool
	}{
		{[]string{"get", "big"}, true},
		{[]string{"getrange", "big", "0", "199"}, true},
		{[]string{"getrange", "big", "0", "98"}, false}, // under the threshold: copied
		{[]string{"get", "small"}, false},
		{[]string{"mget", "big", "big"}, true},
	} {
		call(tc.cmd...)
		if en.Mutable() == tc.pinned {
			t.Errorf("%q: pinned %v, want %v", tc.cmd, !en.Mutable(), tc.pinned)
		}
		r.Out.Reset()
		if !en.Mutable() {
			t.Errorf("%q: still pinned after Reset", tc.cmd)
		}
	}
	// Two references, released together.
	call("get", "big")
	call("getrange", "big", "1", "-1")
	if got := string(r.Out.Bytes()); got != bulk(big)+bulk(big[1:]) {
		t.Errorf("replies %q", got)
	}
	r.Out.Reset()
	if !en.Mutable() {
		t.Error("pinned after Reset")
	}
	// A skipped reply holds nothing.
	call("client", "reply", "off")
	call("get", "big")
	if !en.Mutable() || !r.Out.Empty() {
		t.Errorf("skipped reply pinned %v, output %q", !en.Mutable(), r.Out.Bytes())
	}
	call("client", "reply", "on")
	r.Out.Reset()
	// A freed client releases what it held.
	call("get", "big")
	e.srv.FreeClient(r)
	if !en.Mutable() {
		t.Error("pinned after FreeClient")
	}
}

// SETRANGE within a large value rewrites it in place when no reply holds
// it, and copies it when one does.
func TestSetrangeLargeValueInPlaceUnlessPinned(t *testing.T) {
	e := newTestEnv(t)
	c, r := e.newClient(), e.newClient()
	e.do(c, "config", "set", "min-string-size-avoid-copy-reply", "100")
	big := strings.Repeat("v", 300)
	e.do(c, "set", "k", big)
	en, _ := entry(t, e, "k")
	addr := &en.Value()[0]
	if got := e.do(c, "setrange", "k", "0", "ab"); got != ":300\r\n" {
		t.Fatal(got)
	}
	if en, _ = entry(t, e, "k"); &en.Value()[0] != addr {
		t.Error("an unreferenced value was copied")
	}
	e.srv.Call(r, [][]byte{[]byte("get"), []byte("k")})
	if got := e.do(c, "setrange", "k", "0", "xy"); got != ":300\r\n" {
		t.Fatal(got)
	}
	if got := string(r.Out.Bytes()); got != bulk("ab"+big[2:]) {
		t.Error("a pending reply changed")
	}
	r.Out.Reset()
	if en, _ = entry(t, e, "k"); &en.Value()[0] == addr || string(en.Value()) != "xy"+big[2:] {
		t.Error("a referenced value was not copied, or lost the write")
	}
}
