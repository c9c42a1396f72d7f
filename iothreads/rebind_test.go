package iothreads

import (
	"errors"
	"slices"
	"testing"
)

// moveListeners closes what goes before it opens what comes, keeps what
// stays, and on a failure puts the set back as it was.
func TestMoveListeners(t *testing.T) {
	a := BindAddr{Network: "tcp4", Addr: "127.0.0.1:7000"}
	b := BindAddr{Network: "tcp6", Addr: "[::1]:7000"}
	c := BindAddr{Network: "tcp4", Addr: "0.0.0.0:7000"}
	bad := BindAddr{Network: "tcp4", Addr: "192.0.2.1:7000"}
	errBind := errors.New("bind: Cannot assign requested address")

	var log []string
	open := func(x BindAddr) error {
		if x.Addr == bad.Addr {
			log = append(log, "fail "+x.Addr)
			return errBind
		}
		log = append(log, "open "+x.Addr)
		return nil
	}
	closeFn := func(x BindAddr) { log = append(log, "close "+x.Addr) }

	tests := []struct {
		name       string
		have, want []BindAddr
		now        []BindAddr
		err        error
		log        []string
	}{
		{"first", nil, []BindAddr{a, b}, []BindAddr{a, b}, nil,
			[]string{"open 127.0.0.1:7000", "open [::1]:7000"}},
		{"keep one, swap one: the old is closed first", []BindAddr{a, b}, []BindAddr{c, a}, []BindAddr{a, c}, nil,
			[]string{"close [::1]:7000", "open 0.0.0.0:7000"}},
		{"an optional failure is skipped", []BindAddr{a}, []BindAddr{a, {bad.Network, bad.Addr, true}}, []BindAddr{a}, nil,
			[]string{"fail 192.0.2.1:7000"}},
		{"a failure restores", []BindAddr{a, b}, []BindAddr{c, bad}, []BindAddr{a, b}, errBind,
			[]string{"close 127.0.0.1:7000", "close [::1]:7000", "open 0.0.0.0:7000", "fail 192.0.2.1:7000",
				"close 0.0.0.0:7000", "open 127.0.0.1:7000", "open [::1]:7000"}},
		{"none", []BindAddr{a}, nil, nil, nil, []string{"close 127.0.0.1:7000"}},
	}
	for _, tt := range tests {
		log = nil
		now, err := moveListeners(tt.have, tt.want, open, closeFn)
		if !errors.Is(err, tt.err) || !slices.Equal(now, tt.now) || !slices.Equal(log, tt.log) {
			t.Errorf("%s: got %v, %v, steps %q; want %v, %v, steps %q", tt.name, now, err, log, tt.now, tt.err, tt.log)
		}
	}
}
