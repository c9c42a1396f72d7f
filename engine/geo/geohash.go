package geo

import "math"

// Limits of the coordinates the index accepts: the Web Mercator square
// (EPSG:3857), which leaves out the poles.
const (
	LonMin = -180.0
	LonMax = 180.0
	LatMin = -85.05112878
	LatMax = 85.05112878

	// StepMax is the precision of a stored point: 26 bits of longitude
	// and 26 of latitude, interleaved into a 52-bit score that a float64
	// holds exactly.
	StepMax = 26
)

// Hash is a geohash cell: Step bits of each coordinate, interleaved in
// the low 2*Step bits of Bits (latitude in the even bits, longitude in
// the odd ones). The zero Hash (no bits, step 0) means "no cell".
type Hash struct {
	Bits uint64
	Step uint8
}

// IsZero reports whether h is the "no cell" value.
func (h Hash) IsZero() bool { return h.Bits == 0 && h.Step == 0 }

// Range is a closed interval of one coordinate.
type Range struct{ Min, Max float64 }

// Area is the rectangle a Hash covers.
type Area struct {
	Hash     Hash
	Lon, Lat Range
}

// The ranges stored hashes are relative to, and the standard ones of a
// textual geohash (GEOHASH's output).
var (
	lonRange    = Range{LonMin, LonMax}
	latRange    = Range{LatMin, LatMax}
	stdLatRange = Range{-90, 90}
)

// spread moves the 32 bits of v to the even bit positions of the result.
func spread(v uint32) uint64 {
	x := uint64(v)
	x = (x | x<<16) & 0x0000ffff0000ffff
	x = (x | x<<8) & 0x00ff00ff00ff00ff
	x = (x | x<<4) & 0x0f0f0f0f0f0f0f0f
	x = (x | x<<2) & 0x3333333333333333
	x = (x | x<<1) & 0x5555555555555555
	return x
}

// squeeze is the inverse of spread: the even bits of v, packed.
func squeeze(v uint64) uint32 {
	x := v & 0x5555555555555555
	x = (x | x>>1) & 0x3333333333333333
	x = (x | x>>2) & 0x0f0f0f0f0f0f0f0f
	x = (x | x>>4) & 0x00ff00ff00ff00ff
	x = (x | x>>8) & 0x0000ffff0000ffff
	x = (x | x>>16) & 0x00000000ffffffff
	return uint32(x)
}

// interleave puts lat in the even bits and lon in the odd bits.
func interleave(lat, lon uint32) uint64 { return spread(lat) | spread(lon)<<1 }

// Encode is the cell of the given step containing (lon, lat), relative to
// the ranges lonR and latR. It fails outside the index limits or the
// ranges, and for a step outside 1..32.
func Encode(lonR, latR Range, lon, lat float64, step uint8) (Hash, bool) {
	if step == 0 || step > 32 || (latR.Min == 0 && latR.Max == 0) || (lonR.Min == 0 && lonR.Max == 0) {
		return Hash{}, false
	}
	if lon > LonMax || lon < LonMin || lat > LatMax || lat < LatMin {
		return Hash{}, false
	}
	if lat < latR.Min || lat > latR.Max || lon < lonR.Min || lon > lonR.Max {
		return Hash{Step: step}, false
	}
	latOff := (lat - latR.Min) / (latR.Max - latR.Min)
	lonOff := (lon - lonR.Min) / (lonR.Max - lonR.Min)
	scale := float64(uint64(1) << step)
	latOff *= scale
	lonOff *= scale
	return Hash{Bits: interleave(uint32(latOff), uint32(lonOff)), Step: step}, true
}

// EncodeWGS84 is Encode relative to the index limits.
func EncodeWGS84(lon, lat float64, step uint8) (Hash, bool) {
	return Encode(lonRange, latRange, lon, lat, step)
}

// Decode is the area of cell h relative to lonR and latR. It fails for
// the zero Hash.
func Decode(lonR, latR Range, h Hash) (Area, bool) {
	if h.IsZero() || (latR.Min == 0 && latR.Max == 0) || (lonR.Min == 0 && lonR.Max == 0) {
		return Area{}, false
	}
	latScale := latR.Max - latR.Min
	lonScale := lonR.Max - lonR.Min
	ilat := squeeze(h.Bits)
	ilon := squeeze(h.Bits >> 1)
	cells := float64(uint64(1) << h.Step)
	// The +1 is 32-bit arithmetic, wrapping as C's unsigned int does.
	return Area{
		Hash: h,
		Lat: Range{
			Min: latR.Min + (float64(ilat)*1.0/cells)*latScale,
			Max: latR.Min + (float64(ilat+1)*1.0/cells)*latScale,
		},
		Lon: Range{
			Min: lonR.Min + (float64(ilon)*1.0/cells)*lonScale,
			Max: lonR.Min + (float64(ilon+1)*1.0/cells)*lonScale,
		},
	}, true
}

// DecodeWGS84 is Decode relative to the index limits.
func DecodeWGS84(h Hash) (Area, bool) { return Decode(lonRange, latRange, h) }

// Center is the middle of a, clamped to the index limits.
func (a Area) Center() (lon, lat float64) {
	lon = (a.Lon.Min + a.Lon.Max) / 2
	lon = min(max(lon, LonMin), LonMax)
	lat = (a.Lat.Min + a.Lat.Max) / 2
	lat = min(max(lat, LatMin), LatMax)
	return lon, lat
}

// ScoreBits converts a sorted set score to the unsigned integer a C
// (uint64_t) cast gives on x86-64, including for scores no integer
// holds: a score written by another command can be anything, and the
// point it decodes to is observable.
func ScoreBits(score float64) uint64 {
	const two63 = 9223372036854775808.0
	if score < two63 { // false for NaN, as the unordered compare is
		return uint64(cvttsd2si(score))
	}
	return uint64(cvttsd2si(score-two63)) ^ (1 << 63)
}

// cvttsd2si is the x86 truncating conversion: the "integer indefinite"
// value for NaN and for anything outside the int64 range.
func cvttsd2si(f float64) int64 {
	if f != f || f >= 9223372036854775808.0 || f < -9223372036854775808.0 {
		return math.MinInt64
	}
	return int64(f)
}

// DecodeScore is the point stored as a sorted set score by GEOADD: the
// center of its 52-bit cell.
func DecodeScore(score float64) (lon, lat float64, ok bool) {
	a, ok := DecodeWGS84(Hash{Bits: ScoreBits(score), Step: StepMax})
	if !ok {
		return 0, 0, false
	}
	lon, lat = a.Center()
	return lon, lat, true
}

// Align52 left-aligns h's bits to 52, the precision of a stored score:
// the lowest score of a point inside the cell.
func Align52(h Hash) uint64 { return h.Bits << (52 - uint(h.Step)*2) }

// Score is the sorted set score of (lon, lat); ok is false outside the
// index limits.
func Score(lon, lat float64) (uint64, bool) {
	h, ok := EncodeWGS84(lon, lat, StepMax)
	if !ok {
		return 0, false
	}
	return Align52(h), true
}

// geohashAlphabet is the standard base32 geohash alphabet.
const geohashAlphabet = "0123456789bcdefghjkmnpqrstuvwxyz"

// String is the standard 11-character geohash of (lon, lat), the form
// other tools read: re-encoded against latitudes ±90 (the index uses
// ±85.05), 52 bits in ten characters and a final '0'.
func String(lon, lat float64) [11]byte {
	var out [11]byte
	h, _ := Encode(lonRange, stdLatRange, lon, lat, StepMax)
	for i := 0; i < 10; i++ {
		out[i] = geohashAlphabet[(h.Bits>>(52-uint(i+1)*5))&0x1f]
	}
	out[10] = '0'
	return out
}

// moveLon moves h one cell east (d > 0) or west (d < 0), wrapping at the
// antimeridian. moveLat moves north or south, wrapping likewise.
func moveLon(h *Hash, d int) { h.Bits = moveIn(h.Bits, h.Step, 0xaaaaaaaaaaaaaaaa, d) }
func moveLat(h *Hash, d int) { h.Bits = moveIn(h.Bits, h.Step, 0x5555555555555555, d) }

// moveIn adds d (±1) to the coordinate whose bits are those of mine,
// within the low 2*step bits, leaving the other coordinate's bits alone.
// Filling the other coordinate's positions with ones lets a carry run
// through them; a borrow runs through zeros.
func moveIn(bits uint64, step uint8, mine uint64, d int) uint64 {
	if d == 0 {
		return bits
	}
	shift := 64 - uint(step)*2
	keep := mine >> shift
	gaps := ^mine >> shift
	v := bits & mine
	if d > 0 {
		v = (v | gaps) + 1
	} else {
		v = (v &^ gaps) - 1
	}
	return v&keep | bits&^mine
}

// Neighbors are the eight cells around one, in the order a search visits
// them after the cell itself.
type Neighbors struct {
	North, South, East, West                   Hash
	NorthEast, NorthWest, SouthEast, SouthWest Hash
}

// NeighborsOf returns the eight cells around h, of the same step.
func NeighborsOf(h Hash) Neighbors {
	at := func(dlon, dlat int) Hash {
		n := h
		moveLon(&n, dlon)
		moveLat(&n, dlat)
		return n
	}
	return Neighbors{
		North: at(0, 1), South: at(0, -1), East: at(1, 0), West: at(-1, 0),
		NorthEast: at(1, 1), NorthWest: at(-1, 1), SouthEast: at(1, -1), SouthWest: at(-1, -1),
	}
}
