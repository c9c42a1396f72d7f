package engine

import (
	"strconv"
	"testing"
)

// HELLO adds availability_zone to its map once the availability-zone
// config is set, as Valkey 8.1+ does, and leaves it out while empty.
func TestHelloAvailabilityZone(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	id := strconv.FormatInt(c.ID, 10)
	base := "$6\r\nserver\r\n$6\r\nvalkey\r\n$7\r\nversion\r\n$" + strconv.Itoa(len(Version)) + "\r\n" + Version +
		"\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:" + id + "\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n" +
		"$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
	if got, want := e.do(c, "hello", "3"), "%7\r\n"+base; got != want {
		t.Fatalf("HELLO 3 = %q, want %q", got, want)
	}
	e.do(c, "config", "set", "availability-zone", "myzone")
	if got, want := e.do(c, "hello", "3"), "%8\r\n"+base+"$17\r\navailability_zone\r\n$6\r\nmyzone\r\n"; got != want {
		t.Fatalf("HELLO 3 with a zone = %q, want %q", got, want)
	}
	e.do(c, "config", "set", "availability-zone", "")
	if got := e.do(c, "hello", "3"); got != "%7\r\n"+base {
		t.Fatalf("HELLO 3 after clearing the zone = %q", got)
	}
}
