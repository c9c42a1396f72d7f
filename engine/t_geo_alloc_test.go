//go:build !race

package engine

import (
	"strconv"
	"strings"
	"testing"
)

// GEOPOS, GEOHASH and GEODIST reply from stack buffers; a search copies
// the listpack members it returns into one growing buffer, not one
// allocation each.
func TestGeoAllocs(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	args := []string{"geoadd", "mid"}
	for i := 0; i < 100; i++ {
		lon := strconv.FormatFloat(13.5+float64(i%10)*0.05, 'f', 4, 64)
		lat := strconv.FormatFloat(37.5+float64(i/10)*0.05, 'f', 4, 64)
		args = append(args, lon, lat, "member:"+strconv.Itoa(i))
	}
	e.do(c, args...)
	if got := e.do(c, "object", "encoding", "mid"); got != "$8\r\nlistpack\r\n" {
		t.Fatalf("encoding %q, want listpack", got)
	}
	if got := e.do(c, "geosearch", "mid", "fromlonlat", "13.7", "37.7", "byradius", "100", "km"); !strings.HasPrefix(got, "*100\r\n") {
		t.Fatalf("the search finds %.8q, want all 100 members", got)
	}

	for _, tc := range []struct {
		name string
		argv [][]byte
		max  float64
	}{
		{"GEOPOS", argvOf("geopos", "mid", "member:1", "member:2", "nosuch"), 0},
		{"GEOHASH", argvOf("geohash", "mid", "member:1", "member:2"), 0},
		{"GEODIST", argvOf("geodist", "mid", "member:1", "member:99", "km"), 0},
		// 100 results: the result slice and the member buffer grow a few
		// times per scanned cell.
		{"GEOSEARCH listpack", argvOf("geosearch", "mid", "fromlonlat", "13.7", "37.7", "byradius", "100", "km"), 30},
	} {
		e.srv.Call(c, tc.argv) // warm up
		c.Out.Reset()
		allocs := testing.AllocsPerRun(100, func() {
			e.srv.Call(c, tc.argv)
			c.Out.Reset()
		})
		if allocs > tc.max {
			t.Errorf("%s: %.1f allocations per command, want at most %v", tc.name, allocs, tc.max)
		}
	}
}
